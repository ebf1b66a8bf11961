"""`homebound exchange ...` on a real SQLite demo: open, propose from a JSON file, accept with the password
prompt, conclude, record the crossing, close, and read the public ledger with the reported exchanges."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.services.demo import DEMO_PASSWORD

runner = CliRunner()
COMMANDS = [
    "open",
    "list",
    "versions",
    "propose",
    "compose",
    "amend",
    "share",
    "accept",
    "conclude",
    "identities",
    "tranches",
    "lines",
    "remains",
    "close",
    "notify",
    "ledger",
    "publish",
    "seed-reported",
]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_every_exchange_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, ["exchange", *command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def _held(database: Path, party: str, count: int) -> list[str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT p.id FROM person p JOIN organisation o ON o.id = p.party_id WHERE o.code = ? "
            "AND p.registry = 'held' AND p.status IN ('held', 'hospitalised') AND p.category != 'remains' "
            "ORDER BY p.source_id LIMIT ?",
            (party, count),
        ).fetchall()
    return [row[0] for row in rows]


def test_an_exchange_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "hb.sqlite3"
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{database}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["demo", "--persons", "40"], env=env).exit_code == 0
    ledger = runner.invoke(app, ["exchange", "ledger"], env=env)
    assert ledger.exit_code == 0 and "157 for 157" in ledger.output and "reported" in ledger.output

    opened = runner.invoke(
        app,
        [
            "exchange",
            "open",
            "-u",
            "mediator",
            "--title",
            "cli swap",
            "--party-a",
            "ua",
            "--party-b",
            "ru",
            "--venue",
            "a crossing",
        ],
        env=env,
    )
    assert opened.exit_code == 0, opened.output
    match = re.search(r"agreement (\S+) opened", opened.output)
    assert match is not None
    agreement = match.group(1)
    list_a, list_b = _held(database, "ua", 2), _held(database, "ru", 2)
    proposal = tmp_path / "proposal.json"
    proposal.write_text(
        json.dumps(
            {
                "terms": {"reference_date": "2025-01-01", "formulas": [{"kind": "n_for_n"}]},
                "list_a": [{"candidate_id": p} for p in list_a],
                "list_b": [{"candidate_id": p} for p in list_b],
                "share": True,
            }
        )
    )
    proposed = runner.invoke(
        app, ["exchange", "propose", agreement, str(proposal), "-u", "mediator"], env=env
    )
    assert proposed.exit_code == 0 and "version 1" in proposed.output, proposed.output
    early = runner.invoke(app, ["exchange", "conclude", agreement, "-u", "mediator"], env=env)
    assert early.exit_code == 2 and "agreement.missing_acceptance" in early.output
    for admin in ("ua-admin", "ru-admin"):
        accepted = runner.invoke(
            app, ["exchange", "accept", agreement, "1", "-u", admin], env=env, input=f"{DEMO_PASSWORD}\n\n"
        )
        assert accepted.exit_code == 0, accepted.output
    concluded = runner.invoke(app, ["exchange", "conclude", agreement, "-u", "mediator"], env=env)
    assert concluded.exit_code == 0 and "SHA-256" in concluded.output, concluded.output

    actions = tmp_path / "lines.json"
    actions.write_text(
        json.dumps({"actions": [{"action": "deliver", "candidate_id": p} for p in list_a + list_b]})
    )
    delivered = runner.invoke(
        app, ["exchange", "lines", agreement, "1", str(actions), "-u", "mediator"], env=env
    )
    assert delivered.exit_code == 0 and "delivered 4" in delivered.output, delivered.output
    close = ["exchange", "close", agreement, "1", "-u", "mediator"]
    refused = runner.invoke(app, close, env=env, input="not the password\n\n")
    assert refused.exit_code == 2 and "handover.reauthentication_failed" in refused.output, refused.output
    closed = runner.invoke(app, close, env=env, input=f"{DEMO_PASSWORD}\n\n")
    assert closed.exit_code == 0 and "reconciled" in closed.output, closed.output
    again = runner.invoke(app, ["exchange", "lines", agreement, "1", str(actions), "-u", "mediator"], env=env)
    assert again.exit_code == 2 and "handover.tranche_closed" in again.output
    unpublished = runner.invoke(app, ["exchange", "ledger"], env=env)
    assert "recorded" not in unpublished.output
    published = runner.invoke(
        app, ["exchange", "publish", agreement, "--label", "a small swap", "-u", "mediator"], env=env
    )
    assert published.exit_code == 0 and "1 day(s) of crossing" in published.output, published.output
    ledger = runner.invoke(app, ["exchange", "ledger"], env=env)
    assert "a small swap" in ledger.output and "recorded" in ledger.output
    assert "cli swap" not in ledger.output  # the internal title stays internal
    assert runner.invoke(app, ["log", "verify", "--db"], env=env).exit_code == 0
