"""Amendments to named persons and the diff between two agreement versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.errors import InvalidAmendment, InvalidTerms
from homebound.core.exchange.formula import ListedPerson
from homebound.core.exchange.terms import Terms


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REPLACED = "replaced"
    TERMS = "terms"


@dataclass(frozen=True, slots=True)
class Change:
    """One line of a version's diff against the previous version."""

    kind: ChangeKind
    reason: str
    side: Side | None = None
    candidate_id: str | None = None
    replacement_id: str | None = None
    field: str | None = None  # which part of the terms changed


@dataclass(frozen=True, slots=True)
class AddPerson:
    side: Side
    person: ListedPerson
    reason: str


@dataclass(frozen=True, slots=True)
class RemovePerson:
    side: Side
    candidate_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReplacePerson:
    side: Side
    candidate_id: str
    replacement: ListedPerson
    reason: str


Amendment = AddPerson | RemovePerson | ReplacePerson

Lists = tuple[tuple[ListedPerson, ...], tuple[ListedPerson, ...]]


def check_lists(list_a: Sequence[ListedPerson], list_b: Sequence[ListedPerson]) -> None:
    """Nobody twice: not twice on one list, not on both lists."""
    ids = [p.candidate_id for p in (*list_a, *list_b)]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise InvalidTerms(f"listed more than once: {', '.join(twice)}")


def apply_amendments(
    list_a: tuple[ListedPerson, ...], list_b: tuple[ListedPerson, ...], amendments: Sequence[Amendment]
) -> tuple[tuple[ListedPerson, ...], tuple[ListedPerson, ...], tuple[Change, ...]]:
    """The lists after the amendments, applied in order, and the changes they make."""
    if not amendments:
        raise InvalidAmendment("an amendment changes at least one person")
    lists = {Side.A: list(list_a), Side.B: list(list_b)}
    changes = tuple(_apply(lists, amendment) for amendment in amendments)
    return tuple(lists[Side.A]), tuple(lists[Side.B]), changes


def _position(lists: dict[Side, list[ListedPerson]], side: Side, candidate_id: str) -> int:
    for i, person in enumerate(lists[side]):
        if person.candidate_id == candidate_id:
            return i
    raise InvalidAmendment(f"{candidate_id} is not on list {side.value.upper()}")


def _check_absent(lists: dict[Side, list[ListedPerson]], candidate_id: str) -> None:
    for side, persons in lists.items():
        if any(p.candidate_id == candidate_id for p in persons):
            raise InvalidAmendment(f"{candidate_id} is already on list {side.value.upper()}")


def _apply(lists: dict[Side, list[ListedPerson]], amendment: Amendment) -> Change:
    if not amendment.reason.strip():
        raise InvalidAmendment("every amendment states its reason")
    side = amendment.side
    if isinstance(amendment, AddPerson):
        _check_absent(lists, amendment.person.candidate_id)
        lists[side].append(amendment.person)
        return Change(ChangeKind.ADDED, amendment.reason, side, amendment.person.candidate_id)
    at = _position(lists, side, amendment.candidate_id)
    if isinstance(amendment, RemovePerson):
        del lists[side][at]
        return Change(ChangeKind.REMOVED, amendment.reason, side, amendment.candidate_id)
    _check_absent(lists, amendment.replacement.candidate_id)
    lists[side][at] = amendment.replacement  # the replacement takes the replaced person's place in order
    new_id = amendment.replacement.candidate_id
    return Change(ChangeKind.REPLACED, amendment.reason, side, amendment.candidate_id, new_id)


def diff_versions(
    previous: tuple[Terms, tuple[ListedPerson, ...], tuple[ListedPerson, ...]] | None,
    current: tuple[Terms, tuple[ListedPerson, ...], tuple[ListedPerson, ...]],
    reason: str,
) -> tuple[Change, ...]:
    """What a full new version changes: parts of the terms, then removals and additions per side."""
    old_terms, old_a, old_b = previous if previous is not None else (None, (), ())
    terms, list_a, list_b = current
    changes: list[Change] = []
    new_document = terms.to_document()
    old_document = old_terms.to_document() if old_terms is not None else {}
    for key, value in new_document.items():
        if old_document.get(key) != value:
            changes.append(Change(ChangeKind.TERMS, reason, field=key))
    for side, old, new in ((Side.A, old_a, list_a), (Side.B, old_b, list_b)):
        old_ids = {p.candidate_id: p for p in old}
        new_ids = {p.candidate_id: p for p in new}
        changes += [
            Change(ChangeKind.REMOVED, reason, side, i) for i in sorted(old_ids.keys() - new_ids.keys())
        ]
        changes += [
            Change(ChangeKind.ADDED, reason, side, i) for i in sorted(new_ids.keys() - old_ids.keys())
        ]
        changed = sorted(i for i in old_ids.keys() & new_ids.keys() if old_ids[i] != new_ids[i])
        # The same person listed with another basis or rank class.
        changes += [Change(ChangeKind.REPLACED, reason, side, i, i) for i in changed]
    return tuple(changes)
