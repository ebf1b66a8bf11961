"""List reconciliation: sorting the rows of another side's list into buckets against our own records.

Pure classification. The caller scores each list row against our records (and against the other rows of
the same list) with the trained model, and hands in the scored links; this module decides, for every row,
one bucket and the reasons for it. It reads names and dates only to say *why* (which dates disagree, how
the names agree), never to decide a match the model did not score.

A row may qualify for several buckets (a civilian already returned; a duplicate row that also matches one
of our records). It is placed in the first of ``PRECEDENCE`` that holds; the others are kept as secondary
flags, so nothing is lost and every row is counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from homebound.core.matching.compare import (
    DateLevel,
    DateParts,
    FamilyNameLevel,
    GivenNameLevel,
    PatronymicLevel,
    compare_dates,
    compare_family_names,
    compare_given_names,
    compare_patronymics,
)

__all__ = [
    "PRECEDENCE",
    "Bucket",
    "Flag",
    "Identity",
    "Link",
    "ListEntry",
    "Placement",
    "RecordState",
    "RowPair",
    "Thresholds",
    "date_disagreement",
    "names_agree_strongly",
    "reconcile",
]


class Bucket(StrEnum):
    """Where a row of the other side's list lands."""

    DUPLICATE = "duplicate_in_list"  # repeats an earlier row of the same list
    ALREADY_RETURNED = "already_returned"  # one of our records, already exchanged, released or returned
    CIVILIAN = "civilian"  # a civilian internee: kept out of the prisoner-of-war formulas
    CONFIRMED = "confirmed_ours"  # one of our records, at match band (or a pair already confirmed)
    DATA_ERROR = "probable_data_error"  # names agree strongly, dates of birth disagree
    NOT_FOUND = "not_found"  # none of the above


# One bucket per row: the first that holds. A duplicate is counted once, on its first row; a person
# already home is news whatever else holds; a civilian stays apart from POW counts even when ours; a match
# whose names agree but whose dates of birth do not is ours, but a record to correct before anything else.
PRECEDENCE: tuple[Bucket, ...] = (
    Bucket.DUPLICATE,
    Bucket.ALREADY_RETURNED,
    Bucket.CIVILIAN,
    Bucket.DATA_ERROR,
    Bucket.CONFIRMED,
    Bucket.NOT_FOUND,
)


class Flag(StrEnum):
    """Secondary observations on a row, beside its bucket (buckets that also held are flags too)."""

    POSSIBLE_MATCH = "possible_match"  # a candidate at review band only: look before saying "not found"
    DATE_DISAGREES = "date_disagrees"  # matched, but the dates of birth disagree
    CONTESTED = "contested"  # its best record went to another row with a stronger claim
    CONFIRMED_EARLIER = "confirmed_earlier"  # the record was already confirmed held by a review


class RecordState(StrEnum):
    """What our record's status says, as far as reconciliation cares."""

    OPEN = "open"  # still sought, or still in custody
    CONFIRMED = "confirmed"  # already confirmed held (by a reviewed match)
    RETURNED = "returned"  # exchanged, released, returned home
    OTHER = "other"  # deceased, escaped, in third-party custody: matched, nothing more to say


@dataclass(frozen=True)
class Thresholds:
    """The model's bands: at ``match`` a pair is the same person; at ``review`` it is only plausible."""

    match: float = 0.95
    review: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.match <= 1.0:
            raise ValueError("thresholds need 0 < review <= match <= 1")


@dataclass(frozen=True)
class Identity:
    """The names and date of birth of one side of a pair, as written (any script)."""

    family_name: str | None
    given_name: str | None = None
    patronymic: str | None = None
    date_of_birth: DateParts | None = None


@dataclass(frozen=True)
class ListEntry:
    """One row of the list: its row number in the file and whether the list marks it civilian."""

    row: int
    identity: Identity
    civilian: bool = False


