"""Numbers typed by people or clients: ASCII digits only, and short enough for a 64-bit column.

`str.isdigit()` accepts «²» and «①», which `int()` then refuses, and `int()` refuses more than 4,300 digits:
either, unchecked, is a 500 instead of an answer naming the field.
"""

from __future__ import annotations

COUNT_DIGITS = 9  # persons, days, tranche sizes: under a thousand million, inside any integer column
VERSION_DIGITS = 18  # versions in ETags: inside a signed 64-bit column
MAX_VERSION = 10**VERSION_DIGITS - 1  # the same bound for a version posted in a form


def is_plain_number(text: str, *, digits: int = COUNT_DIGITS) -> bool:
    """Whether `text` (spaces around allowed) is a whole number of ASCII digits, at most `digits` long."""
    text = text.strip()
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()
