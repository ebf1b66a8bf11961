"""Matching on arrival: a new or changed record is scored, in its own transaction, against the other side.

A held record is scored against the sought registry of the party it depends on (its ``party_depended_on``
when that names a party, else every other party's, as the mediator's look-up does); a sought record against
the held registries of every other party (held records known to depend on a third party are skipped). The
scoring is the incremental index's (``linkage.index``) with the same trained model as batch matching; pairs
in the match or review band join the mediator's review queue as pending candidates, written in the same
transaction as the record, so a crash loses neither and a rolled-back import leaves no candidate. Nothing
reaches either party: no log entry is written under the party's name (the mediator's verdict is logged, as
for every candidate), and the queue is the mediator's alone.

``Settings.match_on_arrival`` (carried by the unit-of-work factory) turns it off for bulk migrations; the
mediator's runs still find the pairs.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from homebound.core.access import OrganisationKind
from homebound.core.matching.review import CandidateStatus
from homebound.core.persons import PersonFields, Registry
from homebound.db.log_store import LogWriter
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import OrganisationRow, utcnow
from homebound.db.uow import MATCH_ON_ARRIVAL_INFO, UnitOfWorkFactory
from homebound.linkage.assign import Bands, Decision
from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.explain import explain_pair
from homebound.linkage.features import prepare_features
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel, default_model
from homebound.services.match_index import (
    ELIGIBLE,
    IndexCache,
    Reads,
    database_key,
    default_cache,
    record_of,
)

__all__ = [
    "MATCHING_FIELDS",
    "Arrival",
    "Proposed",
    "match_on_arrival",
    "matching_changed",
    "queue_proposals",
    "score",
    "warm",
]

# The best pairs kept per record, as the mediator's one-record look-up keeps them.
PER_RECORD = 20
# Up to this many records against one registry are looked up one by one (no frame to build); more in bulk.
ONE_BY_ONE = 16
_CHUNK = 500  # under SQLite's bound-parameter limit


# The fields the matching keys are computed from: a change to one of them re-scores the record.
MATCHING_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "service_number",
    "unit",
    "party_depended_on",
)


def matching_changed(before: PersonFields, after: PersonFields) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in MATCHING_FIELDS)


Pair = dict[str, Any]  # one scored pair: query position, record id, probability, weight, gamma_*, mw_*


@dataclass(frozen=True)
class Arrival:
    """A record just written (created, or changed in a field matching reads), as its transaction sees it."""

    person_id: str
    party_id: str
    registry: Registry
    status: str
    fields: PersonFields
    written_date: str | None = None  # a date of birth that is no date, as written (see written_dates)


@dataclass(frozen=True)
class Proposed:
    """A scored pair for the queue: the sought and held sides, their parties, and the pair's columns."""

    sought_person_id: str
    held_person_id: str
    sought_party_id: str
    held_party_id: str
    pair: dict[str, Any]


@dataclass(frozen=True)
class _Parties:
    ids: tuple[str, ...]
    by_name: dict[str, str]

    def resolve(self, text: str | None) -> str | None:
        """The party a free-text "party depended on" names (its code or name, any case), if any."""
        if not text:
            return None
        return self.by_name.get(text.strip().casefold())


def _parties(session: Session) -> _Parties:
    rows = session.execute(
        select(OrganisationRow.id, OrganisationRow.code, OrganisationRow.name).where(
            OrganisationRow.kind == OrganisationKind.PARTY.value
        )
    ).all()
    names: dict[str, str] = {}
    for party_id, code, name in rows:
        names[code.strip().casefold()] = party_id
        names[name.strip().casefold()] = party_id
    return _Parties(tuple(sorted(r[0] for r in rows)), names)


def mediator_of(session: Session) -> str | None:
    """The mediator office whose queue takes proposals on arrival (the first created, if several)."""
    return session.execute(
        select(OrganisationRow.id)
        .where(OrganisationRow.kind == OrganisationKind.MEDIATOR.value)
        .order_by(OrganisationRow.created_at, OrganisationRow.id)
        .limit(1)
    ).scalar()


def _targets(arrival: Arrival, parties: _Parties) -> list[tuple[Registry, str]]:
    others = [p for p in parties.ids if p != arrival.party_id]
    if arrival.registry is Registry.HELD:
        depends = parties.resolve(arrival.fields.party_depended_on)
        if depends is not None and depends != arrival.party_id:
            return [(Registry.SOUGHT, depends)]
        return [(Registry.SOUGHT, p) for p in others]
    return [(Registry.HELD, p) for p in others]


