"""The federation commands by file between two nodes, as scripts use them: names, outputs, exit codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.core.packages.errors import EXIT_CODES, Refusal
from tests.federation_support import HELD_CSV, PASSWORD

runner = CliRunner()


def _env(tmp_path: Path, code: str) -> dict[str, str]:
    return {
        "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path}/{code}.sqlite3",
        "HOMEBOUND_KEY_DIR": str(tmp_path / f"{code}-keys"),
        "HOMEBOUND_INITIAL_PASSWORD": PASSWORD,
    }


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_two_nodes_exchange_a_disclosure_by_file(tmp_path: Path) -> None:
    ua, med = _env(tmp_path, "ua"), _env(tmp_path, "med")
    assert _run(ua, "node", "init", "--org", "ua", "--kind", "party", "--name", "NIB")[0] == 0
    code, shown = _run(med, "node", "init", "--org", "med", "--kind", "mediator", "--name", "Ombudsman")
    assert code == 0 and "fingerprint" in shown
    for env, peer in ((ua, med), (med, ua)):
        card = tmp_path / f"{peer['HOMEBOUND_KEY_DIR']}.card"
        assert _run(peer, "node", "card", "--output", str(card))[0] == 0
        code, shown = _run(env, "node", "trust", str(card))
        assert code == 0 and "pinned" in shown
    held = tmp_path / "held.csv"
    held.write_bytes(HELD_CSV)
    assert _run(ua, "import", str(held), "--registry", "held", "--user", "admin")[0] == 0
    ids = tmp_path / "ids.txt"
    ids.write_text("# chosen for this round\nUA-H-1\n\nUA-H-2\n", encoding="utf-8")
    package = tmp_path / "to-med.hbp"
    code, shown = _run(ua, "package", "send", "--to", "med", "--kind", "disclosure", "--user", "admin",
                       "--registry", "held", "--records", str(ids), "--output", str(package))  # fmt: skip
    assert code == 0, shown
    ua_card = tmp_path / "ua-card.json"
    _run(ua, "node", "card", "--output", str(ua_card))
    code, shown = _run({}, "package", "verify", str(package), "--card", str(ua_card))  # a relay: no database
    assert code == 0 and "med #1" in shown and "Коваленко" not in shown
    receipt = tmp_path / "receipt.json"
    code, shown = _run(med, "package", "receive", str(package), "--user", "admin", "--receipt", str(receipt))
    assert code == 0 and "2 new" in shown
    code, shown = _run(ua, "package", "ack", str(receipt))
    assert code == 0 and "#1 acknowledged" in shown
    assert "acknowledged before" in _run(ua, "package", "ack", str(receipt))[1]
    forged = receipt.read_bytes().replace(b'"seq":1', b'"seq":2')
    receipt.write_bytes(forged)
    assert _run(ua, "package", "ack", str(receipt))[0] == EXIT_CODES[Refusal.BAD_SIGNATURE]
    code, shown = _run(med, "package", "receive", str(package), "--user", "admin")
    assert code == EXIT_CODES[Refusal.REPLAY] and Refusal.REPLAY.value in shown
    damaged = tmp_path / "damaged.hbp"
    damaged.write_bytes(package.read_bytes()[:-10])
    assert _run(med, "package", "verify", str(damaged))[0] == EXIT_CODES[Refusal.TRUNCATED]


def test_a_disclosure_names_its_records_and_a_missing_one_writes_nothing(tmp_path: Path) -> None:
    ua = _env(tmp_path, "ua")
    assert _run(ua, "node", "init", "--org", "ua", "--kind", "party", "--name", "NIB")[0] == 0
    out = tmp_path / "p.hbp"
    code, shown = _run(ua, "package", "send", "--to", "med", "--kind", "disclosure", "--user", "admin",
                       "--registry", "held", "--all", "--output", str(out))  # fmt: skip
    assert code == 2 and "no pinned peer med" in shown and not out.exists()


def test_the_federation_commands_explain_themselves() -> None:
    for command in (["node"], ["node", "init"], ["node", "trust"], ["package"], ["package", "send"],
                    ["package", "receive"], ["package", "verify"]):  # fmt: skip
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_a_checkpoint_is_witnessed_by_file(tmp_path: Path) -> None:
    ua, med = _env(tmp_path, "ua"), _env(tmp_path, "med")
    assert _run(ua, "node", "init", "--org", "ua", "--kind", "party", "--name", "NIB")[0] == 0
    assert _run(med, "node", "init", "--org", "med", "--kind", "mediator", "--name", "Ombudsman")[0] == 0
    for env, peer in ((ua, med), (med, ua)):
        card = tmp_path / f"{peer['HOMEBOUND_KEY_DIR']}.card"
        _run(peer, "node", "card", "--output", str(card))
        _run(env, "node", "trust", str(card))
    checkpoint = tmp_path / "cp.hbp"
    code, shown = _run(ua, "package", "send", "--to", "med", "--kind", "checkpoint", "--user", "admin",
                       "--output", str(checkpoint))  # fmt: skip
    assert code == 0 and "checkpoint" in shown, shown
    code, shown = _run(med, "package", "receive", str(checkpoint), "--user", "admin")
    answer = tmp_path / "cp-reply.hbp"  # written beside the checkpoint
    assert code == 0 and "cosigned ua's checkpoint" in shown and answer.exists(), shown
    code, shown = _run(ua, "package", "receive", str(answer), "--user", "admin")
    assert code == 0 and "med cosigned this node's checkpoint" in shown, shown
    code, shown = _run(med, "package", "receive", str(checkpoint), "--user", "admin")
    assert code == EXIT_CODES[Refusal.REPLAY]
    code, shown = _run(ua, "package", "send", "--to", "med", "--to", "ru", "--kind", "checkpoint", "--user",
                       "admin", "--output", str(tmp_path / "two.hbp"))  # fmt: skip
    assert code == 2 and "one witness" in shown
