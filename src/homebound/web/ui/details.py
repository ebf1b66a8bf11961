"""The details of refusals (the services' English messages) in the reader's language.

The services word their problems in English for the API and the log; a page shows the same detail translated
when it is one of the sentences below (placeholders carry the values), and as written otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from homebound.web.ui.i18n import N_

# Whole messages, matched exactly after trimming.
_SENTENCES = (
    N_("a value is required"),
    N_("a date in the future"),
    N_("after the capture date"),
    N_("before the capture date"),
    N_("a confirmed or refused will to return names who verified it"),
    N_("not a field of a person record"),
    N_("not a field of an inquiry"),
    N_("consent to process the inquiry is required"),
    N_("contains control characters"),
    N_("contains invisible or text-direction characters"),
    N_("a day needs a month"),
    N_("month must be between 1 and 12"),
    N_("no such day in that month"),
    N_("expected a date like 1994, 1994-03, 1994-03-12 or 12.03.1994"),
    N_("a full date is required here (day, month and year)"),
    N_("no such person record"),
    N_("no such agreement"),
    N_("no such tranche"),
    N_("no such line in this tranche"),
    N_("no such party"),
    N_("a party places only the people it releases"),
    N_("tick the people whose identity was checked"),
    N_("not a person of this vehicle waiting to be delivered"),
)
# Messages with values: the pattern's named groups fill the translation's placeholders.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"unknown value; expected one of: (?P<choices>.+)"),
        N_("unknown value; expected one of: %(choices)s"),
    ),
    (re.compile(r"longer than (?P<n>\d+) characters"), N_("longer than %(n)s characters")),
    (
        re.compile(r"year must be between (?P<low>\d+) and (?P<high>\d+)"),
        N_("year must be between %(low)s and %(high)s"),
    ),
    (
        re.compile(r"not a status a (?P<registry>held|sought) record can start in"),
        N_("not a status a record of this registry can start in"),
    ),
    (re.compile(r"(?P<n>\d+) problem\(s\) in the input"), N_("%(n)s problem(s) in the input")),
)
_KNOWN = frozenset(_SENTENCES)


def translate_detail(gettext: Callable[[str], str], message: str) -> str:
    """`message` in the reader's language when it is a sentence we know; else as the service wrote it."""
    text = message.strip()
    if text in _KNOWN:
        return gettext(text)
    for pattern, source in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return gettext(source) % found.groupdict()
    return message