def _pairs_one_by_one(index: RegistryIndex, records: list[dict[str, str | None]], bands: Bands) -> list[Pair]:
    found: list[Pair] = []
    for query, record in enumerate(records):
        for c in index.look_up(record, min_probability=bands.review, limit=PER_RECORD):
            pair: Pair = {
                "query": query,
                "record_id": c.record_id,
                "match_probability": c.match_probability,
                "match_weight": c.match_weight,
            }
            pair.update({f"gamma_{name}": level for name, level in c.levels.items()})
            pair.update({f"mw_{name}": weight for name, weight in c.weights.items()})
            pair.update({f"mw_tf_adj_{name}": bits for name, bits in c.tf_adjustments.items()})
            pair.update({f"name_share_{name}": share for name, share in c.name_shares.items()})
            found.append(pair)
    return found


def _pairs_in_bulk(index: RegistryIndex, records: list[dict[str, str | None]], bands: Bands) -> list[Pair]:
    features = prepare_features(pd.DataFrame.from_records(records))
    found = index.look_up_many(features, min_probability=bands.review, limit=PER_RECORD)
    return cast("list[Pair]", found.to_dict("records"))


def score(
    session: Session,
    arrivals: Sequence[Arrival],
    *,
    model: LinkageModel | None = None,
    bands: Bands | None = None,
    cache: IndexCache | None = None,
) -> tuple[list[Proposed], int]:
    """Score records against the other side's registries; the proposed pairs and the records scored against.

    Runs in the caller's writing transaction: the log head is locked first, so no other writer commits a
    record between the index's refresh and this transaction's commit (its own arrivals then see ours).
    A few records are looked up one by one; more are scored in one vectorised pass (the same levels and
    weights either way).
    """
    used = model or default_model()
    bands = bands or Bands()
    cache = default_cache() if cache is None else cache
    LogWriter.for_session(session)  # the log head's lock: see above
    parties = _parties(session)
    groups: dict[tuple[Registry, str], list[int]] = {}
    for position, arrival in enumerate(arrivals):
        for target in _targets(arrival, parties):
            groups.setdefault(target, []).append(position)
    found: list[Pair] = []
    compared = 0
    reads = Reads(session)
    for (registry, party_id), positions in sorted(groups.items(), key=lambda g: (g[0][0].value, g[0][1])):
        with cache.entry(session, registry, party_id, used, reads) as entry:
            compared += len(entry.index)
            if not len(entry.index):
                continue
            records = [
                record_of(arrivals[p].person_id, arrivals[p].fields, arrivals[p].written_date)
                for p in positions
            ]
            many = len(records) > ONE_BY_ONE
            pairs = (_pairs_in_bulk if many else _pairs_one_by_one)(entry.index, records, bands)
            for pair in pairs:
                arrival = arrivals[positions[int(pair["query"])]]
                if registry is Registry.HELD:
                    # A held record known to depend on a third party is not this party's person.
                    depends = parties.resolve(entry.depends_on.get(str(pair["record_id"])))
                    if depends is not None and depends != arrival.party_id:
                        continue
                pair["arrival"] = positions[int(pair["query"])]
                pair["target_party"] = party_id
                found.append(pair)
    return _decide(found, arrivals, bands), compared


def _decide(found: list[Pair], arrivals: Sequence[Arrival], bands: Bands) -> list[Proposed]:
    """Per record, its best pairs; "match" when strong and no rival of the record is in the review band."""
    by_arrival: dict[int, list[Pair]] = {}
    for scored_pair in found:
        by_arrival.setdefault(int(scored_pair["arrival"]), []).append(scored_pair)
    proposed: list[Proposed] = []
    for position, scored in by_arrival.items():
        arrival = arrivals[position]
        held = arrival.registry is Registry.HELD
        best = sorted(scored, key=lambda p: -float(p["match_weight"]))[:PER_RECORD]
        for k, row in enumerate(best):
            if k > 0 and float(row["match_probability"]) < bands.rival:
                continue  # a weak pair is worth a look only as the record's best, as one-to-one keeps it
            rival = max((float(p["match_probability"]) for j, p in enumerate(best) if j != k), default=0.0)
            strong = float(row["match_probability"]) >= bands.match and rival < bands.rival
            other = str(row["record_id"])
            pair: dict[str, Any] = {
                "left_id": other if held else arrival.person_id,
                "right_id": arrival.person_id if held else other,
                "match_probability": float(row["match_probability"]),
                "match_weight": float(row["match_weight"]),
                "decision": (Decision.MATCH if strong else Decision.REVIEW).value,
                **{f"gamma_{c.name}": int(row[f"gamma_{c.name}"]) for c in COMPARISONS},
                **{f"mw_{c.name}": float(row[f"mw_{c.name}"]) for c in COMPARISONS},
                **{k: _number_or_none(v) for k, v in row.items() if k.startswith(_RARITY_PREFIXES)},
            }
            target = str(row["target_party"])
            sought_party, held_party = (target, arrival.party_id) if held else (arrival.party_id, target)
            proposed.append(Proposed(pair["left_id"], pair["right_id"], sought_party, held_party, pair))
    return proposed


