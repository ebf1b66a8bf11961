"""The offline crossing by command line, as scripts use it: a manifest installed, lines recorded from a file
on the crossing node, the act sent to both parties, countersigned back, the tranche closed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.core.packages.acts import CrossingManifest, ManifestEntry, PersonRef
from tests.federation_support import PASSWORD

runner = CliRunner()
CONTENT = "d" * 64


def _env(tmp_path: Path, code: str) -> dict[str, str]:
    return {
        "HOMEBOUND_DATABASE_URL": f"sqlite:///{tmp_path}/{code}.sqlite3",
        "HOMEBOUND_KEY_DIR": str(tmp_path / f"{code}-keys"),
        "HOMEBOUND_INITIAL_PASSWORD": PASSWORD,
    }


def _run(env: dict[str, str], *args: str, typed: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=typed)
    return result.exit_code, result.output


def test_a_tranche_recorded_sent_countersigned_and_closed_by_file(tmp_path: Path) -> None:
    nodes = {code: _env(tmp_path, code) for code in ("ua", "ru", "med-x1")}
    for code, kind in (("ua", "party"), ("ru", "party"), ("med-x1", "mediator")):
        assert _run(nodes[code], "node", "init", "--org", code, "--kind", kind, "--name", code)[0] == 0
    cards = {}
    for code, env in nodes.items():
        cards[code] = tmp_path / f"{code}.card"
        assert _run(env, "node", "card", "--output", str(cards[code]))[0] == 0
    for party in ("ua", "ru"):
        assert _run(nodes[party], "node", "trust", str(cards["med-x1"]))[0] == 0
        assert _run(nodes["med-x1"], "node", "trust", str(cards[party]))[0] == 0
    entries = tuple(ManifestEntry(n, PersonRef("ua" if n <= 2 else "ru", f"R-{n}")) for n in (1, 2, 3, 4))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(CrossingManifest("ag", CONTENT, "ua", "ru", "med", {1: entries}).to_json())
    )
    for env in nodes.values():
        assert _run(env, "crossing", "install", str(manifest))[0] == 0
    x1 = nodes["med-x1"]
    where = ("--agreement-hash", CONTENT, "--tranche", "1")

    lines = tmp_path / "bus-1.csv"
    lines.write_text("line_no,outcome,crossed_at,substitute,note,device\n"
                     "1,delivered,2023-01-08T14:00:00Z,,,tablet-1\n2,escaped,,,,tablet-1\n")  # fmt: skip
    code, shown = _run(x1, "crossing", "record", str(lines), *where, "--user", "admin")
    assert code == 2 and "line 3" in shown  # an outcome that does not exist: nothing recorded
    lines.write_text("line_no,outcome,crossed_at,substitute,note,device\n"
                     "1,delivered,2023-01-08T14:00:00Z,,,tablet-1\n"
                     "2,substituted,2023-01-08T14:01:00Z,R-9,,tablet-1\n"
                     "3,refused,,,stays with the detaining power,tablet-2\n"
                     "4,not_delivered,,,in hospital,tablet-2\n")  # fmt: skip
    code, shown = _run(x1, "crossing", "record", str(lines), *where, "--user", "admin")
    assert code == 0 and "recorded 4 line(s)" in shown, shown
    code, shown = _run(x1, "crossing", "act", *where, "--user", "admin")
    assert code == 0 and "(complete): 4 line(s)" in shown, shown
    match = re.search(r"act ([0-9a-f]{64})", shown)
    assert match is not None
    act = match.group(1)

    package = tmp_path / "act.hbp"
    code, shown = _run(x1, "package", "send", "--to", "ua", "--to", "ru", "--kind", "handover-act",
                       "--act", act, "--user", "admin", "--output", str(package))  # fmt: skip
    assert code == 0, shown
    for party in ("ua", "ru"):
        code, shown = _run(nodes[party], "package", "receive", str(package), "--user", "admin")
        assert code == 0 and "(complete)" in shown, shown
        signed = tmp_path / f"{party}-countersignature.hbp"
        send = ("package", "send", "--to", "med-x1", "--kind", "countersignature", "--act", act,
                "--user", "admin", "--output", str(signed))  # fmt: skip
        code, shown = _run(nodes[party], *send, typed="not the password\n\n")
        assert code == 2 and "act.reauthentication_failed" in shown and not signed.exists(), shown
        code, shown = _run(nodes[party], *send, typed=f"{PASSWORD}\n\n")
        assert code == 0, shown
        code, shown = _run(x1, "package", "receive", str(signed), "--user", "admin")
        assert code == 0 and ("is closed" in shown) is (party == "ru"), shown
    code, shown = _run(x1, "crossing", "status", *where)
    assert code == 0 and f"closed by act {act}" in shown and "countersigned by ru, ua" in shown
