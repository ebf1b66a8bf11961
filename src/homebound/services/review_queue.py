"""The mediator's review queue as the browser reads it: filters by band and decision, neighbours in the
queue, each record's spellings in the other scripts, and a verdict recorded once however often it is sent.

Verdicts go through `services.matching.review_candidate`, as the API's do (the same log entries, the same
disclosure to the seeking party); this module only reads the queue and guards against a repeated form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import Conflict, NotFound, PermissionDenied
from homebound.core.matching.names import given_name_classes, name_class_info
from homebound.core.matching.normalize import (
    Script,
    cyrillic_language,
    detect_script,
    normalize_name,
    transliterate_display,
)
from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.persons import row_to_fields
from homebound.db.tables import ImportBatchRow, OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.assign import Decision
from homebound.linkage.comparisons import ELSE_LABEL, JW_HIGH, JW_LOW
from homebound.services import matching

MAX_PAGE = matching.MAX_PAGE
# The model's level labels the pages translate: the else level, and the two that carry a threshold.
LEVEL_ELSE = ELSE_LABEL
LEVEL_SKELETONS_SIMILAR = f"skeletons similar (JW >= {JW_HIGH})"
LEVEL_SKELETONS_CLOSE = f"skeletons close (JW >= {JW_LOW})"
# The bands a run proposes (a non-match is never queued).
BANDS = (Decision.MATCH.value, Decision.REVIEW.value)


class DecisionFilter(StrEnum):
    """Which pairs the queue shows: still open (the default), one status, or all."""

    OPEN = "open"
    PENDING = "pending"
    NOT_SURE = "not_sure"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ALL = "all"


_STATUSES: dict[DecisionFilter, tuple[str, ...]] = {
    DecisionFilter.OPEN: (CandidateStatus.PENDING.value, CandidateStatus.NOT_SURE.value),
    DecisionFilter.PENDING: (CandidateStatus.PENDING.value,),
    DecisionFilter.NOT_SURE: (CandidateStatus.NOT_SURE.value,),
    DecisionFilter.CONFIRMED: (CandidateStatus.CONFIRMED.value,),
    DecisionFilter.REJECTED: (CandidateStatus.REJECTED.value,),
}


@dataclass(frozen=True)
class QueueFilter:
    """Which pairs a mediator works through; every part is optional and they combine."""

    band: str | None = None  # "match" or "review"; None: both
    decision: DecisionFilter = DecisionFilter.OPEN
    party: str | None = None  # a party's code: the pairs it seeks or holds
    import_batch: str | None = None  # an import (list): pairs with a record it last wrote
    agreement: str | None = None  # an agreement: pairs whose held record is on its latest lists
    category: str | None = None  # the held record's category (pow, civilian_internee, remains)

    def without_decision(self) -> QueueFilter:
        """The same selection, whatever the pairs' status and band (workload figures count across them)."""
        return QueueFilter(
            None, DecisionFilter.ALL, self.party, self.import_batch, self.agreement, self.category
        )


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue: the two names as written, the score and how long the pair has waited."""

    id: str
    status: CandidateStatus
    band: str
    match_probability: float
    match_weight: float
    created_at: dt.datetime
    sought_party: str
    sought_name: str
    held_party: str
    held_name: str
    # The fields that decide, both records side by side: (field, sought, held, same/close/different/missing).
    fields: tuple[FieldPair, ...] = ()
    seen: str = ""  # the pair's review state as read (`review_state`): a bulk action decides it only so
    problems: tuple[str, ...] = ()  # of either record (matching.DATE_AS_WRITTEN)


@dataclass(frozen=True)
class FieldPair:
    """One field of the two records as written, and how they compare (for the eye, not the model)."""

    name: str
    sought: str | None
    held: str | None
    state: str


# The fields a reviewer decides on beside the names (issue of the queue: dates, patronymic, unit, number).
QUEUE_FIELDS = ("family_name", "given_name", "patronymic", "date_of_birth", "unit", "service_number")


def compare_written(left: str | None, right: str | None, weight: float | None) -> str:
    """same / close / different / missing: names compared on their folded keys, dates and numbers as
    written (a swapped day and month is never 'same'); 'close' when the model found evidence for them."""
    known = [v for v in (left, right) if v and v != "unknown"]
    if len(known) < 2:
        return "missing"
    left_key, right_key = normalize_name(known[0]), normalize_name(known[1])
    if (left_key or right_key) and left_key == right_key:
        return "same"
    if not (left_key or right_key) and known[0].strip() == known[1].strip():
        return "same"
    if weight is not None and weight > 0:
        return "close"
    return "different"


def _field_pairs(candidate: MatchCandidateRow, sought: PersonRow, held: PersonRow) -> tuple[FieldPair, ...]:
    weights = {
        str(e["comparison"]): float(e["match_weight"])
        for e in (candidate.explanation or {}).get("evidence", [])
    }
    left, right = row_to_fields(sought), row_to_fields(held)
    pairs = []
    for name in QUEUE_FIELDS:
        a, b = getattr(left, name), getattr(right, name)
        if name == "date_of_birth":  # a date that is no date is shown as written
            a = a.iso() if a is not None else matching.date_as_written(sought)
            b = b.iso() if b is not None else matching.date_as_written(held)
        pairs.append(FieldPair(name, a, b, compare_written(a, b, weights.get(name))))
    return tuple(pairs)


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Neighbours:
    previous: str | None
    next: str | None


class Outcome(StrEnum):
    RECORDED = "recorded"
    ALREADY_DECIDED = "already_decided"  # the form was sent again, or someone else decided first


def _mediator(actor: Actor) -> str:
    if not can(actor, Permission.ANY_MATCH_REVIEW) or actor.organisation_id is None:
        raise PermissionDenied("only the mediator reviews the proposed pairs")
    return actor.organisation_id


def _where(session: Session, mediator_id: str, flt: QueueFilter) -> list[ColumnElement[bool]]:
    c = MatchCandidateRow
    where: list[ColumnElement[bool]] = [c.mediator_id == mediator_id]
    if flt.band is not None:
        where.append(c.band == flt.band)
    statuses = _STATUSES.get(flt.decision)
    if statuses is not None:
        where.append(c.status.in_(statuses))
    if flt.party is not None:
        party = select(OrganisationRow.id).where(OrganisationRow.code == flt.party).scalar_subquery()
        where.append(or_(c.sought_party_id == party, c.held_party_id == party))
    if flt.import_batch is not None:
        written = select(PersonRow.id).where(PersonRow.import_batch_id == flt.import_batch)
        where.append(or_(c.sought_person_id.in_(written), c.held_person_id.in_(written)))
    if flt.category is not None:
        where.append(c.held_person_id.in_(select(PersonRow.id).where(PersonRow.category == flt.category)))
    if flt.agreement is not None:
        where.append(c.held_person_id.in_(_listed(session, mediator_id, flt.agreement)))
    return where


def _listed(session: Session, mediator_id: str, agreement_id: str) -> list[str]:
    """The held records on an agreement's latest lists (none when it is not this mediator's)."""
    found = session.execute(
        select(AgreementVersionRow.document)
        .join(AgreementRow, AgreementRow.id == AgreementVersionRow.agreement_id)
        .where(
            AgreementRow.id == agreement_id,
            AgreementRow.mediator_id == mediator_id,
            AgreementVersionRow.number == AgreementRow.latest_version,
        )
    ).scalar()
    if not found:
        return []
    return [str(p["candidate_id"]) for side in ("list_a", "list_b") for p in found.get(side, [])]


# The queue's order, as `matching.list_candidates` reads it: the newest run first, least certain pairs first.
_ORDER = (MatchCandidateRow.created_at.desc(), MatchCandidateRow.match_probability, MatchCandidateRow.id)


def _name(row: PersonRow) -> str:
    return " ".join(part for part in (row.family_name, row.given_name, row.patronymic) if part)


def read_queue(
    uows: UnitOfWorkFactory, actor: Actor, flt: QueueFilter, *, offset: int = 0, limit: int = 25
) -> QueuePage:
    """One page of the queue under the filter, with the names as each party wrote them."""
    mediator_id = _mediator(actor)
    limit = max(1, min(limit, MAX_PAGE))
    sought, held = aliased(PersonRow), aliased(PersonRow)
    with uows.reader() as uow:
        session = uow.session
        where = _where(session, mediator_id, flt)
        total = session.execute(
            select(func.count()).select_from(MatchCandidateRow).where(*where)
        ).scalar_one()
        rows = session.execute(
            select(MatchCandidateRow, sought, held)
            .join(sought, sought.id == MatchCandidateRow.sought_person_id)
            .join(held, held.id == MatchCandidateRow.held_person_id)
            .where(*where)
            .order_by(*_ORDER)
            .offset(offset)
            .limit(limit)
        ).all()
        codes = _codes(session)
    items = [
        QueueItem(
            id=c.id,
            status=CandidateStatus(c.status),
            band=c.band,
            match_probability=c.match_probability,
            match_weight=c.match_weight,
            created_at=c.created_at,
            sought_party=codes.get(s.party_id, ""),
            sought_name=_name(s),
            held_party=codes.get(h.party_id, ""),
            held_name=_name(h),
            fields=_field_pairs(c, s, h),
            seen=_state(c.status, c.reviewed_at),
            problems=(matching.DATE_AS_WRITTEN,)
            if matching.date_as_written(s) or matching.date_as_written(h)
            else (),
        )
        for c, s, h in rows
    ]
    return QueuePage(items, total, offset, limit)


def list_views(
    uows: UnitOfWorkFactory, actor: Actor, flt: QueueFilter, *, offset: int = 0, limit: int = 50
) -> matching.CandidatePage:
    """The API's page of the queue under the filter, in the queue's order, with each pair in full."""
    mediator_id = _mediator(actor)
    limit = max(1, min(limit, MAX_PAGE))
    with uows.reader() as uow:
        session = uow.session
        where = _where(session, mediator_id, flt)
        total = session.execute(
            select(func.count()).select_from(MatchCandidateRow).where(*where)
        ).scalar_one()
        rows = session.execute(
            select(MatchCandidateRow).where(*where).order_by(*_ORDER).offset(offset).limit(limit)
        ).scalars()
        return matching.CandidatePage(matching.candidate_views(session, list(rows)), total, offset, limit)


def _codes(session: Session) -> dict[str, str]:
    found = session.execute(select(OrganisationRow.id, OrganisationRow.code))
    return {org_id: code for org_id, code in found}  # noqa: C416 - rows, not pairs, to the type checker


def _after(row: MatchCandidateRow) -> ColumnElement[bool]:
    """Rows later than ``row`` in the queue's order (created_at desc, probability asc, id asc)."""
    c = MatchCandidateRow
    return or_(
        c.created_at < row.created_at,
        and_(c.created_at == row.created_at, c.match_probability > row.match_probability),
        and_(
            c.created_at == row.created_at,
            c.match_probability == row.match_probability,
            c.id > row.id,
        ),
    )


