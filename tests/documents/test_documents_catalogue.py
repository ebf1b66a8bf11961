"""The documents' catalogue (gettext domain `documents`): every text the document templates and the Print /
PDF links ask for is translated in uk and ru, the compiled .mo files are current, placeholders kept."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import homebound.web.ui as ui_package

UI = Path(ui_package.__file__).parent
KEYWORDS = {"bi": None, "D_": None, "doc_text": (2,)}  # as translations/README.md extracts them
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _po(language: str) -> Catalog:
    with (UI / "translations" / language / "LC_MESSAGES" / "documents.po").open("rb") as handle:
        return read_po(handle)


def _source_ids() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    found = extract_from_dir(str(UI), method_map, options, keywords=KEYWORDS)
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_the_templates_ask_for_documents_texts() -> None:
    assert {"Act of handover, tranche %(n)s", "Capture card", "Address of family"} <= _source_ids()


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_documents_text_is_translated(language: str) -> None:
    translated = {m.id for m in _po(language) if m.id and m.string and not m.fuzzy}
    assert _source_ids() - translated == set()


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_the_compiled_documents_catalogue_is_current_and_keeps_placeholders(language: str) -> None:
    po = _po(language)
    with (UI / "translations" / language / "LC_MESSAGES" / "documents.mo").open("rb") as handle:
        compiled = read_mo(io.BytesIO(handle.read()))
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in po if m.id}
    for message in po:
        if message.id:
            assert sorted(_PLACEHOLDER.findall(str(message.string))) == sorted(
                _PLACEHOLDER.findall(str(message.id))
            ), message.id
