"""The review queue worked in bulk: confirm or reject, in one action, the pairs a mediator has looked at (a
page, a selection, or every strong match under a filter), each verdict recorded and logged as its own; and
the workload figures (what is open, what was decided today and by whom, how many actions remain).

A pair is decided only while it is as the mediator saw it; a filtered set only while it is the set the
mediator saw (the same pairs in the same states, named by a token), so nothing is decided unseen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from homebound.core.access import Actor
from homebound.core.errors import Conflict, FieldProblem, ValidationFailed
from homebound.core.matching.review import CandidateStatus, Verdict
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.assign import Decision
from homebound.services import matching
from homebound.services.review_queue import (
    DecisionFilter,
    QueueFilter,
    _load,
    _mediator,
    _state,
    _where,
)

# One action decides at most this many pairs: a filtered set larger than this is narrowed first.
MAX_BULK = 500
# The queue page's size in the browser: the workload counts one bulk action per page of strong matches.
PAGE_SIZE = 25
BULK_VERDICTS = (Verdict.CONFIRM, Verdict.REJECT)


@dataclass(frozen=True)
class BulkResult:
    """What one bulk action did: pairs recorded (each its own log entry), already decided, refused."""

    recorded: tuple[str, ...]
    already_decided: tuple[str, ...]
    refused: tuple[str, ...]  # a record of the pair is already confirmed in another pair


@dataclass(frozen=True)
class BulkSet:
    """The open pairs a filtered bulk action would decide, and the token naming them in their states."""

    candidate_ids: tuple[str, ...]
    token: str

    @property
    def count(self) -> int:
        return len(self.candidate_ids)


def _bulk_verdict(verdict: Verdict) -> Verdict:
    if verdict not in BULK_VERDICTS:
        raise ValidationFailed([FieldProblem("verdict", "invalid_value", "confirm or reject in bulk")])
    return verdict


def decide_seen(
    uows: UnitOfWorkFactory,
    actor: Actor,
    seen: Mapping[str, str | None],
    verdict: Verdict,
    note: str | None = None,
) -> BulkResult:
    """Decide each pair of ``seen`` (candidate id -> its review state as the mediator saw it, from
    `review_queue.review_state`; None: any open state) with one verdict, in one transaction.

    Each pair is its own savepoint and log entry: a pair decided meanwhile is skipped, a pair whose record is
    already confirmed elsewhere is refused, and the others are recorded.
    """
    _mediator(actor)
    chosen = _bulk_verdict(verdict)
    if len(seen) > MAX_BULK:
        raise ValidationFailed([FieldProblem("candidates", "too_many", f"at most {MAX_BULK} pairs at once")])
    recorded: list[str] = []
    skipped: list[str] = []
    refused: list[str] = []
    shared = uows.shared_transaction()
    try:
        for candidate_id, expected in seen.items():
            with shared.uows.writer() as uow:
                row = _load(uow.session, actor, candidate_id, lock=True)
                current = _state(row.status, row.reviewed_at)
                still_open = row.status in {s.value for s in _OPEN}
                uow.commit()
            if not still_open or (expected is not None and current != expected):
                skipped.append(candidate_id)
                continue
            try:
                matching.review_candidate(shared.uows, actor, candidate_id, chosen, note)
            except Conflict as exc:
                if exc.code not in ("match.taken", "match.decided"):
                    raise
                (refused if exc.code == "match.taken" else skipped).append(candidate_id)
            else:
                recorded.append(candidate_id)
    except BaseException:
        shared.rollback()
        raise
    shared.commit()
    return BulkResult(tuple(recorded), tuple(skipped), tuple(refused))


_OPEN = CandidateStatus.PENDING, CandidateStatus.NOT_SURE


def _set_filter(flt: QueueFilter, verdict: Verdict) -> QueueFilter:
    """The open pairs under the filter; a bulk confirmation covers strong matches only."""
    chosen = replace(flt, decision=DecisionFilter.OPEN)
    if verdict is Verdict.CONFIRM:
        if flt.band not in (None, Decision.MATCH.value):
            return replace(chosen, band="none")  # the review band is confirmed one pair at a time
        chosen = replace(chosen, band=Decision.MATCH.value)
    return chosen


def bulk_set(uows: UnitOfWorkFactory, actor: Actor, flt: QueueFilter, verdict: Verdict) -> BulkSet:
    """The pairs a bulk ``verdict`` on the filtered set would decide, in the queue's order."""
    mediator_id = _mediator(actor)
    chosen = _set_filter(flt, _bulk_verdict(verdict))
    c = MatchCandidateRow
    with uows.reader() as uow:
        where = _where(uow.session, mediator_id, chosen)
        rows = uow.session.execute(
            select(c.id, c.status, c.reviewed_at)
            .where(*where)
            .order_by(c.created_at.desc(), c.match_probability, c.id)
            .limit(MAX_BULK + 1)
        ).all()
    digest = hashlib.sha256(verdict.value.encode())
    for candidate_id, status, reviewed_at in rows:
        digest.update(f"\n{candidate_id} {_state(status, reviewed_at)}".encode())
    return BulkSet(tuple(r[0] for r in rows), digest.hexdigest())


