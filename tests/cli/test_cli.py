"""The `homebound` command on a real SQLite file: help, migrations, demo, import/export, tokens, log
verify.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path}/hb.sqlite3"}


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["demo"],
        ["import"],
        ["export"],
        ["users"],
        ["users", "create"],
        ["users", "token"],
        ["log"],
        ["log", "verify"],
    ],
)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_demo_import_export_and_verify(env: dict[str, str], tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    demo = runner.invoke(app, ["demo", "--persons", "60"], env=env)
    assert demo.exit_code == 0, demo.output
    assert "ua-operator" in demo.output and "mediator" in demo.output
    again = runner.invoke(app, ["demo", "--persons", "60"], env=env)
    assert "already loaded" in again.output

    exported = tmp_path / "held.csv"
    result = runner.invoke(
        app, ["export", "--registry", "held", "--user", "ua-operator", "-o", str(exported)], env=env
    )
    assert result.exit_code == 0, result.output
    reimport = runner.invoke(
        app, ["import", str(exported), "--registry", "held", "--user", "ua-operator"], env=env
    )
    assert reimport.exit_code == 0, reimport.output
    assert "0 new, 0 updated, 60 unchanged" in reimport.output

    bad = tmp_path / "bad.csv"
    # A date that is no date is kept as written when alone; beside an unknown sex it is refused with it.
    bad_row = "X-1,Шевченко,не знаю,31.02.1990"
    bad.write_text(f"record_id,family_name,sex,date_of_birth\n{bad_row}\n", encoding="utf-8")
    refused = runner.invoke(app, ["import", str(bad), "--registry", "held", "--user", "ua-operator"], env=env)
    assert refused.exit_code == 2
    assert "row 2" in refused.output and "date_of_birth" in refused.output and "sex" in refused.output
    assert "Шевченко" not in refused.output

    verified = runner.invoke(app, ["log", "verify"], env=env)
    assert verified.exit_code == 0, verified.output
    with sqlite3.connect(tmp_path / "hb.sqlite3") as db:
        entries = db.execute("SELECT count(*) FROM log_entry").fetchone()[0]
        head = db.execute("SELECT entry_hash FROM log_entry ORDER BY seq DESC LIMIT 1").fetchone()[0]
    # Rich wraps the long line at the terminal's width: compare words, not lines.
    assert f"ok: {entries} entries, head {head}" in " ".join(verified.output.split())


def test_log_verify_names_the_first_tampered_entry(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"], env=env)
    runner.invoke(app, ["demo", "--persons", "30"], env=env)
    with sqlite3.connect(tmp_path / "hb.sqlite3") as db:
        db.execute("UPDATE log_entry SET tag = 'registry:person:delete' WHERE seq = 12")
    result = runner.invoke(app, ["log", "verify"], env=env)
    assert result.exit_code == 1
    assert "entry 12" in result.output and "hash_mismatch" in result.output


def test_token_for_unknown_user_is_a_clear_error(env: dict[str, str]) -> None:
    runner.invoke(app, ["db", "upgrade"], env=env)
    result = runner.invoke(app, ["users", "token", "nobody"], env=env)
    assert result.exit_code == 2
    assert "not_found" in result.output


def test_expired_idempotency_answers_are_pruned_by_the_command(env: dict[str, str]) -> None:
    import datetime as dt

    from sqlalchemy import func, insert, select

    from homebound.db.engine import make_engine
    from homebound.db.tables import IdempotencyRow

    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    engine = make_engine(env["HOMEBOUND_DATABASE_URL"])
    rows = [("expired", now - dt.timedelta(hours=25)), ("fresh", now - dt.timedelta(hours=23))]
    with engine.begin() as connection:
        for key, created in rows:
            values = {
                "request_hash": "0" * 64,
                "status_code": 201,
                "response_body": "{}",
                "created_at": created,
            }
            connection.execute(insert(IdempotencyRow).values(actor_id="u1", key=key, **values))
    result = runner.invoke(app, ["db", "prune-idempotency"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 expired idempotency answers removed" in result.output
    with engine.connect() as connection:
        assert connection.execute(select(IdempotencyRow.key)).scalars().all() == ["fresh"]
        assert connection.execute(select(func.count()).select_from(IdempotencyRow)).scalar_one() == 1
    engine.dispose()
