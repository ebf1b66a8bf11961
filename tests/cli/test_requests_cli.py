"""`homebound requests ...` on a real SQLite demo: a party tables a CSV request list by its own record ids,
the mediator reads them, refuses one with a reason, and the party lists them by status."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["table"], ["list"], ["link"], ["refuse"], ["listing"], ["returned"]]
)
def test_every_requests_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, ["requests", *command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def _sought(database: Path, party: str, count: int) -> list[str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT p.source_id FROM person p JOIN organisation o ON o.id = p.party_id WHERE o.code = ? "
            "AND p.registry = 'sought' ORDER BY p.source_id LIMIT ?",
            (party, count),
        ).fetchall()
    return [row[0] for row in rows]


def test_requests_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "hb.sqlite3"
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "250"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["demo", "--persons", "40"], env=env).exit_code == 0
    first, second = _sought(database, "ua", 2)
    records = tmp_path / "requests.csv"
    records.write_text(f"record_id,priority,reason\n{first},1,wounded\n{second},,\n", encoding="utf-8")
    tabled = runner.invoke(
        app,
        ["requests", "table", "--user", "ua-operator", "--records", str(records), "--mediator", "med"],
        env=env,
    )
    assert tabled.exit_code == 0, tabled.output
    assert "2 request(s) tabled" in tabled.output
    incoming = runner.invoke(app, ["requests", "list", "--user", "mediator"], env=env)
    assert incoming.exit_code == 0 and incoming.output.count("received") == 2, incoming.output
    request_id = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", incoming.output)[
        0
    ]

    no_reason = runner.invoke(
        app, ["requests", "refuse", request_id, "-u", "mediator", "--reason", " "], env=env
    )
    assert no_reason.exit_code == 2 and "request.reason_required" in no_reason.output
    refused = runner.invoke(
        app, ["requests", "refuse", request_id, "-u", "mediator", "--reason", "under investigation"], env=env
    )
    assert refused.exit_code == 0, refused.output
    mine = runner.invoke(app, ["requests", "list", "-u", "ua-operator", "--status", "refused"], env=env)
    assert mine.exit_code == 0 and "refused: under investigation" in mine.output, mine.output
    assert "1 request(s)" in mine.output

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("record_id\nno-such-record\n", encoding="utf-8")
    failed = runner.invoke(
        app, ["requests", "table", "-u", "ua-operator", "--records", str(unknown)], env=env
    )
    assert failed.exit_code == 2 and "no such record in the sought registry" in failed.output
