"""The mediator's matching review queue: proposed pairs by band and decision, and one page per pair with the
two records side by side in their own scripts, the score taken apart as a waterfall of match weights, and
confirm / reject / not sure (keyboard: c / r / n; j / k or the arrow keys move along the queue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response

from homebound.core.errors import FieldProblem, PermissionDenied, ValidationFailed
from homebound.core.matching.normalize import normalize_name
from homebound.core.matching.review import OPEN, Verdict
from homebound.services import matching
from homebound.services import review_queue as queue_service
from homebound.services.review_queue import DecisionFilter, QueueFilter, Spellings
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE_SIZE = 25
QUEUE = "/mediator/review"

BAND_LABELS = {"match": N_("strong match"), "review": N_("needs review")}
DECISION_LABELS = {
    DecisionFilter.OPEN: N_("open (pending or not sure)"),
    DecisionFilter.PENDING: N_("pending"),
    DecisionFilter.NOT_SURE: N_("not sure"),
    DecisionFilter.CONFIRMED: N_("confirmed"),
    DecisionFilter.REJECTED: N_("rejected"),
    DecisionFilter.ALL: N_("any"),
}
STATUS_LABELS = {
    "pending": N_("pending"),
    "not_sure": N_("not sure"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
}
# What each comparison of the model looks at, in the order the records are shown.
COMPARISON_LABELS = {
    "family_name": N_("Family name"),
    "given_name": N_("Given name"),
    "patronymic": N_("Patronymic"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "service_number": N_("Service number"),
    "unit": N_("Unit"),
}
# The model's level labels (linkage.comparisons), as a reviewer reads them.
LEVEL_LABELS = {
    "missing": N_("missing on one side or both"),
    queue_service.LEVEL_ELSE: N_("different"),
    "same spelling": N_("same spelling"),
    "same skeleton": N_("same skeleton (spelling across scripts)"),
    queue_service.LEVEL_SKELETONS_SIMILAR: N_("skeletons similar"),
    queue_service.LEVEL_SKELETONS_CLOSE: N_("skeletons close"),
    "skeletons close": N_("skeletons close"),
    "same Daitch-Mokotoff code": N_("same sound code (Daitch-Mokotoff)"),
    "same name class": N_("the same name in another language or spelling"),
    "diminutive of the same name": N_("a diminutive of the same name"),
    "same patronymic class": N_("the same patronymic in another language or spelling"),
    "same father's name": N_("the same father's name"),
    "same date": N_("same date"),
    "day and month swapped": N_("day and month swapped"),
    "one digit off": N_("one digit off"),
    "partial date agrees": N_("the partial date agrees"),
    "same year only": N_("same year only"),
    "same sex": N_("same sex"),
    "same service number": N_("same service number"),
    "same digits": N_("same digits"),
    "same unit": N_("same unit"),
}
VERDICT_DONE = {
    "confirm": N_("Confirmed. The seeking party now sees its person as confirmed held by the other side."),
    "reject": N_("Rejected: recorded as two different people."),
    "not_sure": N_("Marked not sure: the pair stays open in the queue."),
    "already": N_("This pair had already been decided; nothing more was recorded."),
}


def _mediator_desk(visit: Visit) -> None:
    if visit.signed_in().actor.party_id is not None:
        raise PermissionDenied("the review queue is for members of a mediator organisation")


def _queue_filter(band: str, decision: str) -> QueueFilter:
    if band and band not in queue_service.BANDS:
        raise ValidationFailed([FieldProblem("band", "invalid_value", "not a band of the queue")])
    try:
        chosen = DecisionFilter(decision or DecisionFilter.OPEN.value)
    except ValueError:
        raise ValidationFailed([FieldProblem("decision", "invalid_value", "not a decision")]) from None
    return QueueFilter(band=band or None, decision=chosen)


def _query(flt: QueueFilter, **extra: Any) -> str:
    """The filter in a query string (never a name: only the band, the decision and a page number)."""
    query = {"band": flt.band or "", "decision": flt.decision.value, **extra}
    kept = {k: str(v) for k, v in query.items() if v not in ("", None)}
    return "?" + urlencode(kept) if kept else ""


def probability(value: float) -> str:
    """Four decimals; above 0.9999 say so rather than round a near-certainty up to 1."""
    return "> 0.9999" if value > 0.9999 else f"{value:.4f}"


def _age(created_at: dt.datetime, now: dt.datetime) -> tuple[int, str]:
    """How long a pair has waited, as (count, unit) for the template's plural forms."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    minutes = max(0, int((now - created_at).total_seconds() // 60))
    if minutes < 60:
        return minutes, "minutes"
    if minutes < 48 * 60:
        return minutes // 60, "hours"
    return minutes // (24 * 60), "days"


