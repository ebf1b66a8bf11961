"""Layering: core/ is pure (no web, ORM or database imports); imports point downward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "homebound"
FORBIDDEN_IN_CORE = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "pg8000",
    "psycopg",
    "sqlite3",
    "uvicorn",
    "typer",
    "duckdb",
    "splink",
    "homebound.db",
    "homebound.web",
    "homebound.services",
    "homebound.cli",
)
# Which of our packages each layer may import (besides itself and core).
ALLOWED = {
    "db": {"core"},
    "linkage": {"core"},  # Splink and pandas over core/matching's keys: no database, no services
    "lists": {"core"},
    "synthetic": {"core"},
    "services": {"core", "db", "lists", "synthetic", "linkage"},
    "web": {"core", "db", "services", "config", "lists"},
    "cli": {"core", "db", "services", "web", "config", "lists", "synthetic", "linkage"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: str(p.relative_to(SRC)))
def test_core_is_pure(path: Path) -> None:
    bad = {name for name in _imports(path) if name.startswith(FORBIDDEN_IN_CORE)}
    assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layers_import_downward(layer: str) -> None:
    for path in _modules(layer):
        for name in _imports(path):
            if not name.startswith("homebound."):
                continue
            target = name.split(".")[1]
            if target in (layer, "core", "__version__") or name == "homebound":
                continue
            assert target in ALLOWED[layer], f"{path.relative_to(SRC)} imports {name}"


def test_every_package_has_its_layer() -> None:
    packages = {path.name for path in SRC.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert sorted(packages - {"core"} - set(ALLOWED)) == []


def test_the_architecture_test_catches_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport fastapi\n", encoding="utf-8")
    assert {"sqlalchemy", "fastapi"} <= _imports(sample)
