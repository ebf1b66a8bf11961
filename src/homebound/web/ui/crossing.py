"""The handover console at the crossing: the current tranche's manifest, one form per person and action,
the live balance against the formula, and closing the tranche."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import DomainError, NotFound, ValidationFailed
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.handover import LineAction, LineState, Substitute, ThirdPartyCustody
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.services import accounts, handover
from homebound.services import agreement_views as views
from homebound.services import handover_console as console
from homebound.services.handover import LINE_ACTORS, LineCommand, Seat
from homebound.services.sign_in import ReauthenticationFailed
from homebound.web.deps import Throttle, Uows
from homebound.web.ui.binding import binding_proof, reauthentication_errors
from homebound.web.ui.render import UiRoute, is_htmx, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)

# What each line can still become, per state; the console offers a button only when the seat may press it.
OPEN_ACTIONS: dict[str, tuple[LineAction, ...]] = {
    LineState.PENDING: (
        LineAction.DELIVER,
        LineAction.BRING_SUBSTITUTE,
        LineAction.REFUSE,
        LineAction.NOT_DELIVER,
        LineAction.HAND_TO_THIRD_PARTY,
    ),
    LineState.SUBSTITUTE_PROPOSED: (LineAction.ACCEPT_SUBSTITUTE, LineAction.REJECT_SUBSTITUTE),
    LineState.SUBSTITUTE_REJECTED: (
        LineAction.DELIVER,
        LineAction.BRING_SUBSTITUTE,
        LineAction.REFUSE,
        LineAction.NOT_DELIVER,
        LineAction.HAND_TO_THIRD_PARTY,
    ),
    # A place left by a refusal or a non-delivery may still be filled by a substitute the receiver accepts.
    LineState.REFUSED: (LineAction.BRING_SUBSTITUTE,),
    LineState.NOT_DELIVERED: (LineAction.BRING_SUBSTITUTE,),
}
REMAINS_STATUSES = tuple(s.value for s in IdentificationStatus)


def _line_seat(agreement: views.AgreementView, releasing_side: str) -> Seat:
    if agreement.seat == "mediator":
        return Seat.MEDIATOR
    own = "a" if agreement.seat == "party_a" else "b"
    return Seat.RELEASING if own == releasing_side else Seat.RECEIVING


def _records(actor: Actor) -> bool:
    return can(actor, Permission.ANY_HANDOVER_RECORD) or can(actor, Permission.PARTY_HANDOVER_RECORD)


def _actions(
    agreement: views.AgreementView, actor: Actor, line: Mapping[str, Any], closed: bool
) -> list[str]:
    offered: tuple[LineAction, ...] = ()
    if _records(actor) and not closed:
        seat = _line_seat(agreement, line["releasing_side"])
        offered = tuple(a for a in OPEN_ACTIONS.get(line["state"], ()) if seat in LINE_ACTORS[a])
    return [a.value for a in offered]


@dataclass(frozen=True)
class ConsoleQuery:
    """The console's address: which tranche, and the search, filters and page the reader chose."""

    tranche: int | None = None
    q: str = ""
    state: str = ""
    side: str = ""
    vehicle: str | None = None
    offset: int = 0

    def filter(self) -> console.ConsoleFilter:
        vehicle = self.vehicle
        if vehicle is None and not (self.q or self.state or self.side):
            vehicle = console.NEXT_VEHICLE  # unsearched, a tranche is read a vehicle at a time
        return console.ConsoleFilter(self.q, self.state, self.side, vehicle or None, self.offset)