def _before(row: MatchCandidateRow) -> ColumnElement[bool]:
    c = MatchCandidateRow
    return or_(
        c.created_at > row.created_at,
        and_(c.created_at == row.created_at, c.match_probability < row.match_probability),
        and_(
            c.created_at == row.created_at,
            c.match_probability == row.match_probability,
            c.id < row.id,
        ),
    )


def _load(session: Session, actor: Actor, candidate_id: str, *, lock: bool = False) -> MatchCandidateRow:
    # Anyone but the mediator who ran it gets the answer a missing pair gets, as in services.matching.
    row = session.get(MatchCandidateRow, candidate_id, with_for_update=lock)
    if row is None or not can(actor, Permission.ANY_MATCH_REVIEW) or row.mediator_id != actor.organisation_id:
        raise NotFound("no such candidate pair", field="candidate_id")
    return row


def neighbours(uows: UnitOfWorkFactory, actor: Actor, candidate_id: str, flt: QueueFilter) -> Neighbours:
    """The pairs before and after this one in the filtered queue (this one need not pass the filter)."""
    mediator_id = _mediator(actor)
    c = MatchCandidateRow
    with uows.reader() as uow:
        session = uow.session
        where = _where(session, mediator_id, flt)
        row = _load(session, actor, candidate_id)
        later = session.execute(select(c.id).where(*where, _after(row)).order_by(*_ORDER).limit(1)).scalar()
        earlier = session.execute(
            select(c.id)
            .where(*where, _before(row))
            .order_by(c.created_at, c.match_probability.desc(), c.id.desc())
            .limit(1)
        ).scalar()
    return Neighbours(earlier, later)


