"""What the handover console reads: a tranche's lines with each person as both sides wrote them, grouped by
vehicle, searched and filtered one page at a time, and what is still missing against the manifest.

Read-side only: the outcomes themselves are recorded by services.handover (and services.handover_vehicles).
Personal fields come through services.registry's policy: a record the reader may not read is left out, never
guessed at. The registry has no photograph field, so the console shows none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from homebound.core.access import Actor
from homebound.db.exchange_tables import HandoverLineRow, IdentityConfirmationRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import handover, registry
from homebound.services.exchange_access import load_agreement_row
from homebound.services.handover import TrancheView
from homebound.services.registry import PersonView

PAGE_SIZE = 40  # a bus's worth: a 780-line tranche is read a vehicle (or a page) at a time
MAX_PAGE_SIZE = 200
NO_VEHICLE = "-"  # the filter value for lines not yet placed in a vehicle
NEXT_VEHICLE = "*"  # the first vehicle with people still to come (the first vehicle, or all lines, if none)
# Line states in which the person has not been settled one way or the other: still to come.
WAITING = frozenset({"pending", "substitute_proposed", "substitute_rejected"})


@dataclass(frozen=True)
class PersonCard:
    """One record as its own party wrote it: what the receiving side checks identity against."""

    person_id: str
    record_number: str  # the party's own record number (source_id), never our internal id
    name: str
    date_of_birth: str  # ISO with the precision known: 1994, 1994-03 or 1994-03-12; "" when unknown
    service_number: str
    unit: str
    rank: str

    def words(self) -> str:
        return " ".join((self.name, self.record_number, self.service_number)).casefold()


@dataclass(frozen=True)
class ConsoleLine:
    line: Mapping[str, Any]  # the line as services.handover documents it (state, substitute, history...)
    vehicle: str | None
    crossed_at: dt.datetime | None
    held: PersonCard | None  # as the releasing side wrote it (when the reader may read it)
    sought: PersonCard | None  # as the receiving side wrote it: its own sought record of that person
    substitute: PersonCard | None
    substitute_reference: str  # what was typed for a substitute no registry here knows

    @property
    def candidate_id(self) -> str:
        return str(self.line["candidate_id"])


@dataclass(frozen=True)
class VehicleSummary:
    vehicle: str | None  # None: lines not placed in a vehicle yet
    total: int
    waiting: int
    crossed: int


@dataclass(frozen=True)
class SideShortfall:
    """One releasing side of a tranche against its manifest: what crossed, what is still to come."""

    side: str
    planned: int
    received: int
    waiting: int
    not_coming: int  # settled without counting: refused, not delivered, rejected substitute left so


@dataclass(frozen=True)
class ConsoleFilter:
    query: str = ""
    state: str = ""
    side: str = ""
    vehicle: str | None = None  # None: every vehicle; NO_VEHICLE: lines not placed yet; or NEXT_VEHICLE
    offset: int = 0
    limit: int = PAGE_SIZE
    candidate_id: str = ""  # one line only (the console's answer to one recorded action)


@dataclass(frozen=True)
class ConsolePage:
    tranche: TrancheView
    vehicles: list[VehicleSummary]
    shortfall: list[SideShortfall]
    lines: list[ConsoleLine]
    matching: int  # lines that pass the filter, over every page
    filter: ConsoleFilter

    @property
    def complete(self) -> bool:
        """Every line settled: nobody is still expected at the crossing."""
        return all(s.waiting == 0 for s in self.shortfall)


def _card(view: PersonView) -> PersonCard:
    fields = view.fields
    name = " ".join(p for p in (fields.family_name, fields.given_name, fields.patronymic) if p)
    born = fields.date_of_birth.iso() if fields.date_of_birth else ""
    return PersonCard(
        view.id, view.source_id, name, born, fields.service_number or "", fields.unit or "", fields.rank or ""
    )


def _placement(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int
) -> tuple[dict[int, tuple[str | None, dt.datetime | None]], dict[str, str]]:
    """Vehicle and crossing time by line number, and the sought record each held record answers."""
    with uows.reader() as uow:
        row, _seat = load_agreement_row(uow.session, actor, agreement_id)
        placed = {
            line_no: (vehicle, crossed_at)
            for line_no, vehicle, crossed_at in uow.session.execute(
                select(HandoverLineRow.line_no, HandoverLineRow.vehicle, HandoverLineRow.crossed_at).where(
                    HandoverLineRow.agreement_id == row.id, HandoverLineRow.tranche_index == number - 1
                )
            ).all()
        }
        answers = {
            held: sought
            for held, sought in uow.session.execute(
                select(IdentityConfirmationRow.held_person_id, IdentityConfirmationRow.sought_person_id)
                .join(HandoverLineRow, HandoverLineRow.candidate_id == IdentityConfirmationRow.held_person_id)
                .where(
                    HandoverLineRow.agreement_id == row.id,
                    HandoverLineRow.tranche_index == number - 1,
                    IdentityConfirmationRow.sought_person_id.is_not(None),
                )
            ).all()
            if sought
        }
    return placed, answers


def _shortfall(lines: Sequence[Mapping[str, Any]]) -> list[SideShortfall]:
    result = []
    for side in ("a", "b"):
        mine = [line for line in lines if line["releasing_side"] == side]
        received = sum(1 for line in mine if line["counted"])
        waiting = sum(1 for line in mine if line["state"] in WAITING)
        result.append(SideShortfall(side, len(mine), received, waiting, len(mine) - received - waiting))
    return result


def _vehicles(
    lines: Sequence[Mapping[str, Any]], placed: Mapping[int, tuple[str | None, Any]]
) -> list[VehicleSummary]:
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for line in lines:
        groups.setdefault(placed.get(line["line_no"], (None, None))[0], []).append(line)
    ordered = sorted(groups, key=lambda v: (v is None, _natural(v or "")))
    return [
        VehicleSummary(
            vehicle,
            len(groups[vehicle]),
            sum(1 for line in groups[vehicle] if line["state"] in WAITING),
            sum(1 for line in groups[vehicle] if line["counted"]),
        )
        for vehicle in ordered
    ]


def _natural(label: str) -> tuple[Any, ...]:
    """Bus 2 before Bus 10."""
    parts: list[Any] = []
    digits = ""
    for char in label + " ":
        if char.isdigit() and char.isascii():
            digits += char
            continue
        if digits:
            parts.append((0, int(digits), ""))
            digits = ""
        parts.append((1, 0, char.casefold()))
    return tuple(parts)


def _cards(uows: UnitOfWorkFactory, actor: Actor, ids: Iterable[str]) -> dict[str, PersonCard]:
    return {
        person_id: _card(view) for person_id, view in registry.get_persons(uows, actor, list(ids)).items()
    }


def console_page(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int, flt: ConsoleFilter
) -> ConsolePage:
    """One page of a tranche's lines for the console, with the vehicle summaries and the shortfall."""
    tranche = handover.get_tranche(uows, actor, agreement_id, number)
    placed, answers = _placement(uows, actor, agreement_id, number)
    vehicles = _vehicles(tranche.lines, placed)
    vehicle = _next_vehicle(vehicles) if flt.vehicle == NEXT_VEHICLE else flt.vehicle
    chosen = [
        line
        for line in tranche.lines
        if (not flt.state or line["state"] == flt.state)
        and (not flt.side or line["releasing_side"] == flt.side)
        and (not flt.candidate_id or line["candidate_id"] == flt.candidate_id)
        and _in_vehicle(placed.get(line["line_no"], (None, None))[0], vehicle)
    ]
    query = " ".join(flt.query.split()).casefold()
    cards: dict[str, PersonCard] = {}
    if query:  # names are sealed at rest: the candidates' records are read, then searched here
        cards = _cards(uows, actor, _people(chosen, answers))
        chosen = [line for line in chosen if query in _words(line, answers, cards)]
    limit = max(1, min(flt.limit, MAX_PAGE_SIZE))
    offset = max(0, min(flt.offset, max(len(chosen) - 1, 0)))
    page = chosen[offset : offset + limit]
    if not query:
        cards = _cards(uows, actor, _people(page, answers))
    lines = [_console_line(line, placed, answers, cards) for line in page]
    return ConsolePage(
        tranche=tranche,
        vehicles=vehicles,
        shortfall=_shortfall(tranche.lines),
        lines=lines,
        matching=len(chosen),
        filter=ConsoleFilter(flt.query, flt.state, flt.side, vehicle, offset, limit, flt.candidate_id),
    )


