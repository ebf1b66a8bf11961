"""Matching use cases: the mediator links one party's sought list to another's held list, reviews the pairs.

Proposed pairs go to a review queue only the mediator reads. A confirmed pair tells the seeking party one
thing, through its own sought record: the person is confirmed held (status only; the holder's record stays
the holder's unless it shares it). The holding party learns nothing of what the other side seeks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.matching.review import CandidateStatus, Verdict, after_verdict
from homebound.core.person_input import PersonInput
from homebound.core.persons import Registry, Status, check_transition
from homebound.db.exchange_tables import IdentityConfirmationRow
from homebound.db.log_store import LogWriter, log_action
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.persons import row_to_fields
from homebound.db.tables import OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.assign import Bands
from homebound.linkage.explain import explain_pair
from homebound.linkage.features import frame_from_persons
from homebound.linkage.model import LinkageModel, default_model
from homebound.linkage.pipeline import link_lists
from homebound.services.access_audit import DataAction, RecordRead, record_access
from homebound.services.arrival import Arrival, queue_proposals, score
from homebound.services.match_index import IN_CUSTODY, OPEN_SOUGHT, IndexCache

# Sought records still looked for (OPEN_SOUGHT) and held records still in custody (IN_CUSTODY) are the two
# sides a run links.
MAX_PAGE = 200
_VERDICT_TAGS = {
    Verdict.CONFIRM: ActionTag.MATCH_CONFIRM,
    Verdict.REJECT: ActionTag.MATCH_REJECT,
    Verdict.NOT_SURE: ActionTag.MATCH_DEFER,
}


@dataclass(frozen=True)
class MatchRun:
    """What one run did: how many records it linked, how many pairs it proposed and queued anew."""

    run_id: str
    sought_party: str
    held_party: str
    sought_records: int
    held_records: int
    proposed: int
    queued: int


@dataclass(frozen=True)
class PersonSummary:
    """What a reviewer sees of each side of a pair (the mediator may read both registries)."""

    id: str
    party: str
    registry: Registry
    status: Status
    family_name: str
    given_name: str | None
    patronymic: str | None
    date_of_birth: str | None
    unit: str | None
    service_number: str | None
    # What a reviewer must know of the record as written: "date_of_birth_as_written" when its date of birth
    # is no date (31 April, an unreadable digit), shown and compared digit by digit as written.
    problems: tuple[str, ...] = ()
    party_id: str = ""  # the owning party's id (for the record of reads)


DATE_AS_WRITTEN = "date_of_birth_as_written"


def date_as_written(row: PersonRow) -> str | None:
    """The record's date of birth as written, when it is no date (its parsed date is then empty)."""
    return row.date_of_birth_written if row.birth_year is None and row.date_of_birth_written else None


@dataclass(frozen=True)
class CandidateView:
    id: str
    run_id: str
    status: CandidateStatus
    band: str
    match_probability: float
    match_weight: float
    explanation: dict[str, Any]
    sought: PersonSummary
    held: PersonSummary
    note: str | None
    reviewed_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class CandidatePage:
    items: list[CandidateView]
    total: int
    offset: int
    limit: int


def _require(actor: Actor, permission: Permission) -> str:
    if not can(actor, permission) or actor.organisation_id is None:
        raise PermissionDenied("only the mediator matches lists and reviews the pairs")
    return actor.organisation_id


def _party(session: Session, code: str, field: str) -> OrganisationRow:
    org = session.execute(select(OrganisationRow).where(OrganisationRow.code == code)).scalar_one_or_none()
    if org is None or org.kind != OrganisationKind.PARTY.value:
        raise NotFound("no such party", field=field)
    return org


def _records(session: Session, party_id: str, registry: Registry, statuses: Sequence[str]) -> list[PersonRow]:
    query = select(PersonRow).where(
        PersonRow.party_id == party_id,
        PersonRow.registry_kind == registry.value,
        PersonRow.status.in_(statuses),
    )
    return list(session.execute(query).scalars())


