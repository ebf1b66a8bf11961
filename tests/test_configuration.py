"""Settings are the one source of configuration: the README's table is theirs, and nothing else in the
package reads the environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tools.settings_table import README, with_table

from homebound.config import ENV_PREFIX, Settings, configuration_table
from homebound.services.match_index import default_cache
from homebound.web.app import create_app

SRC = Path(__file__).resolve().parents[1] / "src" / "homebound"


def test_the_readme_table_is_generated_from_the_settings() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme == with_table(readme), "run `PYTHONPATH=src python tools/settings_table.py`"
    rows = [line for line in configuration_table().splitlines() if line.startswith(f"| `{ENV_PREFIX}")]
    assert len(rows) == len(Settings.model_fields)


def test_every_setting_says_what_it_is_for() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []


def test_no_module_reads_the_environment() -> None:
    readers = re.compile(r"\bos\.environ\b|\bgetenv\(|\benviron\.get\(")
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if readers.search(line)
    ]
    assert found == []


def test_every_variable_named_in_the_package_is_a_setting() -> None:
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    named = {
        match
        for path in SRC.rglob("*.py")
        for match in re.findall(rf"\b{ENV_PREFIX}[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8"))
    }
    assert named - known == set()


def test_the_variables_reach_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(default_cache(), "max_records", default_cache().max_records)  # restored after
    monkeypatch.setenv("HOMEBOUND_MATCH_ON_ARRIVAL", "off")
    monkeypatch.setenv("HOMEBOUND_MATCH_INDEX_MAX_RECORDS", "5000")
    monkeypatch.setenv("HOMEBOUND_KEY_DIR", str(tmp_path))
    settings = Settings(environment="test", database_url="sqlite://")
    uows = create_app(settings).state.uows
    assert uows.match_on_arrival is False and default_cache().max_records == 5000
    assert uows.keys.signing.directory == tmp_path
