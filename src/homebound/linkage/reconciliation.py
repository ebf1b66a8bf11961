"""A list scored against a registry's records, both in memory: the incremental index with the batch model
(its prior fitted to the two lists), each row placed in a bucket by ``core.matching.reconciliation``, and the
list's own duplicates found by the same index. No database: ``services.reconciliation`` reads the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from homebound.core.matching.reconciliation import (
    Identity,
    Link,
    ListEntry,
    Placement,
    RecordState,
    RowPair,
    Thresholds,
    reconcile,
)
from homebound.core.person_input import PersonInput
from homebound.core.persons import Category
from homebound.linkage.batch import MAX_PRIOR, PRIOR_RULE, PRIOR_RULE_RECALL
from homebound.linkage.features import frame_from_persons, prepare_features
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel, default_model

# Comparisons whose disagreement rules out "the same person with a wrong date of birth".
CONFLICTING = ("sex", "service_number", "unit")
# Candidates kept per row: enough to find a namesake whose date disagrees behind stronger rivals.
CANDIDATES_PER_ROW = 10


@dataclass(frozen=True)
class OurRecord:
    """One of our records as reconciliation reads it."""

    person: PersonInput  # record_id: the database id
    state: RecordState = RecordState.OPEN


def _identity(person: PersonInput) -> Identity:
    born = person.fields.date_of_birth
    return Identity(
        person.fields.family_name,
        person.fields.given_name,
        person.fields.patronymic,
        (born.year, born.month, born.day) if born else None,
    )


def score_list(
    rows: Sequence[tuple[int, PersonInput]],
    ours: Sequence[OurRecord],
    *,
    model: LinkageModel | None = None,
    thresholds: Thresholds | None = None,
    confirmed_pairs: Iterable[tuple[str, str]] = (),
) -> list[Placement]:
    """Score each (row number, list row) against our records and the other rows; place every row.

    ``confirmed_pairs`` holds (list record_id, our record id) pairs a reviewer already confirmed.
    """
    used = model or default_model()
    bands = thresholds or Thresholds()
    confirmed = set(confirmed_pairs)
    entries = [
        ListEntry(number, _identity(p), p.fields.category is Category.CIVILIAN_INTERNEE) for number, p in rows
    ]
    record_of = {r.person.record_id: r for r in ours}
    scored: dict[int, dict[str, tuple[float, tuple[str, ...]]]] = {number: {} for number, _ in rows}
    # The list's keys, computed once; the row number stands in for the record id (ids may repeat).
    keys = prepare_features(
        frame_from_persons([PersonInput(str(number), p.fields, None) for number, p in rows])
    )
    if ours and rows:
        registry_keys = prepare_features(frame_from_persons([r.person for r in ours]))
        if model is None:
            used = fitted_prior(used, keys, registry_keys)
        index = RegistryIndex.from_features(registry_keys, used)
        found = index.look_up_many(keys, min_probability=0.0, limit=CANDIDATES_PER_ROW)
        # A field both sides give at its "else" level (gamma 0) disagrees; -1 is missing on a side.
        different = pd.DataFrame({c: found[f"gamma_{c}"] == 0 for c in CONFLICTING}).to_numpy()
        for position, record_id, probability, flags in zip(
            found["query"], found["record_id"], found["match_probability"], different, strict=True
        ):
            conflicts = tuple(c for c, d in zip(CONFLICTING, flags, strict=True) if d)
            scored[rows[int(position)][0]][str(record_id)] = (float(probability), conflicts)
    for number, person in rows:
        for listed, record_id in confirmed:
            if listed == person.record_id and record_id in record_of:
                # Confirmed by a person, though the model may not even have blocked the pair.
                scored[number].setdefault(record_id, (0.0, ()))
    links = [
        Link(
            number,
            record_id,
            probability,
            _identity(record_of[record_id].person),
            record_of[record_id].state,
            record_of[record_id].person.fields.category is Category.CIVILIAN_INTERNEE,
            (person.record_id, record_id) in confirmed,
            conflicts,
        )
        for number, person in rows
        for record_id, (probability, conflicts) in scored[number].items()
    ]
    base = model or default_model()
    return reconcile(entries, links, _row_pairs(rows, keys, base, bands, fit=model is None), bands)


def fitted_prior(model: LinkageModel, left: pd.DataFrame, right: pd.DataFrame | None = None) -> LinkageModel:
    """The model with its prior re-estimated on these two keyed lists, as batch matching's ``fit_prior``:
    the pairs agreeing on the strict rule (skeleton, name key, full date), over the rule's assumed recall,
    among all pairs. A list of 10 against a registry of 100,000 makes a match far likelier per pair than
    the lists the model was trained on, and a registry of a million far rarer. ``right`` None: the list
    against itself (for its duplicates)."""
    columns = list(PRIOR_RULE)
    a = left[columns].dropna().value_counts()
    if right is None:  # a list against itself: every row agrees with itself, and is not compared with it
        agreeing = float((a * a).sum() - a.sum())
        pairs = max(1, len(left) * (len(left) - 1))
    else:
        b = right[columns].dropna().value_counts()
        agreeing = float((a * b.reindex(a.index, fill_value=0)).sum())
        pairs = max(1, len(left) * len(right))
    estimated = agreeing / PRIOR_RULE_RECALL / pairs
    return model.with_prior(min(max(estimated, 1.0 / pairs), MAX_PRIOR))


def _row_pairs(
    rows: Sequence[tuple[int, PersonInput]],
    keys: pd.DataFrame,
    model: LinkageModel,
    bands: Thresholds,
    *,
    fit: bool,
) -> list[RowPair]:
    """Pairs of rows of the same list that the model scores at match band: the list's duplicates."""
    if len(rows) < 2:
        return []
    index = RegistryIndex.from_features(keys, fitted_prior(model, keys) if fit else model)
    found = index.look_up_many(keys, min_probability=bands.match, limit=5)
    pairs = []
    for position, other, probability in zip(
        found["query"], found["record_id"], found["match_probability"], strict=True
    ):
        number = rows[int(position)][0]
        if int(other) > number:
            pairs.append(RowPair(number, int(other), float(probability)))
    return pairs