@dataclass(frozen=True)
class Link:
    """A list row scored against one of our records."""

    row: int
    record_id: str
    probability: float
    record: Identity
    state: RecordState = RecordState.OPEN
    civilian: bool = False  # our record's category is civilian internee
    confirmed_pair: bool = False  # a reviewer already confirmed this very pair
    conflicts: tuple[str, ...] = ()  # other fields both sides give that disagree (sex, unit, service number)


@dataclass(frozen=True)
class RowPair:
    """Two rows of the same list scored against each other."""

    first: int
    second: int
    probability: float


@dataclass(frozen=True)
class Placement:
    """A row's bucket, with what made it: the record it matched, the score, a short reason."""

    row: int
    bucket: Bucket
    record_id: str | None = None
    score: float | None = None
    reason: str = ""
    secondary: tuple[str, ...] = ()
    duplicate_of: int | None = None


# --- names and dates ------------------------------------------------------------------------------
_STRONG_FAMILY = FamilyNameLevel.SKELETON_JW_92
_STRONG_GIVEN = GivenNameLevel.DIMINUTIVE
_STRONG_PATRONYMIC = PatronymicLevel.SAME_FATHER
_DATE_TOLERATED = frozenset({DateLevel.EXACT, DateLevel.DAY_MONTH_SWAPPED, DateLevel.ONE_DIGIT_OFF})


def names_agree_strongly(left: Identity, right: Identity) -> bool:
    """Family name at least close skeletons, given name at least a diminutive of the same name, and the
    patronymic the same father's name (or missing on either side)."""
    family = compare_family_names(left.family_name, right.family_name)
    given = compare_given_names(left.given_name, right.given_name)
    patronymic = compare_patronymics(left.patronymic, right.patronymic)
    return (
        family >= _STRONG_FAMILY
        and given >= _STRONG_GIVEN
        and (patronymic is PatronymicLevel.MISSING or patronymic >= _STRONG_PATRONYMIC)
    )


def date_disagreement(left: DateParts | None, right: DateParts | None) -> tuple[str, ...]:
    """The parts of two dates of birth that disagree beyond the comparator's tolerance, or ``()``.

    Tolerated: the same date, day and month swapped, one digit off, and partial dates that agree as far
    as both go (1994 against 1994-03-12). Missing on either side is no disagreement.
    """
    if left is None or right is None or compare_dates(left, right) in _DATE_TOLERATED:
        return ()
    parts = []
    for name, a, b in zip(("year", "month", "day"), left, right, strict=True):
        if a is not None and b is not None and a != b:
            parts.append(name)
    return tuple(parts)


# --- classification -------------------------------------------------------------------------------
def _same_entry(a: ListEntry, b: ListEntry) -> bool:
    """Two rows of one list are one person only if their names agree strongly and their dates do not
    disagree: one side writes both, and twins (same family, father and date) differ in the given name."""
    if date_disagreement(a.identity.date_of_birth, b.identity.date_of_birth):
        return False
    return names_agree_strongly(a.identity, b.identity)


def _duplicate_groups(
    entries: Mapping[int, ListEntry], pairs: Iterable[RowPair], match: float
) -> dict[int, int]:
    """Each row of a group of rows that are one person, mapped to the group's first row."""
    rows = list(entries)
    parent = {r: r for r in rows}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for pair in pairs:
        if pair.probability < match or pair.first not in parent or pair.second not in parent:
            continue
        if _same_entry(entries[pair.first], entries[pair.second]):
            a, b = root(pair.first), root(pair.second)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {r: root(r) for r in rows}


def _strong(link: Link, thresholds: Thresholds) -> bool:
    if link.confirmed_pair or link.probability >= thresholds.match:
        return True
    return link.state is RecordState.CONFIRMED and link.probability >= thresholds.review


