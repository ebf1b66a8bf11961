"""Documents of an agreement: the handover act of a tranche and the agreed lists, as the reader's seat sees
them (names the reader may read; anyone else stays a record ID, as on the pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import FieldProblem, NotFound, ValidationFailed
from homebound.core.exchange.agreement import Role
from homebound.core.exchange.documents import balance_to_document
from homebound.core.exchange.handover import ManifestLine
from homebound.core.log.entries import ActionTag
from homebound.core.paper import DocumentKind, Paper
from homebound.db.exchange_tables import (
    AgreementRow,
    AgreementVersionRow,
    HandoverLineRow,
    HandoverTrancheRow,
)
from homebound.db.handover_store import load_tranche
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.agreement_views import visible
from homebound.services.candidates import identities
from homebound.services.documents.people import (
    brief,
    latest_log_entries,
    organisation_codes,
    organisation_names,
    readable_persons,
)
from homebound.services.exchange_access import load_agreement_row

SIDES = ("a", "b")


def _agreement(session: Session, row: AgreementRow, seat: Role) -> dict[str, Any]:
    codes, names = organisation_codes(session), organisation_names(session)

    def party(org_id: str) -> dict[str, str]:
        return {"code": codes.get(org_id, ""), "name": names.get(org_id, "")}

    return {
        "id": row.id,
        "title": row.title,
        "venue": row.venue,
        "party_a": party(row.party_a_id),
        "party_b": party(row.party_b_id),
        "mediator": party(row.mediator_id),
        "concluded_version": row.concluded_version,
        "content_hash": row.content_hash,
        "seat": seat.value,
    }


class _People:
    """Identity of the persons on a document: the record as its holder wrote it, the other side's spelling
    (the sought record it answers) beside it when the reader may read both."""

    def __init__(self, session: Session, actor: Actor, ids: Sequence[str]) -> None:
        self.codes = organisation_codes(session)
        self.rows: dict[str, PersonRow] = readable_persons(session, actor, ids)
        confirmed = identities(session, list(self.rows))
        answers = {held: c.sought_person_id for held, c in confirmed.items() if c.sought_person_id}
        sought = readable_persons(session, actor, list(answers.values()))
        self.answers = {held: sought[s] for held, s in answers.items() if s in sought}

    def of(self, person_id: str) -> dict[str, Any]:
        shown = brief(self.rows.get(person_id), self.codes) or {"id": person_id}
        other = brief(self.answers.get(person_id), self.codes)
        shown["other_spelling"] = (
            None
            if other is None
            else {k: other[k] for k in ("record_number", "party", "family_name", "given_name", "patronymic")}
        )
        return shown


def _line(line: ManifestLine, people: _People, anchor: tuple[int, str, str] | None) -> dict[str, Any]:
    last = line.history[-1] if line.history else None
    substitute = line.substitute
    return {
        "line_no": line.line_no,
        "releasing_side": line.releasing_side.value,
        "rank_class": line.rank_class,
        "basis": line.basis.value,
        "state": line.state.value,
        "refused": line.refused,
        "person": people.of(line.candidate_id),
        "substitute": None
        if substitute is None
        else {
            "person": people.of(substitute.candidate_id),
            "rank_class": substitute.rank_class,
            "description": substitute.description,
        },
        "third_party": None
        if line.third_party is None
        else {"custodian": line.third_party.custodian, "conditions": line.third_party.conditions},
        "recorded_by": None if last is None else last.by,
        "detail": None if last is None else last.detail,
        "recorded": None if anchor is None else {"seq": anchor[0], "time": anchor[1]},
    }


def _close_entry(session: Session, row: AgreementRow, closed_at: dt.datetime | None) -> dict[str, Any] | None:
    """The log entry that closed the tranche: of the agreement's closing entries, the one written with it."""
    if closed_at is None:
        return None
    entries = session.execute(
        select(LogEntryRow.seq, LogEntryRow.time, LogEntryRow.entry_hash).where(
            LogEntryRow.object_type == "agreement",
            LogEntryRow.object_id == row.id,
            LogEntryRow.tag == ActionTag.TRANCHE_CLOSE.value,
        )
    ).all()
    closed = closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=dt.UTC)

    def distance(time: str) -> float:
        return abs((dt.datetime.fromisoformat(time.replace("Z", "+00:00")) - closed).total_seconds())

    best = min(entries, key=lambda e: distance(e[1]), default=None)
    if best is None:
        return None
    return {"seq": best[0], "time": best[1], "entry_hash": best[2]}


