"""Remains person by person: one record per body or set of remains, its identification and what it is mixed
with (the exchange's per-batch counts are core/exchange/remains.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from homebound.core.errors import FieldProblem, InvalidTransition

MAX_TEXT = 2000
MAX_REFERENCE = 64


class Identification(StrEnum):
    PENDING = "pending"  # DNA (or other) identification under way
    IDENTIFIED = "identified"
    EXCLUDED = "excluded"  # the identity looked for was ruled out (a DNA mismatch)


# A wrong identification is reopened (back to pending), never edited in place.
IDENTIFICATION_CHANGES: dict[Identification, frozenset[Identification]] = {
    Identification.PENDING: frozenset({Identification.IDENTIFIED, Identification.EXCLUDED}),
    Identification.EXCLUDED: frozenset({Identification.PENDING, Identification.IDENTIFIED}),
    Identification.IDENTIFIED: frozenset({Identification.PENDING}),
}


def check_identification(current: Identification, target: Identification) -> None:
    if target not in IDENTIFICATION_CHANGES[current]:
        raise InvalidTransition(
            f"remains cannot go from {current.value} to {target.value}", field="identification"
        )


@dataclass(frozen=True)
class RemainsInput:
    """What is recorded when a body or set of remains is received or found."""

    reference: str  # the bag or body number the party writes on it
    found_place: str | None = None
    found_on: dt.date | None = None
    batch_id: str | None = None  # the exchange's remains batch (core/exchange/remains.py), if any
    agreement_id: str | None = None
    dna_case_reference: str | None = None
    note: str | None = None


REMAINS_FIELD_NAMES = (
    "reference",
    "found_place",
    "found_on",
    "batch_id",
    "agreement_id",
    "dna_case_reference",
    "note",
)


def parse_remains(
    raw: Mapping[str, str | None], today: dt.date
) -> tuple[RemainsInput | None, list[FieldProblem]]:
    problems = [
        FieldProblem(n, "unknown_field", "not a field of a remains record")
        for n in raw
        if n not in REMAINS_FIELD_NAMES
    ]
    values: dict[str, str | None] = {}
    for name in REMAINS_FIELD_NAMES:
        text = (raw.get(name) or "").strip()
        limit = MAX_TEXT if name in ("found_place", "note") else MAX_REFERENCE
        if len(text) > limit:
            problems.append(FieldProblem(name, "too_long", f"at most {limit} characters"))
        values[name] = text or None
    found_on = None
    if values["found_on"]:
        try:
            found_on = dt.date.fromisoformat(values["found_on"] or "")
        except ValueError:
            problems.append(FieldProblem("found_on", "invalid_date", "not a date (YYYY-MM-DD)"))
        else:
            if found_on > today:
                problems.append(FieldProblem("found_on", "in_future", "a date in the future"))
    if not values["reference"]:
        problems.append(FieldProblem("reference", "required", "a value is required"))
    if problems:
        return None, problems
    return (
        RemainsInput(
            reference=values["reference"] or "",
            found_place=values["found_place"],
            found_on=found_on,
            batch_id=values["batch_id"],
            agreement_id=values["agreement_id"],
            dna_case_reference=values["dna_case_reference"],
            note=values["note"],
        ),
        [],
    )


def check_outcome(
    target: Identification, on: dt.date | None, sought_linked: bool, today: dt.date
) -> list[FieldProblem]:
    """An outcome is dated (not in the future); only an identification names a sought record."""
    problems = []
    if target is not Identification.PENDING and on is None:
        problems.append(FieldProblem("identified_on", "required", "the date of the outcome is required"))
    if on is not None and on > today:
        problems.append(FieldProblem("identified_on", "in_future", "a date in the future"))
    if sought_linked and target is not Identification.IDENTIFIED:
        problems.append(
            FieldProblem("sought_person_id", "not_identified", "only identified remains name a person")
        )
    return problems
