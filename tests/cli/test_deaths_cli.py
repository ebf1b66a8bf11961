"""`homebound deaths ...` and `homebound remains ...` on a real SQLite demo database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from homebound.cli.main import app

runner = CliRunner()


def _first(database: Path, party: str, registry: str) -> str:
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT p.id FROM person p JOIN organisation o ON o.id = p.party_id WHERE o.code = ? "
            "AND p.registry = ? AND p.status IN ('held', 'missing') AND p.category != 'remains' "
            "ORDER BY p.source_id LIMIT 1",
            (party, registry),
        ).fetchone()
    return str(row[0])


def test_deaths_and_remains_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{database}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["demo", "--persons", "20"], env=env).exit_code == 0
    held = _first(database, "ru", "held")
    body = tmp_path / "death.json"
    body.write_text(json.dumps({"date_of_death": "2024-01-02", "cause_unclear": True, "burial_place": "Н."}))
    recorded = runner.invoke(app, ["deaths", "record", held, str(body), "-u", "ru-operator"], env=env)
    assert recorded.exit_code == 0, recorded.output
    assert "still owed: inquiry, notice" in recorded.output
    shown = runner.invoke(app, ["deaths", "show", held, "-u", "ru-operator"], env=env)
    assert "burial_place: Н." in shown.output
    foreign = runner.invoke(app, ["deaths", "show", held, "-u", "ua-operator"], env=env)
    assert foreign.exit_code == 2 and "not_found" in foreign.output
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT status FROM person WHERE id = ?", (held,)).fetchone()[0] == "deceased"

    sought = _first(database, "ua", "sought")
    added = runner.invoke(app, ["remains", "add", "bag-1", "-u", "ua-operator", "--batch", "b-1"], env=env)
    assert added.exit_code == 0, added.output
    mixed = ["remains", "add", "bag-2", "-u", "ua-operator", "--batch", "b-1", "--mixed-with", "bag-1"]
    assert runner.invoke(app, mixed, env=env).exit_code == 0
    remains_id = added.output.strip()
    identify = ["remains", "identify", remains_id, "identified", "-u", "ua-operator", "--on", "2024-05-01"]
    done = runner.invoke(app, [*identify, "--sought", sought], env=env)
    assert done.exit_code == 0 and "bag-1: identified" in done.output, done.output
    listed = runner.invoke(app, ["remains", "list", "-u", "ua-operator"], env=env)
    assert "bag-2" in listed.output and "identified" in listed.output
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT status FROM person WHERE id = ?", (sought,)).fetchone()[0] == "deceased"
