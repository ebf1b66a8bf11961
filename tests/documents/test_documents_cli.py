"""`homebound documents KIND` on a SQLite file: every kind to a PDF read back, and the refusals (unknown
record, another organisation's record, a document that does not apply) as exit code 2 without a file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from tests.documents.support import Printed, family_name, pdf_pages, pdf_text, printed_handover, record_number
from tests.keys import key_custody_of_tests
from tests.world import build_world

runner = CliRunner()


@dataclass
class Node:
    env: dict[str, str]
    uows: UnitOfWorkFactory
    printed: Printed


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    database = tmp_path_factory.mktemp("cli") / "hb.sqlite3"
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, key_custody_of_tests())
    printed = printed_handover(uows, build_world(uows))
    yield Node({"HOMEBOUND_DATABASE_URL": url}, uows, printed)
    engine.dispose()


def _print(node: Node, tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    output = tmp_path / "out.pdf"
    result = runner.invoke(app, ["documents", *args, "--output", str(output)], env=node.env)
    return result.exit_code, result.output, output


def test_the_kinds_are_the_names_scripts_use() -> None:
    result = runner.invoke(app, ["documents", "--help"])
    assert result.exit_code == 0
    for kind in ("handover-act", "list", "capture-card", "death-certificate", "repatriation-certificate"):
        assert kind in result.output


def test_a_handover_act_and_the_lists(node: Node, tmp_path: Path) -> None:
    p = node.printed
    code, output, pdf = _print(
        node, tmp_path, "handover-act", "--user", "mediator", "--agreement", p.agreement_id, "--tranche", "1"
    )
    assert code == 0, output
    digest = output.split("content hash (SHA-256, in the QR code): ")[1].split()[0]
    text = pdf_text(pdf)
    assert digest in text.replace("\n", "").replace(" ", "")
    assert "Акт передачі" in text and "Акт передачи" in text
    assert pdf_pages(pdf) >= 1
    code, output, pdf = _print(
        node, tmp_path, "list", "-u", "a_admin", "--agreement", p.agreement_id, "--languages", "uk,ru,en"
    )
    assert code == 0, output
    text = pdf_text(pdf)
    assert "Lists for party Party A" in text and "Списки для сторони Party A" in text
    code, output, _ = _print(node, tmp_path, "handover-act", "-u", "mediator", "--agreement", p.agreement_id)
    assert code == 2 and "--tranche" in output


def test_person_documents_by_the_party_s_own_record_number(node: Node, tmp_path: Path) -> None:
    p = node.printed
    number = record_number(node.uows, p.list_a[5])
    code, output, pdf = _print(node, tmp_path, "capture-card", "-u", "a_operator", "--record", number)
    assert code == 0, output
    assert family_name(node.uows, p.list_a[5]) in pdf_text(pdf) and pdf_pages(pdf) == 1
    dead = record_number(node.uows, p.deceased)
    code, output, pdf = _print(node, tmp_path, "death-certificate", "-u", "a_admin", "--record", dead)
    assert code == 0, output
    assert "Повідомлення про смерть" in pdf_text(pdf) and "last_moments_account" in output
    home = record_number(node.uows, p.list_b[3])
    code, output, pdf = _print(
        node, tmp_path, "repatriation-certificate", "-u", "b_operator", "--record", home
    )
    assert code == 0, output
    assert "Свидетельство о репатриации" in pdf_text(pdf)


@pytest.mark.parametrize(
    ("kind", "user", "which", "message"),
    [
        ("capture-card", "a_operator", "unknown", "not_found"),
        ("capture-card", "b_operator", "deceased", "not_found"),  # A's record, never shared with B
        ("death-certificate", "b_admin", "deceased", "not_found"),
        ("death-certificate", "a_admin", "living", "document.not_deceased"),
        ("repatriation-certificate", "a_operator", "refused", "document.not_repatriated"),
    ],
)
def test_refusals_write_no_file(
    node: Node, tmp_path: Path, kind: str, user: str, which: str, message: str
) -> None:
    p = node.printed
    numbers = {
        "unknown": "NO-SUCH-RECORD",
        "deceased": record_number(node.uows, p.deceased),
        "living": record_number(node.uows, p.list_a[5]),
        "refused": record_number(node.uows, p.refused),
    }
    code, output, pdf = _print(node, tmp_path, kind, "-u", user, "--record", numbers[which])
    assert code == 2 and message in output and not pdf.exists()
    assert numbers[which] not in output  # the error names no record (no existence oracle, no data in logs)