def _frame(rows: Sequence[PersonRow]) -> pd.DataFrame:
    """Records keyed by their database id, so every proposed pair names two person rows."""
    written = {row.id: row.date_of_birth_written for row in rows if row.date_of_birth_written}
    return frame_from_persons([PersonInput(row.id, row_to_fields(row), None) for row in rows], written)


def _explanation(pair: dict[Any, Any], model: LinkageModel) -> dict[str, Any]:
    return explain_pair(pair, model).for_review()


def run_matching(
    uows: UnitOfWorkFactory,
    actor: Actor,
    sought_party: str,
    held_party: str,
    *,
    model: LinkageModel | None = None,
    bands: Bands | None = None,
) -> MatchRun:
    """Link ``sought_party``'s open sought records to ``held_party``'s held records; queue new pairs."""
    mediator_id = _require(actor, Permission.ANY_MATCH_RUN)
    with uows.reader() as uow:
        seeking = _party(uow.session, sought_party, "sought_party")
        holding = _party(uow.session, held_party, "held_party")
        if seeking.id == holding.id:
            message = "a party's sought list is matched against another party's held list"
            raise ValidationFailed([FieldProblem("held_party", "match.same_party", message)])
        sought = _records(uow.session, seeking.id, Registry.SOUGHT, OPEN_SOUGHT)
        held = _records(uow.session, holding.id, Registry.HELD, IN_CUSTODY)
    used = model or default_model()
    proposals = pd.DataFrame()
    if sought and held:
        result = link_lists(_frame(sought), _frame(held), model=used, bands=bands)
        proposals, used = result.proposals, result.model
    run_id = str(uuid.uuid4())
    with uows.writer() as uow:
        # The log head's lock first, as matching on arrival takes it before queueing: the two never queue
        # the same pair at once (a unique violation) nor wait on each other's locks in opposite orders.
        LogWriter.for_session(uow.session)
        rows = uow.session.execute(
            select(MatchCandidateRow.sought_person_id, MatchCandidateRow.held_person_id).where(
                MatchCandidateRow.sought_party_id == seeking.id,
                MatchCandidateRow.held_party_id == holding.id,
            )
        )
        known = {(sought_id, held_id) for sought_id, held_id in rows}
        queued: list[str] = []
        for pair in proposals.to_dict("records"):
            if (pair["left_id"], pair["right_id"]) in known:
                continue
            row = _candidate_row(run_id, mediator_id, seeking.id, holding.id, pair, used)
            uow.session.add(row)
            queued.append(row.id)
        payload = {
            "run": run_id,
            "sought_party": seeking.id,
            "held_party": holding.id,
            "sought_records": len(sought),
            "held_records": len(held),
            "proposed": len(proposals),
            "queued": queued,
        }
        # The mediator's own entry: neither party's log shows what was matched against what.
        log_action(uow.session, actor, ActionTag.MATCH_RUN, "match_run", run_id, payload)
        uow.commit()
    return MatchRun(run_id, seeking.code, holding.code, len(sought), len(held), len(proposals), len(queued))


def _candidate_row(
    run_id: str,
    mediator_id: str,
    sought_party: str,
    held_party: str,
    pair: dict[Any, Any],
    model: LinkageModel,
) -> MatchCandidateRow:
    return MatchCandidateRow(
        id=str(uuid.uuid4()),
        run_id=run_id,
        mediator_id=mediator_id,
        sought_party_id=sought_party,
        held_party_id=held_party,
        sought_person_id=str(pair["left_id"]),
        held_person_id=str(pair["right_id"]),
        match_probability=float(pair["match_probability"]),
        match_weight=float(pair["match_weight"]),
        band=str(pair["decision"]),
        explanation=_explanation(pair, model),
        status=CandidateStatus.PENDING.value,
        created_at=utcnow(),
    )