def handover_act(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int) -> Paper:
    """The act of one tranche: who crossed, who did not and why, substitutes, remains, the balance, and the
    log entries each outcome and the closing were recorded in."""
    with uows.reader() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id)
        tranche_row = session.get(HandoverTrancheRow, (row.id, number - 1)) if number >= 1 else None
        if tranche_row is None:
            raise NotFound("no such tranche", field="tranche")
        tranche = load_tranche(session, tranche_row)
        ids = [line.candidate_id for line in tranche.lines]
        ids += [line.substitute.candidate_id for line in tranche.lines if line.substitute]
        people = _People(session, actor, ids)
        keys = {line.line_no: f"{row.id}:{number}:{line.line_no}" for line in tranche.lines}
        anchors = latest_log_entries(session, "handover_line", list(keys.values()))
        outcomes: dict[str, int] = {}
        for line in tranche.lines:
            outcomes[line.state.value] = outcomes.get(line.state.value, 0) + 1
        closure = tranche.closure
        content = {
            "agreement": _agreement(session, row, seat),
            "tranche": {
                "number": number,
                "scheduled_on": None
                if tranche_row.scheduled_on is None
                else tranche_row.scheduled_on.isoformat(),
                "state": tranche_row.state,
                "closed_by": None if closure is None else closure.closed_by,
                "reconciled": None if closure is None else closure.reconciled,
                "closing": _close_entry(session, row, tranche_row.closed_at),
            },
            "balance": balance_to_document(tranche.balance()),
            "remains_balance": balance_to_document(tranche.remains_balance()),
            "outcomes": outcomes,
            "lines": [_line(line, people, anchors.get(keys[line.line_no])) for line in tranche.lines],
            "remains": [
                {
                    "batch_id": b.batch_id,
                    "releasing_side": b.releasing_side.value,
                    "count": b.count,
                    "status": b.status.value,
                    "note": b.note,
                }
                for b in tranche.remains
            ],
        }
    return Paper(DocumentKind.HANDOVER_ACT, content)


def _version_row(session: Session, row: AgreementRow, seat: Role, number: int | None) -> AgreementVersionRow:
    chosen = number or row.concluded_version
    query = select(AgreementVersionRow).where(AgreementVersionRow.agreement_id == row.id)
    versions = [
        v for v in session.execute(query.order_by(AgreementVersionRow.number)).scalars() if visible(v, seat)
    ]
    found = [v for v in versions if v.number == chosen] if chosen else versions[-1:]
    if not found:
        raise NotFound("no such version", field="version")
    return found[0]


def _tranches(session: Session, row: AgreementRow) -> dict[str, int]:
    """Person -> the tranche whose manifest lists them (a concluded agreement's plan)."""
    found = session.execute(
        select(HandoverLineRow.candidate_id, HandoverLineRow.tranche_index).where(
            HandoverLineRow.agreement_id == row.id
        )
    )
    return {person: index + 1 for person, index in found}


def agreement_lists(
    uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, *, version: int | None = None, side: str = ""
) -> Paper:
    """The agreed lists of a version (the concluded one by default): both sides' releases, or one side's.
    The mediator's print names everyone; a party's names its own people and those shared with it."""
    if side and side not in SIDES:
        message = "the side is a or b"
        raise ValidationFailed([FieldProblem("side", "invalid_value", message)], message=message)
    with uows.reader() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id)
        version_row = _version_row(session, row, seat, version)
        document = version_row.document
        sides = [side] if side else list(SIDES)
        ids = [p["candidate_id"] for s in sides for p in document[f"list_{s}"]]
        people = _People(session, actor, ids)
        terms = document.get("terms", {})
        concluded = version_row.number == row.concluded_version
        tranches = _tranches(session, row) if concluded else {}
        lists = {
            s: [
                {
                    "position": n + 1,
                    "person": people.of(p["candidate_id"]),
                    "rank_class": p.get("rank_class"),
                    "basis": p.get("basis"),
                    "tranche": tranches.get(p["candidate_id"]),
                }
                for n, p in enumerate(document[f"list_{s}"])
            ]
            for s in sides
        }
        content = {
            "agreement": _agreement(session, row, seat),
            "version": version_row.number,
            "concluded": concluded,
            "reference_date": terms.get("reference_date"),
            "lists": lists,
            "sizes": {s: len(document[f"list_{s}"]) for s in SIDES},
        }
    return Paper(DocumentKind.LIST, content)


def printable_tranches(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> list[int]:
    """The numbers of an agreement's tranches (each has an act to print), without loading their lines."""
    with uows.reader() as uow:
        row, _seat = load_agreement_row(uow.session, actor, agreement_id)
        indexes = uow.session.execute(
            select(HandoverTrancheRow.tranche_index)
            .where(HandoverTrancheRow.agreement_id == row.id)
            .order_by(HandoverTrancheRow.tranche_index)
        ).scalars()
        return [index + 1 for index in indexes]
