"""The documents' own catalogue (gettext domain `documents`, beside the UI's `messages`), so the printed
documents and their Print / PDF links carry their texts without touching the pages' catalogue."""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources

from babel.support import NullTranslations, Translations

DOCUMENT_DOMAIN = "documents"


def D_(message: str) -> str:  # noqa: N802 - marks a string for the documents catalogue (pybabel -k D_)
    return message


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    if language == "en":
        return NullTranslations()
    folder = resources.files("homebound.web.ui") / "translations" / language / "LC_MESSAGES"
    with resources.as_file(folder / f"{DOCUMENT_DOMAIN}.mo") as path, path.open("rb") as handle:
        return Translations(handle, domain=DOCUMENT_DOMAIN)


def doc_text(language: str, message: str) -> str:
    """A text of the documents' catalogue in one language (a page's Print / PDF link)."""
    return catalogue(language).gettext(message)
