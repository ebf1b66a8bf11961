"""`homebound log` on a real SQLite file: publish and cosign a checkpoint, export what a party may see, verify
the export offline with a saved state, and name the first failure when the export is tampered with."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A demo database with one checkpoint cosigned by both parties."""
    path = tmp_path_factory.mktemp("cli-log") / "hb.sqlite3"
    env = {"HOMEBOUND_DATABASE_URL": f"sqlite:///{path}"}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["demo", "--persons", "40"], env=env).exit_code == 0
    published = runner.invoke(app, ["log", "checkpoint", "--user", "mediator"], env=env)
    assert published.exit_code == 0, published.output
    checkpoint_id = re.search(r"checkpoint (\S+):", published.output)
    assert checkpoint_id is not None
    for admin in ("ua-admin", "ru-admin"):
        cosigned = runner.invoke(app, ["log", "cosign", checkpoint_id.group(1), "--user", admin], env=env)
        assert cosigned.exit_code == 0, cosigned.output
    assert "final" in cosigned.output
    return env


def _export(env: dict[str, str], directory: Path, user: str = "ua-operator") -> Path:
    result = runner.invoke(app, ["log", "export", str(directory), "--user", user], env=env)
    assert result.exit_code == 0, result.output
    return directory


def test_a_party_verifies_its_export_offline(demo: dict[str, str], tmp_path: Path) -> None:
    export = _export(demo, tmp_path / "export")
    state = tmp_path / "state.json"
    # No database at all: the variable points nowhere usable, and the check must not need it.
    offline = {"HOMEBOUND_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = runner.invoke(app, ["log", "verify", str(export), "--state", str(state)], env=offline)
    assert result.exit_code == 0, result.output
    for line in ("entries", "signatures", "keys", "payloads", "checkpoints", "proofs", "final"):
        assert line in result.output
    assert json.loads(state.read_text())["tree_size"] > 0
    again = runner.invoke(app, ["log", "verify", str(export), "--state", str(state)], env=offline)
    assert again.exit_code == 0 and "continues the log verified last time" in again.output


def test_a_zipped_export_verifies_like_a_directory(demo: dict[str, str], tmp_path: Path) -> None:
    export = _export(demo, tmp_path / "export")
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", root_dir=export)
    zipped = runner.invoke(app, ["log", "verify", archive])
    assert zipped.exit_code == 0, zipped.output
    unzipped = runner.invoke(app, ["log", "verify", str(export)])
    verdict = re.compile(r"\bok: [1-9]\d* entries, head [0-9a-f]{64}\b")
    words = lambda output: " ".join(output.split())  # noqa: E731 - Rich wraps long lines: compare words
    assert len(verdict.findall(words(zipped.output))) == 1
    assert verdict.findall(words(zipped.output)) == verdict.findall(words(unzipped.output))


def test_a_party_export_carries_only_its_own_payloads(demo: dict[str, str], tmp_path: Path) -> None:
    ua = _export(demo, tmp_path / "ua")
    mediator = _export(demo, tmp_path / "mediator", user="mediator")
    ua_lines = (ua / "payloads.jsonl").read_bytes().splitlines()
    all_lines = (mediator / "payloads.jsonl").read_bytes().splitlines()
    assert 0 < len(ua_lines) < len(all_lines)
    assert (ua / "entries.log").read_bytes() == (mediator / "entries.log").read_bytes()
    ua_party = json.loads((ua / "manifest.json").read_text())["party"]
    entries = [
        json.loads(line.rsplit(b"\t", 1)[0]) for line in (ua / "entries.log").read_bytes().splitlines()
    ]
    by_seq = {entry["seq"]: entry for entry in entries}
    public = {"log:key:create", "log:key:retire", "log:checkpoint:publish", "log:checkpoint:cosign"}
    for line in ua_lines:
        entry = by_seq[json.loads(line)["seq"]]
        assert entry["tag"] in public or ua_party in (entry["party"], entry["signer"])


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        ("signature", "entry.bad_signature"),
        ("payload", "entry.commitment_mismatch"),
        ("truncate", "log.truncated"),
        ("cosignature", "checkpoint.bad_signature"),
        ("origin", "export.manifest_mismatch"),
    ],
)
def test_the_first_failure_is_named_with_its_kind(
    demo: dict[str, str], tmp_path: Path, tamper: str, kind: str
) -> None:
    export = _export(demo, tmp_path / "export")
    entries = (export / "entries.log").read_bytes().splitlines(keepends=True)
    if tamper == "signature":
        body, signature = entries[5].rsplit(b"\t", 1)
        entries[5] = body + b"\t" + (b"0" if signature[:1] != b"0" else b"1") + signature[1:]
        (export / "entries.log").write_bytes(b"".join(entries))
    elif tamper == "payload":
        lines = (export / "payloads.jsonl").read_text().splitlines()
        item = json.loads(lines[-1])
        item["payload"]["status"] = "released"
        lines[-1] = json.dumps(item)
        (export / "payloads.jsonl").write_text("\n".join(lines) + "\n")
    elif tamper == "truncate":
        (export / "entries.log").write_bytes(b"".join(entries[:-3]))
    elif tamper == "origin":  # the manifest passes the export off as another log's
        manifest = json.loads((export / "manifest.json").read_text())
        manifest["origin"] = "homebound.log/" + "0" * 32
        (export / "manifest.json").write_text(json.dumps(manifest))
    else:
        checkpoints = json.loads((export / "checkpoints.json").read_text())
        signature = checkpoints[0]["signatures"][-1]["signature"]
        checkpoints[0]["signatures"][-1]["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
        (export / "checkpoints.json").write_text(json.dumps(checkpoints))
    result = runner.invoke(app, ["log", "verify", str(export)])
    assert result.exit_code == 1
    assert f": {kind}:" in result.output


def test_an_older_export_after_a_newer_one_is_stale(demo: dict[str, str], tmp_path: Path) -> None:
    old = _export(demo, tmp_path / "old")
    shutil.copytree(old, tmp_path / "kept")
    published = runner.invoke(app, ["log", "checkpoint", "--user", "mediator"], env=demo)
    checkpoint_id = re.search(r"checkpoint (\S+):", published.output)
    assert checkpoint_id is not None
    for admin in ("ua-admin", "ru-admin"):
        runner.invoke(app, ["log", "cosign", checkpoint_id.group(1), "--user", admin], env=demo)
    new = _export(demo, tmp_path / "new")
    state = tmp_path / "state.json"
    assert runner.invoke(app, ["log", "verify", str(new), "--state", str(state)]).exit_code == 0
    stale = runner.invoke(app, ["log", "verify", str(tmp_path / "kept"), "--state", str(state)])
    assert stale.exit_code == 1 and "checkpoint.stale" in stale.output


def test_the_stored_log_still_verifies_with_and_without_db_flag(demo: dict[str, str]) -> None:
    for command in (["log", "verify"], ["log", "verify", "--db"]):
        result = runner.invoke(app, command, env=demo)
        assert result.exit_code == 0, result.output
        assert "checkpoints  " in result.output
    listed = runner.invoke(app, ["log", "keys", "list"], env=demo)
    assert listed.exit_code == 0 and listed.output.count("server") >= 5  # system + four organisations


def test_an_edited_origin_is_refused_even_without_checkpoints(demo: dict[str, str], tmp_path: Path) -> None:
    """No checkpoint names the origin to compare with: the log's first entry does."""
    export = _export(demo, tmp_path / "export")
    (export / "checkpoints.json").write_text("[]")
    (export / "proofs.json").write_text(json.dumps({"consistency": [], "inclusion": []}))
    assert runner.invoke(app, ["log", "verify", str(export)]).exit_code == 0
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["origin"] = "homebound.log/another-log"
    (export / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(app, ["log", "verify", str(export)])
    assert result.exit_code == 1
    assert ": export.manifest_mismatch:" in result.output and "origin" in result.output
