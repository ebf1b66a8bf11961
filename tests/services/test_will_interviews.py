"""Issue 17 item 1: a will-to-return interview witnessed by the ICRC sets the person's will to return
through a logged change, and composition's will gate (candidates.candidate_of, eligibility) reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from homebound.core.access import OrganisationKind
from homebound.core.errors import NotFound, ValidationFailed
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.eligibility import EligibilityRules, ReasonCode, assess, clear
from homebound.core.persons import Registry, WillToReturn
from homebound.core.will_interview import InterviewOutcome, WillInterview
from homebound.db.tables import LogEntryRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, registry
from homebound.services.candidates import candidate_of
from homebound.services.log import verify_log
from homebound.services.will_interviews import record_interview
from tests.world import World

TODAY = dt.date(2026, 12, 5)
HELD = {"record_id": "H-77", "family_name": "Синтетичний", "given_name": "Тест"}
RULES = EligibilityRules(require_confirmed_identity=False)


def _interview(outcome: InterviewOutcome, **extra: object) -> WillInterview:
    base: dict[str, object] = {
        "interviewer": "Delegate 4", "place": "Camp 3", "held_on": TODAY - dt.timedelta(days=2),
        "language": "uk", "present": "interpreter", "outcome": outcome, "witness": "icrc",
    }  # fmt: skip
    return WillInterview(**{**base, **extra})  # type: ignore[arg-type]


@pytest.fixture
def held(uows: UnitOfWorkFactory, world: World) -> str:
    accounts.create_organisation(uows, "icrc", "ICRC Central Tracing Agency", OrganisationKind.OBSERVER)
    return registry.create_person(uows, world.actors["a_operator"], Registry.HELD, HELD).id


def _gate(uows: UnitOfWorkFactory, person_id: str) -> tuple[bool, set[ReasonCode]]:
    with uows.reader() as uow:
        row = uow.session.get(PersonRow, person_id)
        assert row is not None
        candidate = candidate_of(row, Side.A, None)
    return clear(candidate, RULES), {r.code for r in assess(candidate, RULES).reasons}


def test_without_an_interview_the_will_gate_is_closed(uows: UnitOfWorkFactory, held: str) -> None:
    passes, reasons = _gate(uows, held)
    assert not passes and ReasonCode.WILL_NOT_CONFIRMED in reasons


def test_wishes_to_return_opens_the_gate_verified_by_the_icrc(
    uows: UnitOfWorkFactory, world: World, held: str
) -> None:
    interview = _interview(InterviewOutcome.WISHES_TO_RETURN)
    view = record_interview(uows, world.actors["a_operator"], held, interview, TODAY)
    will = view.fields.will_to_return
    assert (will.value, will.verified_by, will.verified_on) == (
        WillToReturn.CONFIRMED,
        "icrc",
        interview.held_on,
    )
    assert _gate(uows, held)[0]
    with uows.reader() as uow:
        tags = (
            uow.session.execute(
                select(LogEntryRow.tag).where(LogEntryRow.object_id == held).order_by(LogEntryRow.seq)
            )
            .scalars()
            .all()
        )
    assert tags[-1] == "registry:person:update"
    assert verify_log(uows).ok


def test_a_refusal_closes_the_gate_and_needs_custodian_and_time_limit(
    uows: UnitOfWorkFactory, world: World, held: str
) -> None:
    operator = world.actors["a_operator"]
    with pytest.raises(ValidationFailed) as missing:
        record_interview(uows, operator, held, _interview(InterviewOutcome.REFUSES), TODAY)
    assert {p.field for p in missing.value.problems} == {"custodian", "time_limit"}
    refusal = _interview(
        InterviewOutcome.REFUSES, custodian="UNHCR", time_limit=TODAY + dt.timedelta(days=90)
    )
    view = record_interview(uows, operator, held, refusal, TODAY)
    assert view.fields.will_to_return.value is WillToReturn.REFUSED
    passes, reasons = _gate(uows, held)
    assert not passes and ReasonCode.REFUSED_REPATRIATION in reasons


def test_undecided_leaves_the_will_unknown(uows: UnitOfWorkFactory, world: World, held: str) -> None:
    operator = world.actors["a_operator"]
    record_interview(uows, operator, held, _interview(InterviewOutcome.WISHES_TO_RETURN), TODAY)
    view = record_interview(uows, operator, held, _interview(InterviewOutcome.UNDECIDED), TODAY)
    assert view.fields.will_to_return.value is WillToReturn.UNKNOWN
    assert not _gate(uows, held)[0]


def test_only_the_holding_party_records_and_only_a_neutral_witness_counts(
    uows: UnitOfWorkFactory, world: World, held: str
) -> None:
    interview = _interview(InterviewOutcome.WISHES_TO_RETURN)
    with pytest.raises(NotFound):
        record_interview(uows, world.actors["b_operator"], held, interview, TODAY)
    with pytest.raises(NotFound):  # the other party is no witness
        record_interview(uows, world.actors["a_operator"], held, _interview(
            InterviewOutcome.WISHES_TO_RETURN, witness="pb"), TODAY)  # fmt: skip
    assert not _gate(uows, held)[0]