def _next_vehicle(vehicles: Sequence[VehicleSummary]) -> str | None:
    """The first vehicle (in order, the unplaced last) with people still to come; else the first vehicle."""
    if all(v.vehicle is None for v in vehicles):
        return None
    waiting = next((v for v in vehicles if v.waiting), vehicles[0])
    return NO_VEHICLE if waiting.vehicle is None else waiting.vehicle


def _is_id(reference: str) -> bool:
    try:
        uuid.UUID(reference)
    except ValueError:
        return False
    return True


def _in_vehicle(vehicle: str | None, wanted: str | None) -> bool:
    if wanted is None:
        return True
    if wanted == NO_VEHICLE:
        return vehicle is None
    return vehicle == wanted


def _substitute_id(line: Mapping[str, Any]) -> str | None:
    substitute = line.get("substitute")
    return str(substitute["candidate_id"]) if substitute else None


def _people(lines: Iterable[Mapping[str, Any]], answers: Mapping[str, str]) -> list[str]:
    ids: list[str] = []
    for line in lines:
        ids.append(line["candidate_id"])
        if line["candidate_id"] in answers:
            ids.append(answers[line["candidate_id"]])
        substitute = _substitute_id(line)
        if substitute:
            ids.append(substitute)
    return ids


def _words(line: Mapping[str, Any], answers: Mapping[str, str], cards: Mapping[str, PersonCard]) -> str:
    words = [str(line["line_no"])]
    for person_id in (line["candidate_id"], answers.get(line["candidate_id"]), _substitute_id(line)):
        card = cards.get(person_id or "")
        if card is not None:
            words.append(card.words())
    return " ".join(words)


def _console_line(
    line: Mapping[str, Any],
    placed: Mapping[int, tuple[str | None, dt.datetime | None]],
    answers: Mapping[str, str],
    cards: Mapping[str, PersonCard],
) -> ConsoleLine:
    vehicle, crossed_at = placed.get(line["line_no"], (None, None))
    substitute_id = _substitute_id(line)
    substitute = cards.get(substitute_id) if substitute_id else None
    return ConsoleLine(
        line=line,
        vehicle=vehicle,
        crossed_at=crossed_at,
        held=cards.get(line["candidate_id"]),
        sought=cards.get(answers.get(line["candidate_id"], "")),
        substitute=substitute,
        # A reference typed for someone no registry here knows is shown as typed; an internal id never is.
        substitute_reference=""
        if substitute or not substitute_id or _is_id(substitute_id)
        else substitute_id,
    )