def match_held_record(
    uows: UnitOfWorkFactory,
    actor: Actor,
    held_person_id: str,
    *,
    model: LinkageModel | None = None,
    bands: Bands | None = None,
    cache: IndexCache | None = None,
) -> MatchRun:
    """Match one held record against the sought registry of the party it depends on (else every other
    party's), through the process's cached incremental index (no SQL scoring), and queue new pairs."""
    if not can(actor, Permission.ANY_MATCH_RUN) or actor.organisation_id is None:
        # A route naming a person answers everyone who may not act on it alike: no existence oracle.
        raise NotFound("no such held record", field="person_id")
    mediator_id = actor.organisation_id
    used = model or default_model()
    run_id = str(uuid.uuid4())
    with uows.writer() as uow:
        held = uow.session.get(PersonRow, held_person_id)
        if held is None or held.registry_kind != Registry.HELD.value:
            raise NotFound("no such held record", field="person_id")
        arrival = Arrival(
            held.id,
            held.party_id,
            Registry.HELD,
            held.status,
            row_to_fields(held),
            held.date_of_birth_written,
        )
        proposed, sought_records = score(uow.session, [arrival], model=used, bands=bands, cache=cache)
        queued = queue_proposals(uow.session, proposed, mediator_id, run_id, used)
        payload = {"run": run_id, "held": held.id, "sought_records": sought_records, "queued": queued}
        log_action(uow.session, actor, ActionTag.MATCH_RUN, "match_run", run_id, payload)
        uow.commit()
    return MatchRun(run_id, "", "", sought_records, 1, len(proposed), len(queued))


def _summary(row: PersonRow, codes: dict[str, str]) -> PersonSummary:
    fields = row_to_fields(row)
    written = date_as_written(row)
    return PersonSummary(
        id=row.id,
        party=codes.get(row.party_id, ""),
        registry=Registry(row.registry_kind),
        status=Status(row.status),
        family_name=fields.family_name,
        given_name=fields.given_name,
        patronymic=fields.patronymic,
        date_of_birth=fields.date_of_birth.iso() if fields.date_of_birth else written,
        unit=fields.unit,
        service_number=fields.service_number,
        problems=(DATE_AS_WRITTEN,) if written else (),
        party_id=row.party_id,
    )


def candidate_views(session: Session, rows: Sequence[MatchCandidateRow]) -> list[CandidateView]:
    """The pairs as a reviewer reads them: both records' deciding fields, the score and its explanation."""
    ids = {r.sought_person_id for r in rows} | {r.held_person_id for r in rows}
    persons = {p.id: p for p in session.execute(select(PersonRow).where(PersonRow.id.in_(ids))).scalars()}
    codes: dict[str, str] = dict(session.execute(select(OrganisationRow.id, OrganisationRow.code)).all())
    return [
        CandidateView(
            id=r.id,
            run_id=r.run_id,
            status=CandidateStatus(r.status),
            band=r.band,
            match_probability=r.match_probability,
            match_weight=r.match_weight,
            explanation=r.explanation,
            sought=_summary(persons[r.sought_person_id], codes),
            held=_summary(persons[r.held_person_id], codes),
            note=r.note,
            reviewed_at=r.reviewed_at,
            created_at=r.created_at,
        )
        for r in rows
    ]


def list_candidates(
    uows: UnitOfWorkFactory,
    actor: Actor,
    *,
    status: CandidateStatus | None = None,
    offset: int = 0,
    limit: int = 50,
) -> CandidatePage:
    """The mediator's review queue, least certain pairs of the newest run first."""
    mediator_id = _require(actor, Permission.ANY_MATCH_REVIEW)
    limit = max(1, min(limit, MAX_PAGE))
    where = [MatchCandidateRow.mediator_id == mediator_id]
    if status is not None:
        where.append(MatchCandidateRow.status == status.value)
    with uows.reader() as uow:
        counted = select(func.count()).select_from(MatchCandidateRow).where(*where)
        total = uow.session.execute(counted).scalar_one()
        rows = list(
            uow.session.execute(
                select(MatchCandidateRow)
                .where(*where)
                .order_by(
                    MatchCandidateRow.created_at.desc(),
                    MatchCandidateRow.match_probability,
                    MatchCandidateRow.id,
                )
                .offset(offset)
                .limit(limit)
            ).scalars()
        )
        views = candidate_views(uow.session, rows)
    record_access(uows, actor, DataAction.LIST, "review: candidate pairs", pair_reads(views))
    return CandidatePage(views, total, offset, limit)