def decide_set(
    uows: UnitOfWorkFactory,
    actor: Actor,
    flt: QueueFilter,
    verdict: Verdict,
    token: str,
    note: str | None = None,
) -> BulkResult:
    """Decide every pair of the filtered set, if it is still the set the mediator saw (``token``)."""
    found = bulk_set(uows, actor, flt, verdict)
    if found.count > MAX_BULK:
        message = f"more than {MAX_BULK} pairs under this filter: narrow it first"
        raise ValidationFailed([FieldProblem("filter", "too_many", message)])
    if found.token != token:
        raise Conflict(
            "the pairs under this filter changed since they were shown: look again",
            code="queue.changed",
            field="token",
        )
    return decide_seen(uows, actor, dict.fromkeys(found.candidate_ids), verdict, note)


@dataclass(frozen=True)
class ReviewerFigures:
    reviewer: str  # display name
    today: int
    total: int


@dataclass(frozen=True)
class Workload:
    """The human work the queue holds under a filter, and what was done."""

    open_match: int  # open strong matches: confirmed a page at a time
    open_review: int  # open pairs that need a look each
    decided_today: int
    decided_total: int
    reviewers: tuple[ReviewerFigures, ...]

    @property
    def open(self) -> int:
        return self.open_match + self.open_review

    @property
    def actions_left(self) -> int:
        """One bulk action per page of strong matches, one look per pair to review."""
        return -(-self.open_match // PAGE_SIZE) + self.open_review


def workload(
    uows: UnitOfWorkFactory, actor: Actor, flt: QueueFilter, *, now: dt.datetime | None = None
) -> Workload:
    """Open pairs by band, decisions today (UTC) and in all, per reviewer, under the filter's selection."""
    mediator_id = _mediator(actor)
    now = now or dt.datetime.now(dt.UTC)
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    c = MatchCandidateRow
    selection = flt.without_decision()
    with uows.reader() as uow:
        session = uow.session
        where = _where(session, mediator_id, selection)
        open_states = [s.value for s in _OPEN]
        by_band = dict(
            session.execute(
                select(c.band, func.count()).where(*where, c.status.in_(open_states)).group_by(c.band)
            ).all()
        )
        today = c.reviewed_at >= midnight
        rows = session.execute(
            select(c.reviewed_by, func.count(), func.count().filter(today))
            .where(*where, c.reviewed_at.is_not(None))
            .group_by(c.reviewed_by)
        ).all()
        names = dict(
            session.execute(
                select(UserRow.id, UserRow.display_name).where(UserRow.id.in_([r[0] for r in rows if r[0]]))
            ).all()
        )
    reviewers = tuple(
        sorted(
            (
                ReviewerFigures(names.get(user or "", "?"), int(on_day), int(total))
                for user, total, on_day in rows
            ),
            key=lambda r: (-r.today, -r.total, r.reviewer),
        )
    )
    return Workload(
        open_match=int(by_band.get(Decision.MATCH.value, 0)),
        open_review=int(by_band.get(Decision.REVIEW.value, 0)),
        decided_today=sum(r.today for r in reviewers),
        decided_total=sum(r.total for r in reviewers),
        reviewers=reviewers,
    )