def _console_context(
    uows: Uows, visit: Visit, agreement_id: str, query: ConsoleQuery, *, candidate_id: str = ""
) -> dict[str, Any]:
    actor = visit.signed_in().actor
    agreement = views.get_agreement(uows, actor, agreement_id)
    tranches = handover.list_tranches(uows, actor, agreement_id)
    number = query.tranche
    if number is None:
        number = next(
            (t.number for t in tranches if t.state != "closed"), tranches[-1].number if tranches else 1
        )
    flt = console.ConsoleFilter(candidate_id=candidate_id) if candidate_id else query.filter()
    page = console.console_page(uows, actor, agreement_id, number, flt)
    tranche = page.tranche
    closed = tranche.state == "closed"
    actions = {entry.candidate_id: _actions(agreement, actor, entry.line, closed) for entry in page.lines}
    return {
        "agreement": agreement,
        "tranches": tranches,
        "tranche": tranche,
        "console": page,
        "parties": _party_names(uows, visit, agreement),
        "pages": _pages(agreement_id, page),
        "lines": page.lines,
        "actions": actions,
        "query": query,
        "no_vehicle": console.NO_VEHICLE,
        "line_states": [s.value for s in LineState],
        "may_close": can(actor, Permission.ANY_HANDOVER_RECORD) and not closed,
        "may_place": _records(actor) and not closed,
        # A party places only the people it releases; the mediator anyone (None).
        "placer_side": _own_side(agreement),
        "may_deliver_bus": _records(actor) and not closed and _delivers(agreement, page.lines),
        # Remains: the mediator records batches while the tranche is open, identification also afterwards.
        "may_record_remains": can(actor, Permission.ANY_HANDOVER_RECORD),
        "remains_statuses": REMAINS_STATUSES,
        "second_factor": bool(visit.user and visit.user.second_factor),
        "errors": {},
        "back": f"/agreements/{agreement_id}",
    }


def _own_side(agreement: views.AgreementView) -> str | None:
    """The reader's side of the agreement ("a" or "b"); None for the mediator."""
    if agreement.seat == "mediator":
        return None
    return "a" if agreement.seat == "party_a" else "b"


def _party_names(uows: Uows, visit: Visit, agreement: views.AgreementView) -> dict[str, str]:
    """Each side's organisation by its name in the reader's language (its code where it has no name)."""
    named = {org.code: visit.t.organisation(org.name, org.names) for org in accounts.list_organisations(uows)}
    return {
        "a": named.get(agreement.party_a, agreement.party_a),
        "b": named.get(agreement.party_b, agreement.party_b),
    }


def _pages(agreement_id: str, page: console.ConsolePage) -> dict[str, str]:
    """The previous and next pages' addresses, keeping the search, filters and vehicle."""
    f = page.filter
    params = {"tranche": page.tranche.number, "q": f.query, "state": f.state, "side": f.side}
    params |= {"vehicle": f.vehicle or ""}

    def at(offset: int) -> str:
        return f"/agreements/{agreement_id}/handover?{urlencode(params | {'offset': offset})}"

    return {
        "prev": at(max(0, f.offset - f.limit)) if f.offset > 0 else "",
        "next": at(f.offset + f.limit) if f.offset + f.limit < page.matching else "",
    }


def _delivers(agreement: views.AgreementView, lines: list[console.ConsoleLine]) -> bool:
    """The reader's seat may record deliveries on at least one line shown (the whole-bus action)."""
    return any(
        _line_seat(agreement, entry.line["releasing_side"]) in LINE_ACTORS[LineAction.DELIVER]
        for entry in lines
    )


