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
from homebound.core.matching.review import OPEN, Verdict
from homebound.services import matching
from homebound.services import review_bulk as bulk_service
from homebound.services import review_queue as queue_service
from homebound.services.review_queue import DecisionFilter, QueueFilter, Spellings
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE_SIZE = bulk_service.PAGE_SIZE  # the workload figures count one bulk action per page
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
CATEGORY_LABELS = {
    "pow": N_("prisoner of war"),
    "civilian_internee": N_("civilian internee"),
    "remains": N_("remains"),
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


def _queue_filter(
    band: str,
    decision: str,
    party: str = "",
    import_batch: str = "",
    agreement: str = "",
    category: str = "",
) -> QueueFilter:
    if band and band not in queue_service.BANDS:
        raise ValidationFailed([FieldProblem("band", "invalid_value", "not a band of the queue")])
    try:
        chosen = DecisionFilter(decision or DecisionFilter.OPEN.value)
    except ValueError:
        raise ValidationFailed([FieldProblem("decision", "invalid_value", "not a decision")]) from None
    if category and category not in CATEGORY_LABELS:
        raise ValidationFailed([FieldProblem("category", "invalid_value", "not a category")])
    return QueueFilter(
        band=band or None,
        decision=chosen,
        party=party or None,
        import_batch=import_batch or None,
        agreement=agreement or None,
        category=category or None,
    )


def _query(flt: QueueFilter, **extra: Any) -> str:
    """The filter in a query string (never a name: band, decision, ids and codes, a page number)."""
    query = {
        "band": flt.band or "",
        "decision": flt.decision.value,
        "party": flt.party or "",
        "import_batch": flt.import_batch or "",
        "agreement": flt.agreement or "",
        "category": flt.category or "",
        **extra,
    }
    kept = {k: str(v) for k, v in query.items() if v not in ("", None)}
    return "?" + urlencode(kept) if kept else ""


# The filters' query parameters, as every queue route reads them.
Band = Annotated[str, Query(max_length=16)]
DecisionParam = Annotated[str, Query(max_length=16)]
PartyParam = Annotated[str, Query(max_length=32)]
IdParam = Annotated[str, Query(max_length=36)]
CategoryParam = Annotated[str, Query(max_length=24)]


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
    band: Band = "",
    decision: DecisionParam = "",
    party: PartyParam = "",
    import_batch: IdParam = "",
    agreement: IdParam = "",
    category: CategoryParam = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    decided: Annotated[str, Query(max_length=16)] = "",
    recorded: Annotated[int, Query(ge=0, le=bulk_service.MAX_BULK)] = 0,
    skipped: Annotated[int, Query(ge=0, le=bulk_service.MAX_BULK)] = 0,
    refused: Annotated[int, Query(ge=0, le=bulk_service.MAX_BULK)] = 0,
) -> Response:
    _mediator_desk(visit)
    flt = _queue_filter(band, decision, party, import_batch, agreement, category)
    actor = visit.signed_in().actor
    result = queue_service.read_queue(uows, actor, flt, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, (result.total + PAGE_SIZE - 1) // PAGE_SIZE)
    now = dt.datetime.now(dt.UTC)
    open_items = [i for i in result.items if i.status in OPEN]
    return render(
        request,
        visit,
        "review/queue.html",
        flt=flt,
        result=result,
        rows=[(item, _age(item.created_at, now)) for item in result.items],
        page_strong=[i for i in open_items if i.band == "match"],
        open_ids={i.id for i in open_items},
        filtered_set=bulk_service.bulk_set(uows, actor, flt, Verdict.CONFIRM),
        max_bulk=bulk_service.MAX_BULK,
        workload=bulk_service.workload(uows, actor, flt),
        options=queue_service.filter_options(uows, actor),
        page_no=page,
        pages=pages,
        prev_link=QUEUE + _query(flt, page=page - 1) if page > 1 else None,
        next_link=QUEUE + _query(flt, page=page + 1) if page < pages else None,
        context=_query(flt),
        bands=queue_service.BANDS,
        band_labels=BAND_LABELS,
        decision_labels=DECISION_LABELS,
        status_labels=STATUS_LABELS,
        category_labels=CATEGORY_LABELS,
        field_labels=COMPARISON_LABELS,
        done=VERDICT_DONE.get(decided),
        bulk_done=(recorded, skipped, refused) if decided == "bulk" else None,
        probability=probability,
    )


@router.post(QUEUE + "-bulk")
async def bulk_review(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    verdict: Annotated[str, Form(max_length=16)] = "",
    scope: Annotated[str, Form(max_length=16)] = "",
    token: Annotated[str, Form(max_length=64)] = "",
    band: Annotated[str, Form(max_length=16)] = "",
    decision: Annotated[str, Form(max_length=16)] = "",
    party: Annotated[str, Form(max_length=32)] = "",
    import_batch: Annotated[str, Form(max_length=36)] = "",
    agreement: Annotated[str, Form(max_length=36)] = "",
    category: Annotated[str, Form(max_length=24)] = "",
    page: Annotated[int, Form(ge=1, le=1_000_000)] = 1,
) -> Response:
    """One verdict on the pairs the mediator looked at: those ticked, the page's strong matches, or every
    strong match under the filter (only while it is the set shown). Each verdict is its own log entry."""
    _mediator_desk(visit)
    actor = visit.signed_in().actor
    flt = _queue_filter(band, decision, party, import_batch, agreement, category)
    if verdict not in ("confirm", "reject"):
        raise ValidationFailed([FieldProblem("verdict", "invalid_value", "confirm or reject")])
    chosen = Verdict(verdict)
    if scope == "filter":
        result = bulk_service.decide_set(uows, actor, flt, chosen, token)
    elif scope in ("page", "selected"):
        form = await request.form()
        seen = _seen_pairs([str(v) for v in form.getlist("pair")])
        if not seen:
            raise ValidationFailed([FieldProblem("pair", "required", "tick at least one pair")])
        result = bulk_service.decide_seen(uows, actor, seen, chosen)
    else:
        raise ValidationFailed([FieldProblem("scope", "invalid_value", "page, selected or filter")])
    counts = {
        "decided": "bulk",
        "recorded": len(result.recorded),
        "skipped": len(result.already_decided),
        "refused": len(result.refused),
    }
    return redirect(visit, QUEUE + _query(flt, page=page, **counts))


def _seen_pairs(values: list[str]) -> dict[str, str | None]:
    """'<candidate id> <review state>' per ticked pair, as the page wrote them; at most MAX_BULK."""
    if len(values) > bulk_service.MAX_BULK:
        raise ValidationFailed([FieldProblem("pair", "too_many", "too many pairs at once")])
    seen: dict[str, str | None] = {}
    for value in values:
        candidate_id, _, state = value.partition(" ")
        if not candidate_id or len(candidate_id) > 36 or len(state) > 80:
            raise ValidationFailed([FieldProblem("pair", "invalid_value", "not a pair of the queue")])
        seen[candidate_id] = state or None
    return seen


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
    # A date normalises to nothing as a name does, so it is compared as written: a swapped day and month
    # is "close" with its level, never "same" (as on the queue's lines).
    weight = float(evidence["match_weight"]) if evidence is not None else None
    return queue_service.compare_written(left, right, weight)


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
    band: Band = "",
    decision: DecisionParam = "",
    party: PartyParam = "",
    import_batch: IdParam = "",
    agreement: IdParam = "",
    category: CategoryParam = "",
    decided: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    _mediator_desk(visit)
    actor = visit.signed_in().actor
    flt = _queue_filter(band, decision, party, import_batch, agreement, category)
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
    party: Annotated[str, Form(max_length=32)] = "",
    import_batch: Annotated[str, Form(max_length=36)] = "",
    agreement: Annotated[str, Form(max_length=36)] = "",
    category: Annotated[str, Form(max_length=24)] = "",
) -> Response:
    """Record the verdict (once, however often the form arrives), then go on to the next open pair."""
    _mediator_desk(visit)
    actor = visit.signed_in().actor
    flt = _queue_filter(band, decision, party, import_batch, agreement, category)
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise ValidationFailed(
            [FieldProblem("verdict", "invalid_value", "confirm, reject or not sure")]
        ) from None
    outcome = queue_service.decide(uows, actor, candidate_id, chosen, seen, note.strip() or None)
    done = chosen.value if outcome is queue_service.Outcome.RECORDED else "already"
    following = queue_service.next_open(uows, actor, candidate_id, within=flt)
    if following is None:
        return redirect(visit, QUEUE + _query(flt, decided=done))
    return redirect(visit, f"{QUEUE}/{following}" + _query(flt, decided=done))