def next_open(
    uows: UnitOfWorkFactory,
    actor: Actor,
    candidate_id: str,
    band: str | None = None,
    *,
    within: QueueFilter | None = None,
) -> str | None:
    """After a verdict: the next open pair (under the reviewer's filter), else the first open one left,
    else none."""
    base = within or QueueFilter(band=band)
    open_pairs = replace(base, decision=DecisionFilter.OPEN)
    found = neighbours(uows, actor, candidate_id, open_pairs).next
    if found is not None:
        return found
    mediator_id = _mediator(actor)
    with uows.reader() as uow:
        where = _where(uow.session, mediator_id, open_pairs)
        return uow.session.execute(
            select(MatchCandidateRow.id)
            .where(*where, MatchCandidateRow.id != candidate_id)
            .order_by(*_ORDER)
            .limit(1)
        ).scalar()


def review_state(view: matching.CandidateView) -> str:
    """What the reviewer saw of the pair's review: a verdict changes it, so a repeated form is known."""
    return _state(view.status.value, view.reviewed_at)


def _state(status: str, reviewed_at: dt.datetime | None) -> str:
    return f"{status}@{reviewed_at.isoformat() if reviewed_at else '-'}"


def decide(
    uows: UnitOfWorkFactory,
    actor: Actor,
    candidate_id: str,
    verdict: Verdict,
    seen: str,
    note: str | None = None,
) -> Outcome:
    """Record a verdict once: only when the pair is still as the reviewer saw it (``seen``, from
    `review_state`). The check and the verdict share one transaction holding the pair's row, so two copies
    of the same form sent at once record one decision between them."""
    shared = uows.shared_transaction()
    recorded = False
    try:
        with shared.uows.writer() as uow:
            row = _load(uow.session, actor, candidate_id, lock=True)
            current = _state(row.status, row.reviewed_at)
            uow.commit()  # releases the savepoint only: the row stays locked until the end
        if current == seen:
            matching.review_candidate(shared.uows, actor, candidate_id, verdict, note)
            recorded = True
    except Conflict as exc:
        shared.rollback()
        if exc.code != "match.decided":
            raise
    except BaseException:
        shared.rollback()
        raise
    else:
        if recorded:
            shared.commit()
        else:
            shared.rollback()
    return Outcome.RECORDED if recorded else Outcome.ALREADY_DECIDED