@router.get(QUEUE)
def queue_page(
    request: Request,
    uows: Uows,
    visit: CurrentVisit,
    band: Annotated[str, Query(max_length=16)] = "",
    decision: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    decided: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    _mediator_desk(visit)
    flt = _queue_filter(band, decision)
    actor = visit.signed_in().actor
    result = queue_service.read_queue(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, (result.total + PAGE_SIZE - 1) // PAGE_SIZE)
    now = dt.datetime.now(dt.UTC)
    return render(
        request,
        visit,
        "review/queue.html",
        flt=flt,
        result=result,
        rows=[(item, _age(item.created_at, now)) for item in result.items],
        page_no=page,
        pages=pages,
        prev_link=QUEUE + _query(flt, page=page - 1) if page > 1 else None,
        next_link=QUEUE + _query(flt, page=page + 1) if page < pages else None,
        context=_query(flt),
        bands=queue_service.BANDS,
        band_labels=BAND_LABELS,
        decision_labels=DECISION_LABELS,
        status_labels=STATUS_LABELS,
        done=VERDICT_DONE.get(decided),
        probability=probability,
    )


@dataclass(frozen=True)
class FieldRow:
    """One field of the two records side by side, and how the model compared it."""

    name: str
    label: str
    sought: str | None
    held: str | None
    sought_spellings: Spellings | None
    held_spellings: Spellings | None
    state: str  # same / close / different / missing
    level: str | None


def _field_rows(view: matching.CandidateView, sexes: dict[str, str]) -> list[FieldRow]:
    evidence = {e["comparison"]: e for e in view.explanation.get("evidence", [])}
    s, h = view.sought, view.held
    values: list[tuple[str, str | None, str | None, bool, bool]] = [
        ("family_name", s.family_name, h.family_name, True, False),
        ("given_name", s.given_name, h.given_name, True, True),
        ("patronymic", s.patronymic, h.patronymic, True, False),
        ("date_of_birth", s.date_of_birth, h.date_of_birth, False, False),
        ("sex", sexes.get(s.id), sexes.get(h.id), False, False),
        ("service_number", s.service_number, h.service_number, False, False),
        ("unit", s.unit, h.unit, False, False),
    ]
    rows = []
    for name, left, right, is_name, given in values:
        found = evidence.get(name)
        level = str(found["level"]) if found else None
        rows.append(
            FieldRow(
                name=name,
                label=COMPARISON_LABELS[name],
                sought=left if left and left != "unknown" else None,
                held=right if right and right != "unknown" else None,
                sought_spellings=queue_service.spellings(left, given=given) if is_name else None,
                held_spellings=queue_service.spellings(right, given=given) if is_name else None,
                state=_state(left, right, found),
                level=level,
            )
        )
    return rows


def _state(left: str | None, right: str | None, evidence: dict[str, Any] | None) -> str:
    known = [v for v in (left, right) if v and v != "unknown"]
    if len(known) < len((left, right)):
        return "missing"
    # A date normalises to nothing as a name does, so compare it as written: a swapped day and month is
    # "close" with its level, never "same".
    left_key, right_key = normalize_name(known[0]), normalize_name(known[1])
    if (left_key or right_key) and left_key == right_key:
        return "same"
    if not (left_key or right_key) and known[0].strip() == known[1].strip():
        return "same"
    if evidence is not None and float(evidence["match_weight"]) > 0:
        return "close"
    return "different"


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: where it starts and ends on the running total of match weight."""

    kind: str  # prior / evidence / total
    name: str
    level: str | None
    weight: float
    start: float
    end: float


def _waterfall(view: matching.CandidateView) -> list[Step]:
    prior = float(view.explanation.get("prior_weight", 0.0))
    steps = [Step("prior", "prior", None, prior, 0.0, prior)]
    running = prior
    for e in view.explanation.get("evidence", []):
        # The level's weight plus the rare-name weight it carries (pairs queued before issue 14 have none);
        # the level says which share it used: "same skeleton; name shared by 1 in 12,500 (+3.4)".
        weight = float(e["match_weight"]) + float(e.get("tf_adjustment") or 0.0)
        level = str(e["level"]) + (f"; {e['rarity']}" if e.get("rarity") else "")
        steps.append(Step("evidence", str(e["comparison"]), level, weight, running, running + weight))
        running += weight
    steps.append(Step("total", "total", None, view.match_weight, 0.0, view.match_weight))
    return steps


@router.get(QUEUE + "/{candidate_id}")
def candidate_page(
    request: Request,
    uows: Uows,
    visit: CurrentVisit,
    candidate_id: str,
    band: Annotated[str, Query(max_length=16)] = "",
    decision: Annotated[str, Query(max_length=16)] = "",
    decided: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    _mediator_desk(visit)
    actor = visit.signed_in().actor
    flt = _queue_filter(band, decision)
    view = matching.get_candidate(uows, actor, candidate_id)
    near = queue_service.neighbours(uows, actor, candidate_id, flt)
    context = _query(flt)
    return render(
        request,
        visit,
        "review/candidate.html",
        view=view,
        flt=flt,
        context=context,
        rows=_field_rows(view, queue_service.sexes(uows, actor, view)),
        steps=_waterfall(view),
        is_open=view.status in OPEN,
        seen=queue_service.review_state(view),
        prev_link=f"{QUEUE}/{near.previous}{context}" if near.previous else None,
        next_link=f"{QUEUE}/{near.next}{context}" if near.next else None,
        band_labels=BAND_LABELS,
        status_labels=STATUS_LABELS,
        comparison_labels=COMPARISON_LABELS,
        level_labels=LEVEL_LABELS,
        done=VERDICT_DONE.get(decided),
        probability=probability,
        back=f"{QUEUE}/{view.id}{context}",
    )


@router.post(QUEUE + "/{candidate_id}")
def review(
    uows: Uows,
    visit: PostedVisit,
    candidate_id: str,
    verdict: Annotated[str, Form(max_length=16)] = "",
    seen: Annotated[str, Form(max_length=80)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    band: Annotated[str, Form(max_length=16)] = "",
    decision: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Record the verdict (once, however often the form arrives), then go on to the next open pair."""
    _mediator_desk(visit)
    actor = visit.signed_in().actor
    flt = _queue_filter(band, decision)
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise ValidationFailed(
            [FieldProblem("verdict", "invalid_value", "confirm, reject or not sure")]
        ) from None
    outcome = queue_service.decide(uows, actor, candidate_id, chosen, seen, note.strip() or None)
    done = chosen.value if outcome is queue_service.Outcome.RECORDED else "already"
    following = queue_service.next_open(uows, actor, candidate_id, flt.band)
    if following is None:
        return redirect(visit, QUEUE + _query(flt, decided=done))
    return redirect(visit, f"{QUEUE}/{following}" + _query(flt, decided=done))