def _load_candidate(session: Session, actor: Actor, candidate_id: str, *, lock: bool) -> MatchCandidateRow:
    row = session.get(MatchCandidateRow, candidate_id, with_for_update=lock)
    # Anyone but the mediator who ran it gets the answer a missing pair gets: no existence oracle.
    if row is None or not can(actor, Permission.ANY_MATCH_REVIEW) or row.mediator_id != actor.organisation_id:
        raise NotFound("no such candidate pair", field="candidate_id")
    return row


def get_candidate(uows: UnitOfWorkFactory, actor: Actor, candidate_id: str) -> CandidateView:
    with uows.reader() as uow:
        view = candidate_views(uow.session, [_load_candidate(uow.session, actor, candidate_id, lock=False)])[
            0
        ]
    record_access(uows, actor, DataAction.READ, "review: one candidate pair", pair_reads([view]))
    return view


# What a reviewer sees of each record of a pair (PersonSummary), for the record of reads.
_PAIR_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "date_of_birth",
    "unit",
    "service_number",
    "status",
)


def pair_reads(views: Sequence[CandidateView]) -> list[RecordRead]:
    """Both records of each pair, with the fields of its summary that held something."""
    return [
        RecordRead(
            person.party_id,
            person.id,
            frozenset(f for f in _PAIR_FIELDS if getattr(person, f) not in (None, "")),
        )
        for view in views
        for person in (view.sought, view.held)
    ]


def review_candidate(
    uows: UnitOfWorkFactory, actor: Actor, candidate_id: str, verdict: Verdict, note: str | None = None
) -> CandidateView:
    """Record the reviewer's verdict; a confirmation tells the seeking party its person is confirmed held."""
    with uows.writer() as uow:
        session = uow.session
        row = _load_candidate(session, actor, candidate_id, lock=True)
        status = after_verdict(CandidateStatus(row.status), verdict)
        if status is CandidateStatus.CONFIRMED:
            _confirm(session, actor, row)
        row.status = status.value
        row.note = note
        row.reviewed_by = actor.user_id
        row.reviewed_at = utcnow()
        payload = {
            "candidate": row.id,
            "sought": row.sought_person_id,
            "held": row.held_person_id,
            "verdict": verdict.value,
            "note": note or "",
        }
        log_action(session, actor, _VERDICT_TAGS[verdict], "match_candidate", row.id, payload)
        uow.commit()
        return candidate_views(session, [row])[0]


def _confirm(session: Session, actor: Actor, row: MatchCandidateRow) -> None:
    """One-to-one, then the disclosure: the sought record becomes confirmed held; the identity is noted."""
    taken = session.execute(
        select(MatchCandidateRow.id).where(
            MatchCandidateRow.status == CandidateStatus.CONFIRMED.value,
            or_(
                MatchCandidateRow.sought_person_id == row.sought_person_id,
                MatchCandidateRow.held_person_id == row.held_person_id,
            ),
        )
    ).first()
    if taken:
        raise Conflict("one of these records is already confirmed in another pair", code="match.taken")
    sought = session.get(PersonRow, row.sought_person_id, with_for_update=True)
    assert sought is not None
    if sought.status != Status.CONFIRMED_HELD.value:
        previous = sought.status
        check_transition(Registry.SOUGHT, Status(previous), Status.CONFIRMED_HELD)
        sought.status = Status.CONFIRMED_HELD.value
        sought.version += 1
        sought.updated_at = utcnow()
        payload = {"person": sought.id, "from": previous, "to": sought.status, "reason": "match confirmed"}
        log_action(
            session, actor, ActionTag.PERSON_STATUS, "person", sought.id, payload, party=sought.party_id
        )
    identity = session.get(IdentityConfirmationRow, row.held_person_id)
    if identity is not None and identity.sought_person_id not in (None, row.sought_person_id):
        raise Conflict("the held record is already identified as another sought person", code="match.taken")
    if identity is None:
        identity = IdentityConfirmationRow(held_person_id=row.held_person_id)
        session.add(identity)
    identity.sought_person_id = row.sought_person_id
    identity.confirmed_by = actor.user_id or ""
    identity.note = f"confirmed match {row.id}"
    identity.confirmed_at = utcnow()