@dataclass(frozen=True)
class Spellings:
    """A name as written, its Latin rendering, and its form in the other Cyrillic language where known."""

    written: str
    script: Script
    latin: str | None
    other_cyrillic: str | None
    language: str | None = None  # "uk" or "ru" when the letters show it, so a screen reader says it right


def _other_cyrillic(name: str) -> str | None:
    """Олександр → Александр and back, for given names the name classes know; None otherwise."""
    for class_id in given_name_classes(name):
        info = name_class_info(class_id)
        if info is None:
            continue
        key = normalize_name(name)
        in_uk = key in {normalize_name(n) for n in info.uk}
        in_ru = key in {normalize_name(n) for n in info.ru}
        if in_uk and not in_ru and info.ru:
            return info.ru[0]
        if in_ru and not in_uk and info.uk:
            return info.uk[0]
        if not in_uk and not in_ru and info.uk:
            return info.uk[0]  # a Latin spelling: show the Cyrillic a reviewer can compare
    return None


def spellings(name: str | None, *, given: bool = False) -> Spellings | None:
    """How a reviewer reads a name in the other scripts (display only: never compare on these)."""
    if not name:
        return None
    script = detect_script(name)
    language = _language(name, given=given)
    latin = transliterate_display(name, language) if script is not Script.LATIN else None
    other = _other_cyrillic(name) if given else None
    if other is not None and normalize_name(other) == normalize_name(name):
        other = None
    return Spellings(name, script, latin if latin != name else None, other, language)


