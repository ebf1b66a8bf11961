"""The UI's catalogues: complete, compiled from the current .po files, and with the source's placeholders."""

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
from homebound.web.ui.i18n import _LABELS, Translator, negotiate

UI = Path(ui_package.__file__).parent
LANGUAGES = ["uk", "ru"]
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def _po(language: str) -> Catalog:
    with (UI / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def _source_ids() -> set[str]:
    """What the code and templates ask to translate now (the extraction the README describes)."""
    found = set()
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    for _file, _line, message, _comments, _context in extract_from_dir(str(UI), method_map, options):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _po(language)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id and m.string and not m.fuzzy
    }
    assert _source_ids() - translated == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    for message in _po(language):
        if not message.id:
            continue
        sources = [str(s) for s in (message.id if isinstance(message.id, (list, tuple)) else [message.id])]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        expected = sorted(_PLACEHOLDER.findall(sources[-1]))
        for target in strings:
            assert sorted(_PLACEHOLDER.findall(str(target))) == expected, message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_current(language: str) -> None:
    folder = UI / "translations" / language / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as handle:
        compiled = read_mo(io.BytesIO(handle.read()))
    po = _po(language)
    assert _pairs(compiled) == _pairs(po)


def _pairs(catalog: Catalog) -> dict[object, object]:
    def key(value: object) -> object:
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(m.id): key(m.string) for m in catalog if m.id}


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("uk", 1, "1 запис"),
        ("uk", 3, "3 записи"),
        ("uk", 11, "11 записів"),
        ("uk", 22, "22 записи"),
        ("ru", 1, "1 запись"),
        ("ru", 4, "4 записи"),
        ("ru", 5, "5 записей"),
        ("en", 1, "1 record"),
    ],
)
def test_plural_forms(language: str, count: int, expected: str) -> None:
    text = Translator(language).ngettext("%(num)d record", "%(num)d records", count) % {"num": count}
    assert text == expected


def test_every_label_of_a_domain_value_is_translated() -> None:
    for language in LANGUAGES:
        translator = Translator(language)
        for kind, values in _LABELS.items():
            for value, source in values.items():
                assert translator.label(kind, value) != source, (language, kind, value)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("uk-UA,uk;q=0.9", "uk"),
        ("ru", "ru"),
        ("fr-FR,fr;q=0.9", "en"),
        (None, "en"),
        ("en;q=0.1,ru;q=0.5", "ru"),
        ("uk;q=abc", "uk"),
    ],
)
def test_language_negotiation(header: str | None, language: str) -> None:
    assert negotiate(header) == language
