"""`homebound package push` against a real server on a port (uvicorn serving the mediator's node), and
`homebound package verify-agreement` offline on the files a party holds."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.config import Settings
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.errors import EXIT_CODES, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.services import agreements
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package
from homebound.web.app import create_app
from tests.federation.agreement_scene import negotiate, version_sent
from tests.federation.test_agreement_by_package import by_file, three_nodes
from tests.federation_support import HELD_CSV, PASSWORD, NodeFactory

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(settings: Settings, port: int) -> Iterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, " ".join(result.output.split())  # the console wraps long lines


def test_push_delivers_the_outbox_to_a_real_inbox(tmp_path: Path) -> None:
    port = _free_port()
    inbox = f"http://127.0.0.1:{port}/api/v1/federation/inbox"
    env = {
        code: {
            "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path}/{code}.sqlite3",
            "HOMEBOUND_KEY_DIR": str(tmp_path / f"{code}-keys"),
            "HOMEBOUND_INITIAL_PASSWORD": PASSWORD,
        }
        for code in ("ua", "med")
    }
    env["med"]["HOMEBOUND_INBOX_URL"] = inbox
    assert _run(env["ua"], "node", "init", "--org", "ua", "--kind", "party", "--name", "NIB")[0] == 0
    assert (
        _run(env["med"], "node", "init", "--org", "med", "--kind", "mediator", "--name", "Ombudsman")[0] == 0
    )
    for here, peer in (("ua", "med"), ("med", "ua")):
        card = tmp_path / f"{peer}.card"
        assert _run(env[peer], "node", "card", "--output", str(card))[0] == 0
        assert _run(env[here], "node", "trust", str(card))[0] == 0
    held = tmp_path / "held.csv"
    held.write_bytes(HELD_CSV)
    assert _run(env["ua"], "import", str(held), "--registry", "held", "--user", "admin")[0] == 0
    package = tmp_path / "to-med.hbp"
    code, shown = _run(env["ua"], "package", "send", "--to", "med", "--kind", "disclosure", "--user", "admin",
                       "--registry", "held", "--all", "--output", str(package))  # fmt: skip
    assert code == 0, shown

    code, shown = _run(env["ua"], "package", "push", "--once")  # the mediator's server is not up yet
    assert code == 0 and "not yet (network: URLError)" in shown and "next attempt" in shown

    med_settings = Settings(database_url=env["med"]["HOMEBOUND_DATABASE_URL"], key_dir=tmp_path / "med-keys")
    with _serving(med_settings, port):
        # Not due yet: the back-off holds until its time, then the push goes through.
        code, shown = _run(env["ua"], "package", "push", "--once")
        assert code == 0 and "acknowledged" not in shown
        with sqlite3.connect(tmp_path / "ua.sqlite3") as db:
            db.execute("UPDATE package_sent SET next_attempt_at = NULL")
        code, shown = _run(env["ua"], "package", "push", "--once")
        assert code == 0 and "to med #1: acknowledged" in shown and "nothing left to push" in shown
    # The mediator took it in exactly as `package receive` would: a second receive is a replay.
    code, _ = _run(env["med"], "package", "receive", str(package), "--user", "admin")
    assert code == EXIT_CODES[Refusal.REPLAY]


def test_verify_agreement_checks_the_files_offline(sqlite_nodes: NodeFactory, tmp_path: Path) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    done = negotiate(ua, ru, med, by_file)
    cards = []
    for node in (ua, ru, med):
        path = tmp_path / f"{node.code}.card"
        path.write_bytes(node.card())
        cards += ["--card", str(path)]
    env = {
        "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path / 'ru'}.sqlite3",
        "HOMEBOUND_KEY_DIR": str(ru.key_dir),
    }
    code, shown = _run(
        env, "package", "evidence", "--agreement", done.agreement_id, "--output", str(tmp_path)
    )
    assert code == 0, shown  # as party B's node holds them
    version, conclusion = tmp_path / "version.json", tmp_path / "conclusion.json"
    assert json.loads(version.read_bytes()) == done.version_document
    code, shown = _run({}, "package", "verify-agreement", str(version), str(conclusion), *cards)
    assert code == 0 and "all three signatures verified" in shown and "accepted by ua" in shown
    altered = dict(done.version_document, venue="elsewhere")
    altered["participants"] = dict(altered["participants"], venue="elsewhere")
    version.write_text(json.dumps(altered), encoding="utf-8")
    code, shown = _run({}, "package", "verify-agreement", str(version), str(conclusion), *cards)
    assert code == EXIT_CODES[Refusal.INVALID_CONTENT] and "SHA-256 differs" in shown


def test_the_agreement_kinds_from_the_command_line(sqlite_nodes: NodeFactory, tmp_path: Path) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    env = {
        node.code: {
            "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path / node.code}.sqlite3",
            "HOMEBOUND_KEY_DIR": str(node.key_dir),
        }
        for node in (ua, ru, med)
    }
    again = tmp_path / "v1-ua.hbp"
    code, shown = _run(env["med"], "package", "send", "--to", "ua", "--kind", "version",
                       "--agreement", agreement_id, "--number", "1", "--user", "med-admin",
                       "--output", str(again))  # fmt: skip
    assert code == 0, shown
    code, shown = _run(env["ua"], "package", "receive", str(again), "--user", "ua-admin")
    assert code == 0 and "received before: unchanged" in shown
    for party in (ua, ru):
        signed = tmp_path / f"accept-{party.code}.hbp"
        args = ["package", "send", "--to", "med", "--kind", "acceptance", "--agreement", agreement_id,
                "--number", "1", "--user", f"{party.code}-admin", "--output", str(signed)]  # fmt: skip
        wrong = runner.invoke(app, args, env=env[party.code], input="not the password\n")
        assert wrong.exit_code == 2 and "reauthentication_failed" in " ".join(wrong.output.split())
        assert not signed.exists()
        right = runner.invoke(app, args, env=env[party.code], input=f"{PASSWORD}\n")
        assert right.exit_code == 0, right.output
        code, shown = _run(env["med"], "package", "receive", str(signed), "--user", "med-admin")
        assert code == 0 and f"{party.code} accepted version 1" in shown
    agreements.conclude(med.uows, med.actor(), agreement_id)
    concluded = tmp_path / "concluded.hbp"
    code, shown = _run(env["med"], "package", "send", "--to", "ua", "--to", "ru", "--kind",
                       "conclusion", "--agreement", agreement_id, "--user", "med-admin",
                       "--output", str(concluded))  # fmt: skip
    assert code == 0, shown
    for party in (ua, ru):
        code, shown = _run(
            env[party.code], "package", "receive", str(concluded), "--user", f"{party.code}-admin"
        )
        assert code == 0 and "three signatures checked" in shown


def test_void_frees_the_number_of_a_package_refused_by_file(
    sqlite_nodes: NodeFactory, tmp_path: Path
) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    ua.imports(Registry.HELD, HELD_CSV)
    env = {
        "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path / 'ua'}.sqlite3",
        "HOMEBOUND_KEY_DIR": str(ua.key_dir),
    }
    payload = disclosure_payload(ua.uows, ua.actor(), Registry.HELD)
    first = send_package(ua.uows, ua.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload)
    code, shown = _run(env, "package", "void", first.name, "--to", "med")
    assert code == 0 and "takes its number" in shown
    assert _run(env, "package", "void", first.name, "--to", "med")[0] == 2  # no longer pending
    second = send_package(ua.uows, ua.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload)
    assert second.recipients[0].seq == 1
    assert receive_package(med.uows, med.actor(), second.data).seq == 1  # the mediator's sequence goes on