def _rivalled(
    link: Link,
    entries: Mapping[int, ListEntry],
    links_of: Mapping[int, Sequence[Link]],
    by_record: Mapping[str, Sequence[Link]],
    thresholds: Thresholds,
) -> bool:
    """As batch matching's match band: a pair with another candidate at review band or above, for the row
    or for the record, is only a review (twins, brothers, namesakes), unless a person confirmed it. When
    the pair's names agree strongly, a rival must too: the model scores a twin with another given name
    high (same family, father and date), the names tell the two apart."""
    if link.confirmed_pair:
        return False
    row = entries[link.row].identity
    by_name = names_agree_strongly(row, link.record)
    for other in links_of.get(link.row, ()):
        if other.record_id == link.record_id or not _plausible(other, thresholds):
            continue
        if not by_name or names_agree_strongly(row, other.record):
            return True
    for other in by_record.get(link.record_id, ()):
        if other.row == link.row or not _plausible(other, thresholds):
            continue
        if not by_name or names_agree_strongly(entries[other.row].identity, link.record):
            return True
    return False


def _plausible(link: Link, thresholds: Thresholds) -> bool:
    return link.confirmed_pair or link.probability >= thresholds.review


def _assign(
    entries: Mapping[int, ListEntry],
    links_of: Mapping[int, Sequence[Link]],
    rows: Iterable[int],
    thresholds: Thresholds,
) -> tuple[dict[int, Link], set[int]]:
    """One record per row and one row per record among the strong links without rivals: confirmed pairs
    first, then by probability; a row whose strong candidate is rivalled or went elsewhere is contested."""
    leaders = list(rows)
    by_record: dict[str, list[Link]] = {}
    for r in leaders:
        for link in links_of.get(r, ()):
            by_record.setdefault(link.record_id, []).append(link)
    strong = [link for r in leaders for link in links_of.get(r, ()) if _strong(link, thresholds)]
    strong.sort(key=lambda k: (not k.confirmed_pair, -k.probability, k.row, k.record_id))
    taken: set[str] = set()
    chosen: dict[int, Link] = {}
    for link in strong:
        if link.row in chosen or link.record_id in taken:
            continue
        if _rivalled(link, entries, links_of, by_record, thresholds):
            continue
        chosen[link.row] = link
        taken.add(link.record_id)
    contested = {link.row for link in strong if link.row not in chosen}
    return chosen, contested


def _describe_names(left: Identity, right: Identity) -> str:
    family = compare_family_names(left.family_name, right.family_name).name.lower().replace("_", " ")
    given = compare_given_names(left.given_name, right.given_name).name.lower().replace("_", " ")
    return f"family name {family}, given name {given}"


def reconcile(
    entries: Sequence[ListEntry],
    links: Iterable[Link],
    row_pairs: Iterable[RowPair] = (),
    thresholds: Thresholds | None = None,
) -> list[Placement]:
    """Place every list row in one bucket (see ``PRECEDENCE``), in the list's row order."""
    bands = thresholds or Thresholds()
    by_row = {e.row: e for e in entries}
    links_of: dict[int, list[Link]] = {}
    for link in links:
        if link.row in by_row:
            links_of.setdefault(link.row, []).append(link)
    for found in links_of.values():
        found.sort(key=lambda k: (-k.probability, k.record_id))
    first_of = _duplicate_groups(by_row, row_pairs, bands.match)
    pair_score = _pair_scores(row_pairs)
    leaders = [r for r in by_row if first_of[r] == r]
    chosen, contested = _assign(by_row, links_of, leaders, bands)
    placements = []
    for entry in sorted(entries, key=lambda e: e.row):
        placements.append(
            _place(entry, links_of.get(entry.row, []), chosen, contested, first_of, pair_score, bands)
        )
    return placements


def _pair_scores(pairs: Iterable[RowPair]) -> dict[tuple[int, int], float]:
    scores: dict[tuple[int, int], float] = {}
    for pair in pairs:
        key = (min(pair.first, pair.second), max(pair.first, pair.second))
        scores[key] = max(scores.get(key, 0.0), pair.probability)
    return scores


@dataclass
class _Findings:
    buckets: list[Bucket] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reasons: dict[Bucket, str] = field(default_factory=dict)
    record: dict[Bucket, Link] = field(default_factory=dict)

    def add(self, bucket: Bucket, reason: str, link: Link | None = None) -> None:
        self.buckets.append(bucket)
        self.reasons[bucket] = reason
        if link is not None:
            self.record[bucket] = link


