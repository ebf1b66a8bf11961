"""The handover console at the crossing: the current tranche's manifest, one form per person and action,
the live balance against the formula, and closing the tranche."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.exchange.handover import LineAction, LineState, Substitute
from homebound.services import agreement_views as views
from homebound.services import handover
from homebound.services.handover import LINE_ACTORS, LineCommand, Seat
from homebound.web.deps import Uows
from homebound.web.ui.exchange import person_labels
from homebound.web.ui.render import UiRoute, is_htmx, redirect, render
from homebound.web.ui.session import CurrentVisit, PostedVisit

router = APIRouter(route_class=UiRoute, include_in_schema=False)

# What each line can still become, per state; the console offers a button only when the seat may press it.
OPEN_ACTIONS: dict[str, tuple[LineAction, ...]] = {
    LineState.PENDING: (
        LineAction.DELIVER,
        LineAction.BRING_SUBSTITUTE,
        LineAction.REFUSE,
        LineAction.NOT_DELIVER,
    ),
    LineState.SUBSTITUTE_PROPOSED: (LineAction.ACCEPT_SUBSTITUTE, LineAction.REJECT_SUBSTITUTE),
    LineState.SUBSTITUTE_REJECTED: (LineAction.DELIVER, LineAction.BRING_SUBSTITUTE, LineAction.NOT_DELIVER),
}


def _line_seat(agreement: views.AgreementView, releasing_side: str) -> Seat:
    if agreement.seat == "mediator":
        return Seat.MEDIATOR
    own = "a" if agreement.seat == "party_a" else "b"
    return Seat.RELEASING if own == releasing_side else Seat.RECEIVING


def _records(actor: Actor) -> bool:
    return can(actor, Permission.ANY_HANDOVER_RECORD) or can(actor, Permission.PARTY_HANDOVER_RECORD)


def _with_actions(
    agreement: views.AgreementView, actor: Actor, line: dict[str, Any], closed: bool
) -> dict[str, Any]:
    offered: tuple[LineAction, ...] = ()
    if _records(actor) and not closed:
        seat = _line_seat(agreement, line["releasing_side"])
        offered = tuple(a for a in OPEN_ACTIONS.get(line["state"], ()) if seat in LINE_ACTORS[a])
    return {**line, "actions": [a.value for a in offered]}


def _console_context(uows: Uows, actor: Actor, agreement_id: str, number: int | None) -> dict[str, Any]:
    agreement = views.get_agreement(uows, actor, agreement_id)
    tranches = handover.list_tranches(uows, actor, agreement_id)
    if number is None:
        number = next(
            (t.number for t in tranches if t.state != "closed"), tranches[-1].number if tranches else 1
        )
    tranche = handover.get_tranche(uows, actor, agreement_id, number)
    closed = tranche.state == "closed"
    lines = [_with_actions(agreement, actor, line, closed) for line in tranche.lines]
    ids = [line["candidate_id"] for line in lines]
    ids += [line["substitute"]["candidate_id"] for line in lines if line.get("substitute")]
    return {
        "agreement": agreement,
        "tranches": tranches,
        "tranche": tranche,
        "lines": lines,
        "names": person_labels(uows, actor, ids),
        "may_close": can(actor, Permission.ANY_HANDOVER_RECORD) and not closed,
        "back": f"/agreements/{agreement_id}",
    }


@router.get("/agreements/{agreement_id}/handover")
def console(
    request: Request, uows: Uows, visit: CurrentVisit, agreement_id: str, tranche: int | None = None
) -> Response:
    actor = visit.signed_in().actor
    context = _console_context(uows, actor, agreement_id, tranche)
    return render(request, visit, "exchange/handover.html", **context)


def _command(
    action: LineAction, candidate_id: str, substitute_id: str, description: str, reason: str, stays_with: str
) -> LineCommand:
    substitute = (
        Substitute(substitute_id.strip(), description=description.strip()) if substitute_id.strip() else None
    )
    return LineCommand(
        action, candidate_id, substitute=substitute, reason=reason.strip(), stays_with=stays_with.strip()
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
) -> Response:
    actor = visit.signed_in().actor
    command = _command(action, candidate_id, substitute_id, description, reason, stays_with)
    handover.record_lines(uows, actor, agreement_id, number, [command])
    if not is_htmx(request):
        return redirect(visit, f"/agreements/{agreement_id}/handover?tranche={number}")
    context = _console_context(uows, actor, agreement_id, number)
    line = next(line for line in context["lines"] if line["candidate_id"] == candidate_id)
    return render(request, visit, "exchange/_line_swap.html", line=line, **context)


@router.post("/agreements/{agreement_id}/handover/{number}/close")
def close(uows: Uows, visit: PostedVisit, agreement_id: str, number: int) -> Response:
    handover.close_tranche(uows, visit.signed_in().actor, agreement_id, number)
    return redirect(visit, f"/agreements/{agreement_id}/handover?tranche={number}")
