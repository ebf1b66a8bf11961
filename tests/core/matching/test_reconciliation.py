"""List reconciliation, the pure part: one bucket per row, by precedence, with the reasons kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homebound.core.matching.reconciliation import (
    PRECEDENCE,
    Bucket,
    Flag,
    Identity,
    Link,
    ListEntry,
    RecordState,
    RowPair,
    Thresholds,
    date_disagreement,
    names_agree_strongly,
    reconcile,
)

KOVALENKO = Identity("Коваленко", "Олександр", "Миколайович", (1994, 3, 12))
KOVALENKO_RU = Identity("КОВАЛЕНКО", "АЛЕКСАНДР", "НИКОЛАЕВИЧ", (1994, 3, 12))
KOVALENKO_OTHER_DATE = Identity("Kovalenko", "Oleksandr", None, (1971, 8, 2))
SHEVCHUK = Identity("Шевчук", "Ганна", "Петрівна", (1988, 1, 5))
BROTHER = Identity("Коваленко", "Дмитро", "Миколайович", (1994, 3, 12))  # a twin


def _link(row: int, record: str, p: float, who: Identity = KOVALENKO, **kw: object) -> Link:
    return Link(row, record, p, who, **kw)  # type: ignore[arg-type]


# (case, list row, links, expected bucket, expected record, expected flags among secondary)
CASES = [
    ("no candidate", ListEntry(2, KOVALENKO_RU), [], Bucket.NOT_FOUND, None, ()),
    ("match band", ListEntry(2, KOVALENKO_RU), [_link(2, "r1", 0.99)], Bucket.CONFIRMED, "r1", ()),
    (
        "review band only: not found, but flagged",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.7)],
        Bucket.NOT_FOUND,
        "r1",
        (Flag.POSSIBLE_MATCH,),
    ),
    (
        "below review band: not found, no record",
        ListEntry(2, SHEVCHUK),
        [_link(2, "r1", 0.2)],
        Bucket.NOT_FOUND,
        None,
        (),
    ),
    (
        "a record already confirmed held, at review band",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.6, state=RecordState.CONFIRMED)],
        Bucket.CONFIRMED,
        "r1",
        (Flag.CONFIRMED_EARLIER,),
    ),
    (
        "a pair a reviewer confirmed, whatever the score",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.0, confirmed_pair=True)],
        Bucket.CONFIRMED,
        "r1",
        (),
    ),
    (
        "matches a returned record",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.99, state=RecordState.RETURNED)],
        Bucket.ALREADY_RETURNED,
        "r1",
        (Bucket.CONFIRMED.value,),
    ),
    (
        "civilian by the list, no match",
        ListEntry(2, SHEVCHUK, civilian=True),
        [],
        Bucket.CIVILIAN,
        None,
        (),
    ),
    (
        "civilian by our record",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.99, civilian=True)],
        Bucket.CIVILIAN,
        "r1",
        (Bucket.CONFIRMED.value,),
    ),
    (
        "returned beats civilian",
        ListEntry(2, KOVALENKO_RU, civilian=True),
        [_link(2, "r1", 0.99, state=RecordState.RETURNED)],
        Bucket.ALREADY_RETURNED,
        "r1",
        (Bucket.CIVILIAN.value, Bucket.CONFIRMED.value),
    ),
    (
        "names agree, dates of birth disagree",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.001, KOVALENKO_OTHER_DATE)],
        Bucket.DATA_ERROR,
        "r1",
        (Flag.DATE_DISAGREES,),
    ),
    (
        "dates disagree but the names do not: not a data error",
        ListEntry(2, SHEVCHUK),
        [_link(2, "r1", 0.001, KOVALENKO_OTHER_DATE)],
        Bucket.NOT_FOUND,
        None,
        (),
    ),
    (
        "matched, names agree, dates disagree: a data error in a record of ours",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.97, KOVALENKO_OTHER_DATE)],
        Bucket.DATA_ERROR,
        "r1",
        (Flag.DATE_DISAGREES, Bucket.CONFIRMED.value),
    ),
    (
        "matched on other evidence, names not close, dates disagree: ours, date flagged",
        ListEntry(2, SHEVCHUK),
        [_link(2, "r1", 0.97, KOVALENKO_OTHER_DATE)],
        Bucket.CONFIRMED,
        "r1",
        (Flag.DATE_DISAGREES,),
    ),
    (
        "names agree, dates disagree, but the unit differs: not a data error",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.001, KOVALENKO_OTHER_DATE, conflicts=("unit",))],
        Bucket.NOT_FOUND,
        None,
        (),
    ),
    (
        "two candidates of ours (twins): a match with a rival is only worth a look",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.99), _link(2, "r2", 0.6)],
        Bucket.NOT_FOUND,
        "r1",
        (Flag.POSSIBLE_MATCH, Flag.CONTESTED),
    ),
    (
        "a twin with another given name is no rival when the names tell them apart",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.99), _link(2, "r2", 0.9, BROTHER)],
        Bucket.CONFIRMED,
        "r1",
        (),
    ),
    (
        "a rival below review band does not stand in the way",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r1", 0.99), _link(2, "r2", 0.3)],
        Bucket.CONFIRMED,
        "r1",
        (),
    ),
    (
        "a data error beats a possible match",
        ListEntry(2, KOVALENKO_RU),
        [_link(2, "r2", 0.6, SHEVCHUK), _link(2, "r1", 0.01, KOVALENKO_OTHER_DATE)],
        Bucket.DATA_ERROR,
        "r1",
        (Flag.DATE_DISAGREES,),
    ),
]


@pytest.mark.parametrize(
    ("entry", "links", "bucket", "record", "flags"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_one_row(
    entry: ListEntry, links: list[Link], bucket: Bucket, record: str | None, flags: tuple[str, ...]
) -> None:
    (placed,) = reconcile([entry], links)
    assert placed.bucket is bucket
    assert placed.record_id == record
    assert set(flags) <= set(placed.secondary)
    assert placed.bucket.value not in placed.secondary
    assert placed.reason


def test_duplicate_rows_count_once_and_the_first_keeps_the_match() -> None:
    entries = [ListEntry(2, KOVALENKO_RU), ListEntry(9, KOVALENKO_RU), ListEntry(5, SHEVCHUK)]
    links = [_link(2, "r1", 0.98), _link(9, "r1", 0.99)]
    placed = {p.row: p for p in reconcile(entries, links, [RowPair(2, 9, 0.999)])}
    assert placed[2].bucket is Bucket.CONFIRMED and placed[2].record_id == "r1"
    assert placed[9].bucket is Bucket.DUPLICATE and placed[9].duplicate_of == 2
    assert placed[9].record_id == "r1" and Bucket.CONFIRMED.value in placed[9].secondary
    assert "row 2" in placed[9].reason
    assert placed[5].bucket is Bucket.NOT_FOUND


def test_row_pairs_below_match_band_are_not_duplicates() -> None:
    entries = [ListEntry(2, KOVALENKO_RU), ListEntry(3, KOVALENKO)]
    placed = reconcile(entries, [], [RowPair(2, 3, 0.9)])
    assert [p.bucket for p in placed] == [Bucket.NOT_FOUND, Bucket.NOT_FOUND]


def test_duplicate_groups_chain_to_their_first_row() -> None:
    entries = [ListEntry(n, KOVALENKO_RU) for n in (4, 7, 11)]
    placed = reconcile(entries, [], [RowPair(7, 11, 0.99), RowPair(4, 7, 0.99)])
    assert [(p.bucket, p.duplicate_of) for p in placed] == [
        (Bucket.NOT_FOUND, None),
        (Bucket.DUPLICATE, 4),
        (Bucket.DUPLICATE, 4),
    ]


def test_a_record_two_rows_claim_is_confirmed_for_neither() -> None:
    twins = [ListEntry(2, KOVALENKO_RU), ListEntry(3, KOVALENKO_RU)]
    links = [_link(2, "r1", 0.96), _link(3, "r1", 0.99)]
    placed = {p.row: p for p in reconcile(twins, links)}
    for row in (2, 3):
        assert placed[row].bucket is Bucket.NOT_FOUND and placed[row].record_id == "r1"
        assert {Flag.CONTESTED.value, Flag.POSSIBLE_MATCH.value} <= set(placed[row].secondary)


def test_twins_in_the_list_are_not_duplicates() -> None:
    """Same family, father and date, another given name: the model may score them high; still two rows."""
    brother = Identity("КОВАЛЕНКО", "ДМИТРИЙ", "НИКОЛАЕВИЧ", (1994, 3, 12))  # a twin, in the list
    other_date = Identity("КОВАЛЕНКО", "АЛЕКСАНДР", "НИКОЛАЕВИЧ", (1971, 8, 2))
    entries = [ListEntry(2, KOVALENKO_RU), ListEntry(3, brother), ListEntry(4, other_date)]
    pairs = [RowPair(2, 3, 0.999), RowPair(2, 4, 0.97)]
    assert [p.bucket for p in reconcile(entries, [], pairs)] == [Bucket.NOT_FOUND] * 3


def test_a_confirmed_pair_wins_over_a_higher_score() -> None:
    rows = [ListEntry(2, KOVALENKO_RU), ListEntry(3, KOVALENKO_RU)]
    links = [_link(2, "r1", 0.2, confirmed_pair=True), _link(3, "r1", 0.99)]
    placed = {p.row: p for p in reconcile(rows, links)}
    assert placed[2].record_id == "r1" and placed[2].bucket is Bucket.CONFIRMED
    assert placed[3].bucket is Bucket.NOT_FOUND


def test_every_row_once_in_row_order_and_precedence_is_total() -> None:
    entries = [ListEntry(n, SHEVCHUK) for n in (10, 3, 7)]
    assert [p.row for p in reconcile(entries, [])] == [3, 7, 10]
    assert set(PRECEDENCE) == set(Bucket) and len(PRECEDENCE) == len(Bucket)


def test_links_to_rows_not_in_the_list_are_ignored() -> None:
    (placed,) = reconcile([ListEntry(2, SHEVCHUK)], [_link(99, "r1", 0.99)])
    assert placed.bucket is Bucket.NOT_FOUND


def test_custom_thresholds() -> None:
    (placed,) = reconcile(
        [ListEntry(2, KOVALENKO_RU)], [_link(2, "r1", 0.9)], thresholds=Thresholds(0.85, 0.5)
    )
    assert placed.bucket is Bucket.CONFIRMED
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(0.4, 0.5)


DATES = [
    ((1994, 3, 12), (1994, 3, 12), ()),
    ((1994, 3, 12), (1994, 12, 3), ()),  # day and month swapped
    ((1994, 3, 12), (1994, 3, 13), ()),  # one digit off
    ((1994, 3, 12), (1994, None, None), ()),  # partial, agrees as far as it goes
    ((1994, 3, 12), (1994, 3, None), ()),
    ((1994, 3, 12), None, ()),  # missing
    ((1994, 3, 12), (1971, 8, 2), ("year", "month", "day")),
    ((1994, 3, 12), (1994, 7, 25), ("month", "day")),
    ((1994, 3, 12), (1996, 3, 12), ()),  # one digit of the year off: within tolerance
    ((1994, 3, 12), (1991, 5, 12), ("year", "month")),
    ((1994, 3, 12), (1984, 3, 21), ("year", "day")),
    ((1994, 3, 12), (1995, None, None), ("year",)),
    ((1994, None, None), (1990, None, None), ("year",)),
]


@pytest.mark.parametrize(("left", "right", "parts"), DATES)
def test_date_disagreement(
    left: tuple[int, int | None, int | None],
    right: tuple[int, int | None, int | None] | None,
    parts: tuple[str, ...],
) -> None:
    assert date_disagreement(left, right) == parts
    assert date_disagreement(right, left) == parts


NAMES = [
    (KOVALENKO, KOVALENKO_RU, True),  # Ukrainian against Russian forms
    (KOVALENKO, KOVALENKO_OTHER_DATE, True),  # Latin, no patronymic
    (KOVALENKO, Identity("Коваленко", "Саша", None), True),  # a diminutive
    (KOVALENKO, Identity("Коваленко", "Олександр", "Петрович"), False),  # another father
    (KOVALENKO, Identity("Коваленко", "Микола", "Миколайович"), False),  # a brother
    (KOVALENKO, Identity("Шевченко", "Олександр", "Миколайович"), False),
    (KOVALENKO, SHEVCHUK, False),
]


@pytest.mark.parametrize(("left", "right", "agree"), NAMES)
def test_names_agree_strongly(left: Identity, right: Identity, agree: bool) -> None:
    assert names_agree_strongly(left, right) is agree


_NAMES = [KOVALENKO, KOVALENKO_RU, KOVALENKO_OTHER_DATE, SHEVCHUK, BROTHER]


@st.composite
def _lists(draw: st.DrawFn) -> tuple[list[ListEntry], list[Link], list[RowPair]]:
    rows = draw(st.lists(st.integers(2, 60), min_size=1, max_size=12, unique=True))
    entries = [ListEntry(r, draw(st.sampled_from(_NAMES)), draw(st.booleans())) for r in rows]
    link = st.builds(
        Link,
        st.sampled_from(rows),
        st.sampled_from(["r1", "r2", "r3", "r4"]),
        st.floats(0, 1),
        st.sampled_from(_NAMES),
        st.sampled_from(list(RecordState)),
        st.booleans(),
        st.booleans(),
    )
    links = draw(st.lists(link, max_size=20, unique_by=lambda k: (k.row, k.record_id)))
    pair = st.builds(RowPair, st.sampled_from(rows), st.sampled_from(rows), st.floats(0.9, 1))
    pairs = [p for p in draw(st.lists(pair, max_size=8)) if p.first < p.second]
    return entries, links, pairs


@given(_lists())
def test_every_row_lands_in_exactly_one_bucket(
    drawn: tuple[list[ListEntry], list[Link], list[RowPair]],
) -> None:
    entries, links, pairs = drawn
    placed = reconcile(entries, links, pairs)
    assert sorted(p.row for p in placed) == sorted(e.row for e in entries)
    kept = {(k.row, k.record_id) for k in links}
    confirmed_records = [p.record_id for p in placed if p.bucket is Bucket.CONFIRMED]
    assert len(confirmed_records) == len(set(confirmed_records))  # one row per record
    for p in placed:
        assert p.bucket.value not in p.secondary and p.reason
        assert p.record_id is None or (p.row, p.record_id) in kept
        if p.bucket is Bucket.DUPLICATE:
            assert p.duplicate_of is not None and p.duplicate_of < p.row
        else:
            assert p.duplicate_of is None
        if p.bucket in (Bucket.ALREADY_RETURNED, Bucket.CONFIRMED, Bucket.DATA_ERROR):
            assert p.record_id is not None