@router.get("/agreements/{agreement_id}/handover")
def console_page(
    request: Request,
    uows: Uows,
    visit: CurrentVisit,
    agreement_id: str,
    tranche: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    q: Annotated[str, Query(max_length=100)] = "",
    state: Annotated[LineState | Literal[""], Query()] = "",
    side: Annotated[Literal["a", "b", ""], Query()] = "",
    vehicle: Annotated[str | None, Query(max_length=32)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    query = ConsoleQuery(tranche, q.strip(), str(state), side, vehicle, offset)
    context = _console_context(uows, visit, agreement_id, query)
    return render(request, visit, "exchange/handover.html", **context)


@dataclass(frozen=True)
class LineForm:
    """What one button's form sends, besides the action: only the fields that action asks for."""

    substitute_id: str = ""
    description: str = ""
    reason: str = ""
    stays_with: str = ""
    custodian: str = ""
    conditions: str = ""

    def command(self, action: LineAction, candidate_id: str) -> LineCommand:
        sub = self.substitute_id.strip()
        substitute = Substitute(sub, description=self.description.strip()) if sub else None
        custody = None
        if action is LineAction.HAND_TO_THIRD_PARTY:
            custody = ThirdPartyCustody(self.custodian.strip(), self.conditions.strip())
        return LineCommand(
            action,
            candidate_id,
            substitute=substitute,
            reason=self.reason.strip(),
            stays_with=self.stays_with.strip(),
            custody=custody,
        )


@router.post("/agreements/{agreement_id}/handover/{number}/lines/{candidate_id}")
def record_line(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    candidate_id: str,
    action: Annotated[LineAction, Form()],
    substitute_id: Annotated[str, Form(max_length=64)] = "",
    description: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    stays_with: Annotated[str, Form(max_length=200)] = "",
    custodian: Annotated[str, Form(max_length=200)] = "",
    conditions: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    actor = visit.signed_in().actor
    substitute_id = _record_id(uows, actor, agreement_id, substitute_id)
    form = LineForm(substitute_id, description, reason, stays_with, custodian, conditions)
    problem = ""
    try:
        handover.record_lines(uows, actor, agreement_id, number, [form.command(action, candidate_id)])
    except DomainError as exc:
        if not is_htmx(request):
            raise
        problem = exc.message  # htmx swaps only what it is given: the line comes back as it is, with why
    if not is_htmx(request):
        return redirect(visit, f"/agreements/{agreement_id}/handover?tranche={number}")
    context = _console_context(uows, visit, agreement_id, ConsoleQuery(number), candidate_id=candidate_id)
    line = next((line for line in context["lines"] if line.candidate_id == candidate_id), None)
    if line is None:
        raise NotFound("no such line in this tranche", field="candidate_id")
    return render(request, visit, "exchange/_line_swap.html", line=line, line_error=problem, **context)


def _record_id(uows: Uows, actor: Actor, agreement_id: str, reference: str) -> str:
    """A substitute named by the record number in the registry becomes that record's ID; someone no registry
    here knows (or the reader may not see) stays as typed, and the substitution records them so."""
    if not reference.strip():
        return ""
    try:
        person_id, _side = views.find_held_record(uows, actor, agreement_id, reference, field="substitute_id")
    except ValidationFailed:
        return reference.strip()
    return person_id


@router.post("/agreements/{agreement_id}/handover/{number}/remains")
def receive_remains(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    releasing_side: Annotated[Side, Form()],
    count: Annotated[int, Form(ge=1, le=1_000_000)],
    status: Annotated[IdentificationStatus, Form()] = IdentificationStatus.PENDING_DNA,
    batch_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A batch of remains (bodies) handed over: counted per side, outside parity unless the terms say so."""
    actor = visit.signed_in().actor
    if not batch_id.strip():
        known = handover.get_tranche(uows, actor, agreement_id, number).remains
        batch_id = f"T{number}-R{len(known) + 1}"
    try:
        batch = RemainsBatch(batch_id.strip(), releasing_side, count, status, note.strip())
        handover.receive_remains(uows, actor, agreement_id, number, batch)
    except DomainError as exc:
        if not is_htmx(request):
            raise
        return _remains_answer(request, uows, visit, agreement_id, number, problem=exc.message)
    return _remains_answer(request, uows, visit, agreement_id, number)


@router.post("/agreements/{agreement_id}/handover/{number}/remains/{batch_id}/identify")
def identify_remains(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    batch_id: str,
    status: Annotated[IdentificationStatus, Form()],
) -> Response:
    actor = visit.signed_in().actor
    try:
        handover.identify_remains(uows, actor, agreement_id, number, batch_id, status)
    except DomainError as exc:
        if not is_htmx(request):
            raise
        return _remains_answer(request, uows, visit, agreement_id, number, problem=exc.message)
    return _remains_answer(request, uows, visit, agreement_id, number)


def _remains_answer(
    request: Request, uows: Uows, visit: Visit, agreement_id: str, number: int, *, problem: str = ""
) -> Response:
    if not is_htmx(request):
        return redirect(visit, f"/agreements/{agreement_id}/handover?tranche={number}")
    context = _console_context(uows, visit, agreement_id, ConsoleQuery(number))
    return render(request, visit, "exchange/_remains_swap.html", remains_error=problem, **context)


@router.post("/agreements/{agreement_id}/handover/{number}/close")
def close(
    request: Request,
    uows: Uows,
    throttle: Throttle,
    visit: PostedVisit,
    agreement_id: str,
    number: int,
    password: Annotated[str, Form(max_length=200)] = "",
    totp_code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Binding like an acceptance: the mediator re-enters the password (and code) to close the tranche."""
    actor = visit.signed_in().actor
    proof = binding_proof(password, totp_code)
    try:
        handover.close_tranche(uows, actor, agreement_id, number, proof, throttle=throttle)
    except ReauthenticationFailed:
        context = _console_context(uows, visit, agreement_id, ConsoleQuery(number))
        context["errors"] = reauthentication_errors(visit.t)
        return render(request, visit, "exchange/handover.html", status=403, **context)
    return redirect(visit, f"/agreements/{agreement_id}/handover?tranche={number}")
