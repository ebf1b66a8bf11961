"""`make run`'s demo federation: three nodes prepared through packages, each holding exactly what it should
(its own lists; what was disclosed or sent to it; cosigned checkpoints), and their servers started apart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from homebound.cli.federation_demo import node_servers
from homebound.config import Settings
from homebound.core.persons import Registry, Status
from homebound.db.custody import key_custody
from homebound.db.engine import make_engine
from homebound.db.federation_tables import (
    DisclosedRecordRow,
    NodeCheckpointRow,
    PackageReceivedRow,
    PackageSentRow,
    WitnessedCheckpointRow,
)
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.demo_federation import DemoNode, prepare_federation
from homebound.services.log import verify_log
from tests.settings import TEST_PASSWORD_COST


def _scalar(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def _persons(engine: Engine) -> dict[tuple[str, str], int]:
    """Person rows by (owning party's code, registry)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrganisationRow.code, PersonRow.registry_kind, func.count())
            .join(OrganisationRow, OrganisationRow.id == PersonRow.party_id)
            .group_by(OrganisationRow.code, PersonRow.registry_kind)
        ).all()
    return {(code, registry): count for code, registry, count in rows}


def test_the_demo_federation_is_prepared_through_packages(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    summary = prepare_federation(root, persons=40, cost=TEST_PASSWORD_COST)
    assert not summary.already_prepared and [n.code for n in summary.nodes] == ["ua", "ru", "med"]
    engines = {node.code: make_engine(node.database_url) for node in summary.nodes}
    ua, ru, med = engines["ua"], engines["ru"], engines["med"]
    try:
        # Each party holds its own two lists and nothing of the other's; it pinned the mediator only.
        own = {code: _persons(engines[code]) for code in ("ua", "ru")}
        for code, other in (("ua", "ru"), ("ru", "ua")):
            assert {party for party, _ in own[code]} == {code}
            assert {registry for _, registry in own[code]} == {"held", "sought"}
            with engines[code].connect() as conn:
                assert set(conn.execute(select(OrganisationRow.code)).scalars()) == {code, "med"}
            assert other not in {party for party, _ in own[code]}
        # The mediator holds what both disclosed (all of it here), as disclosed records, none of its own.
        disclosed = _persons(med)
        assert disclosed == {**own["ua"], **own["ru"]}
        assert _scalar(med, select(func.count()).select_from(DisclosedRecordRow)) == sum(disclosed.values())
        # The pairs the mediator confirmed are the records each seeking party now has as confirmed held.
        for code, engine in (("ua", ua), ("ru", ru)):
            confirmed_on_med = _scalar(
                med,
                select(func.count())
                .select_from(MatchCandidateRow)
                .join(OrganisationRow, OrganisationRow.id == MatchCandidateRow.sought_party_id)
                .where(OrganisationRow.code == code, MatchCandidateRow.status == "confirmed"),
            )
            confirmed_home = _scalar(
                engine,
                select(func.count())
                .select_from(PersonRow)
                .where(
                    PersonRow.registry_kind == Registry.SOUGHT.value,
                    PersonRow.status == Status.CONFIRMED_HELD.value,
                ),
            )
            assert confirmed_on_med > 0 and confirmed_home == confirmed_on_med
        # Packages: the mediator took 4 disclosures, 2 checkpoints and 2 cosignatures; each party a match
        # result, a checkpoint and a cosignature; every package sent was acknowledged.
        received = {
            code: _scalar(e, select(func.count()).select_from(PackageReceivedRow))
            for code, e in engines.items()
        }
        assert received == {"ua": 3, "ru": 3, "med": 8}
        for engine in engines.values():
            assert (
                _scalar(
                    engine,
                    select(func.count())
                    .select_from(PackageSentRow)
                    .where(PackageSentRow.state != "acknowledged"),
                )
                == 0
            )
        assert len(list((root / "packages").glob("*.hbp"))) == 14
        # Every node's checkpoint is cosigned: the parties' by the mediator, the mediator's by both parties.
        cosigned_by = {
            code: set(
                e.connect()
                .execute(select(NodeCheckpointRow.witness).where(NodeCheckpointRow.cosignature.is_not(None)))
                .scalars()
            )
            for code, e in engines.items()
        }
        assert cosigned_by == {"ua": {"med"}, "ru": {"med"}, "med": {"ua", "ru"}}
        assert _scalar(med, select(func.count()).select_from(WitnessedCheckpointRow)) == 2
        for node in summary.nodes:
            report = verify_log(UnitOfWorkFactory(engines[node.code], key_custody(Path(node.key_dir))))
            assert report.ok, report.failure
    finally:
        for engine in engines.values():
            engine.dispose()
    again = prepare_federation(root, persons=40, cost=TEST_PASSWORD_COST)
    assert again.already_prepared and again.nodes == summary.nodes


def test_each_node_server_gets_its_own_database_and_keys(tmp_path: Path) -> None:
    parent = Settings(
        database_url="sqlite:///single.sqlite3",
        key_dir=tmp_path / "single-keys",
        data_secret="not-for-nodes",
        inbox_url="http://single.example/inbox",
    )
    nodes = [
        DemoNode(code, "party", code, f"sqlite:///{code}.db", f"/keys/{code}", f"{code}-admin")
        for code in ("a", "b")
    ]
    servers = node_servers(nodes, parent, 9001)
    assert [s.port for s in servers] == [9001, 9002]
    for node, server in zip(nodes, servers, strict=True):
        settings = server.settings
        assert (settings.database_url, settings.key_dir, settings.port) == (
            node.database_url,
            Path(node.key_dir),
            server.port,
        )
        assert settings.data_secret is None and settings.inbox_url is None
    assert parent.port == 8000 and parent.database_url == "sqlite:///single.sqlite3"


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for start in range(18_600, 19_600, 10):
        try:
            for port in range(start, start + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return start
    raise RuntimeError("no free ports")


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test server
            return bytes(response.read())
    except OSError:
        return None


@pytest.mark.slow
def test_make_runs_federation_serves_every_node_and_stops_them(tmp_path: Path) -> None:
    base = _free_ports(3)
    env = {**os.environ, "HOMEBOUND_PASSWORD_TIME_COST": "1", "HOMEBOUND_PASSWORD_MEMORY_KIB": "8192",
           "HOMEBOUND_PASSWORD_PARALLELISM": "1"}  # fmt: skip
    command = [sys.executable, "-m", "homebound.cli.main", "federation-demo", "--dir", str(tmp_path / "demo"),
               "--persons", "20", "--base-port", str(base), "--serve"]  # fmt: skip
    parent = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline, answers = time.monotonic() + 120, {}
        while time.monotonic() < deadline and len(answers) < 3:
            for port in range(base, base + 3):
                body = _get(f"http://127.0.0.1:{port}/api/v1/public/checkpoints/witnessed")
                if body is not None:
                    answers[port] = json.loads(body)
            time.sleep(1)
        # Each node serves its own database: the parties show their log cosigned by med and med's cosigned
        # by them; the mediator shows its own cosigned by both and both parties' cosigned by itself.
        seen = {port: sorted((h["node"], h["witness"]) for h in heads) for port, heads in answers.items()}
        assert seen == {
            base: [("med", "ua"), ("ua", "med")],
            base + 1: [("med", "ru"), ("ru", "med")],
            base + 2: [("med", "ru"), ("med", "ua"), ("ru", "med"), ("ua", "med")],
        }
    finally:
        parent.send_signal(signal.SIGTERM)
        output = parent.communicate(timeout=30)[0].decode()
    assert f"http://127.0.0.1:{base + 2}/" in output and "sign in as med-admin" in output
    time.sleep(1)
    assert all(_get(f"http://127.0.0.1:{port}/api/v1/health") is None for port in range(base, base + 3))
