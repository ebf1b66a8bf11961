"""Export directories, zips and a party's saved state on disk: what `homebound log verify DIR` reads. No
database code is imported here, so verifying offline needs none."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from homebound.core.log.export import FILES, state_from_json, state_to_json
from homebound.core.log.heads import SavedState


def write_export(files: dict[str, bytes], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


def read_export(source: Path) -> dict[str, bytes]:
    """The files of an export from its directory or zip; a missing file is left out (the audit names it)."""
    if source.is_dir():
        return {name: (source / name).read_bytes() for name in FILES if (source / name).is_file()}
    with zipfile.ZipFile(source) as archive:
        present = set(archive.namelist())
        return {name: archive.read(name) for name in FILES if name in present}


def read_state(path: Path) -> SavedState | None:
    """The newest final checkpoint this party verified before; None on a first run."""
    if not path.exists():
        return None
    return state_from_json(json.loads(path.read_text(encoding="utf-8")))


def write_state(path: Path, state: SavedState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state_to_json(state), indent=1) + "\n", encoding="utf-8")