_RARITY_PREFIXES = ("mw_tf_adj_", "name_share_")


def _number_or_none(value: Any) -> float | None:
    """A rare-name weight or share as stored with the pair (JSON has no NaN)."""
    number = float(value) if value is not None else math.nan
    return None if math.isnan(number) else number


def explanation(pair: dict[Any, Any], model: LinkageModel) -> dict[str, Any]:
    return explain_pair(pair, model).for_review()


def _known(session: Session, proposed: Sequence[Proposed]) -> set[tuple[str, str]]:
    held = sorted({p.held_person_id for p in proposed})
    sought = sorted({p.sought_person_id for p in proposed})
    known: set[tuple[str, str]] = set()
    for ids, column in (
        (held, MatchCandidateRow.held_person_id),
        (sought, MatchCandidateRow.sought_person_id),
    ):
        for start in range(0, len(ids), _CHUNK):
            rows = session.execute(
                select(MatchCandidateRow.sought_person_id, MatchCandidateRow.held_person_id).where(
                    column.in_(ids[start : start + _CHUNK])
                )
            )
            known.update((s, h) for s, h in rows)
    return known


def queue_proposals(
    session: Session,
    proposed: Sequence[Proposed],
    mediator_id: str,
    run_id: str,
    model: LinkageModel | None = None,
) -> list[str]:
    """Write the pairs not yet in the queue as pending candidates; their ids."""
    used = model or default_model()
    known = _known(session, proposed)
    now = utcnow()
    values: list[dict[str, Any]] = []
    for p in proposed:
        if (p.sought_person_id, p.held_person_id) in known:
            continue
        known.add((p.sought_person_id, p.held_person_id))
        values.append(
            {
                "id": str(uuid.uuid4()),
                "run_id": run_id,
                "mediator_id": mediator_id,
                "sought_party_id": p.sought_party_id,
                "held_party_id": p.held_party_id,
                "sought_person_id": p.sought_person_id,
                "held_person_id": p.held_person_id,
                "match_probability": p.pair["match_probability"],
                "match_weight": p.pair["match_weight"],
                "band": p.pair["decision"],
                "explanation": explanation(p.pair, used),
                "status": CandidateStatus.PENDING.value,
                "note": None,
                "reviewed_by": None,
                "reviewed_at": None,
                "created_at": now,
            }
        )
    if values:
        session.flush()  # the records the candidates name are rows before the candidates are
        # Multi-row INSERTs, not COPY: PostgreSQL refuses COPY FROM into a table under row-level security.
        for start in range(0, len(values), 2000):
            session.execute(insert(MatchCandidateRow), values[start : start + 2000])
    return [v["id"] for v in values]


def warm(
    uows: UnitOfWorkFactory,
    party_id: str,
    registry: Registry,
    *,
    model: LinkageModel | None = None,
    cache: IndexCache | None = None,
) -> None:
    """Build the indexes a party's new records will be scored against, before the write's transaction.

    The write scores under the log head's lock, which holds every other writer back: a first write after a
    start would otherwise build a whole registry's index under it. Built here, the write only refreshes it
    (correctness does not depend on this: the write refreshes, or builds, in its own transaction anyway).
    """
    if not uows.match_on_arrival:
        return
    cache = default_cache() if cache is None else cache
    target = Registry.SOUGHT if registry is Registry.HELD else Registry.HELD
    if not cache.needs_build(database_key(uows.bind), target):
        return
    used = model or default_model()
    # Read only. On PostgreSQL through a writer: a party's readers are scoped to its own rows by row-level
    # security, writers are not. On SQLite through a reader, which takes no write lock.
    unit = uows.writer() if uows.dialect == "postgresql" else uows.reader()
    with unit as uow:
        for other in _parties(uow.session).ids:
            if other != party_id:
                with cache.entry(uow.session, target, other, used):
                    pass


def match_on_arrival(
    session: Session,
    arrivals: Sequence[Arrival],
    *,
    model: LinkageModel | None = None,
    bands: Bands | None = None,
    cache: IndexCache | None = None,
) -> list[str]:
    """Score open records just written and queue their pairs for the mediator; the new candidates' ids.

    A no-op when turned off, when no mediator office exists, or for records not open (a sought record no
    longer looked for, a held record no longer in custody).
    """
    if not session.info.get(MATCH_ON_ARRIVAL_INFO, True):
        return []
    open_arrivals = [a for a in arrivals if a.status in ELIGIBLE[a.registry]]
    if not open_arrivals:
        return []
    mediator_id = mediator_of(session)
    if mediator_id is None:
        return []
    used = model or default_model()
    proposed, _ = score(session, open_arrivals, model=used, bands=bands, cache=cache)
    return queue_proposals(session, proposed, mediator_id, str(uuid.uuid4()), used)