def _language(name: str, *, given: bool = False) -> str | None:
    """The language of a Cyrillic spelling: its letters and endings, else the given-name tables (Николай is
    only Russian, Микола only Ukrainian)."""
    if detect_script(name) is not Script.CYRILLIC:
        return None
    found = cyrillic_language(name)
    if found is not None or not given:
        return found
    key = normalize_name(name)
    for class_id in given_name_classes(name):
        info = name_class_info(class_id)
        if info is None:
            continue
        in_uk = key in {normalize_name(n) for n in info.uk}
        in_ru = key in {normalize_name(n) for n in info.ru}
        if in_uk != in_ru:
            return "uk" if in_uk else "ru"
    return None


def sexes(uows: UnitOfWorkFactory, actor: Actor, view: matching.CandidateView) -> dict[str, str]:
    """The recorded sex of both records of a pair the actor may review (the summary leaves it out)."""
    _mediator(actor)
    ids = (view.sought.id, view.held.id)
    with uows.reader() as uow:
        found = uow.session.execute(select(PersonRow.id, PersonRow.sex).where(PersonRow.id.in_(ids)))
        return {person_id: sex for person_id, sex in found}  # noqa: C416 - rows, not pairs, to the type checker


@dataclass(frozen=True)
class FilterOptions:
    """What the queue's filters offer: parties by code, imports (lists) and agreements by their labels.

    Labels carry no personal data: an import is its party, registry, time and size; an agreement its title.
    """

    parties: tuple[str, ...]
    imports: tuple[tuple[str, str], ...]  # (id, label)
    agreements: tuple[tuple[str, str], ...]  # (id, title)


MAX_OPTIONS = 100


def filter_options(uows: UnitOfWorkFactory, actor: Actor) -> FilterOptions:
    """The parties, the newest imports and this mediator's agreements, for the queue's filters."""
    mediator_id = _mediator(actor)
    with uows.reader() as uow:
        session = uow.session
        codes = _codes(session)
        parties = session.execute(
            select(OrganisationRow.code)
            .where(OrganisationRow.kind == OrganisationKind.PARTY.value)
            .order_by(OrganisationRow.code)
        ).scalars()
        imports = session.execute(
            select(ImportBatchRow).order_by(ImportBatchRow.created_at.desc()).limit(MAX_OPTIONS)
        ).scalars()
        agreements = session.execute(
            select(AgreementRow.id, AgreementRow.title)
            .where(AgreementRow.mediator_id == mediator_id)
            .order_by(AgreementRow.created_at.desc())
            .limit(MAX_OPTIONS)
        ).all()
        import_options = tuple(
            (
                b.id,
                f"{codes.get(b.party_id, '?')} · {b.registry_kind} · "
                f"{b.created_at:%Y-%m-%d %H:%M} · {b.rows}",
            )
            for b in imports
        )
    return FilterOptions(tuple(parties), import_options, tuple((a, t) for a, t in agreements))