def _place(
    entry: ListEntry,
    links: Sequence[Link],
    chosen: Mapping[int, Link],
    contested: set[int],
    first_of: Mapping[int, int],
    pair_score: Mapping[tuple[int, int], float],
    bands: Thresholds,
) -> Placement:
    found = _Findings()
    first = first_of[entry.row]
    match = chosen.get(entry.row)
    if first != entry.row:
        score = pair_score.get((first, entry.row))
        # A duplicate row's own best link is reported beside it, never assigned: its first row holds it.
        strong = next((k for k in links if _strong(k, bands)), None)
        text = f"same person as row {first}" + (f" (p={score:.3f})" if score is not None else "")
        found.add(Bucket.DUPLICATE, text, strong)
        match = strong
    if match is not None:
        how = "confirmed pair" if match.confirmed_pair else f"p={match.probability:.3f}"
        if match.state is RecordState.RETURNED:
            found.add(Bucket.ALREADY_RETURNED, f"matches a record already returned ({how})", match)
        if match.civilian:
            found.add(Bucket.CIVILIAN, f"matches a record of a civilian internee ({how})", match)
        found.add(Bucket.CONFIRMED, f"matches our record ({how})", match)
        if match.state is RecordState.CONFIRMED:
            found.flags.append(Flag.CONFIRMED_EARLIER.value)
        parts = date_disagreement(entry.identity.date_of_birth, match.record.date_of_birth)
        if parts:
            found.flags.append(Flag.DATE_DISAGREES.value)
            differs = f"date of birth differs in {' and '.join(parts)}"
            found.reasons[Bucket.CONFIRMED] += f"; {differs}"
            if names_agree_strongly(entry.identity, match.record):
                names = _describe_names(entry.identity, match.record)
                found.add(Bucket.DATA_ERROR, f"{names}; {differs} ({how})", match)
    if entry.civilian and Bucket.CIVILIAN not in found.buckets:
        found.add(Bucket.CIVILIAN, "the list marks this person a civilian", match)
    if match is None:
        _unmatched(entry, links, bands, found)
    if entry.row in contested and match is None:
        found.flags.append(Flag.CONTESTED.value)
    found.buckets.append(Bucket.NOT_FOUND)
    found.reasons.setdefault(Bucket.NOT_FOUND, "no record of ours matches")
    bucket = min(found.buckets, key=PRECEDENCE.index)
    link = found.record.get(bucket) or next(iter(found.record.values()), None)
    secondary = tuple(
        b.value for b in PRECEDENCE if b in found.buckets and b not in (bucket, Bucket.NOT_FOUND)
    )
    return Placement(
        row=entry.row,
        bucket=bucket,
        record_id=link.record_id if link else None,
        score=round(link.probability, 6) if link else None,
        reason=found.reasons[bucket],
        secondary=secondary + tuple(dict.fromkeys(found.flags)),
        duplicate_of=first if first != entry.row else None,
    )


def _unmatched(entry: ListEntry, links: Sequence[Link], bands: Thresholds, found: _Findings) -> None:
    """No clean match: a strong name with a disagreeing date, or a candidate worth a look."""
    for link in links:
        parts = date_disagreement(entry.identity.date_of_birth, link.record.date_of_birth)
        if parts and not link.conflicts and names_agree_strongly(entry.identity, link.record):
            names = _describe_names(entry.identity, link.record)
            text = f"{names}; date of birth differs in {' and '.join(parts)} (p={link.probability:.3f})"
            found.add(Bucket.DATA_ERROR, text, link)
            found.flags.append(Flag.DATE_DISAGREES.value)
            return
    plausible = next((k for k in links if k.probability >= bands.review), None)
    if plausible is not None:
        found.flags.append(Flag.POSSIBLE_MATCH.value)
        found.record[Bucket.NOT_FOUND] = plausible
        found.reasons[Bucket.NOT_FOUND] = (
            f"no match; a possible candidate at p={plausible.probability:.3f} is worth a look"
        )
