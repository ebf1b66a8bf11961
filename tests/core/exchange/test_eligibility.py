"""Eligibility gates: every failing gate reported with a code and a sentence."""

from __future__ import annotations

import pytest

from homebound.core.exchange.candidate import Custody, LegalHold, Side, WillToReturn
from homebound.core.exchange.eligibility import (
    CustodyRule,
    EligibilityRules,
    LegalHoldOverride,
    ReasonCode,
    RedLine,
    assess,
    assess_pool,
    clear,
)
from homebound.core.exchange.errors import InvalidTerms

from .factories import person

RULES = EligibilityRules()
HOLD = LegalHold("sentenced for a war crime", reference="case 17/2022")


@pytest.mark.parametrize(
    ("candidate", "codes"),
    [
        (person("p"), set()),
        (person("p", verified=False), {ReasonCode.IDENTITY_UNVERIFIED}),
        (person("p", custody=Custody()), {ReasonCode.CUSTODY_UNCONFIRMED}),
        (person("p", will=WillToReturn.UNKNOWN), {ReasonCode.WILL_NOT_CONFIRMED}),
        (
            person("p", will=WillToReturn.REFUSED, stays_with="a neutral state (UNHCR)"),
            {ReasonCode.REFUSED_REPATRIATION},
        ),
        (person("p", legal_hold=HOLD), {ReasonCode.LEGAL_HOLD}),
        (
            person("p", verified=False, custody=Custody(), legal_hold=HOLD),
            {ReasonCode.IDENTITY_UNVERIFIED, ReasonCode.CUSTODY_UNCONFIRMED, ReasonCode.LEGAL_HOLD},
        ),
        # Remains: no interview, no legal hold, identity often pending DNA; custody still has to be confirmed.
        (person("r", remains=True, verified=False, will=WillToReturn.UNKNOWN, legal_hold=HOLD), set()),
        (person("r", remains=True, custody=Custody()), {ReasonCode.CUSTODY_UNCONFIRMED}),
    ],
)
def test_each_gate(candidate, codes: set[ReasonCode]) -> None:
    decision = assess(candidate, RULES)
    assert {r.code for r in decision.reasons} == codes
    assert decision.eligible == (not codes)
    assert clear(candidate, RULES) == (not codes)


def test_refusal_records_where_the_person_stays() -> None:
    candidate = person("p", will=WillToReturn.REFUSED, stays_with="the custody of Country X")
    decision = assess(candidate, RULES)
    assert decision.stays_with == "the custody of Country X"
    assert "stays with the custody of Country X" in decision.summary()


def test_refusal_needs_a_place_to_stay() -> None:
    with pytest.raises(ValueError, match="stays"):
        person("p", will=WillToReturn.REFUSED)


def test_legal_hold_override_is_reasoned_and_not_blocking() -> None:
    override = LegalHoldOverride("p", "pardoned under the exchange decree", decided_by="party A ombudsman")
    decision = assess(person("p", legal_hold=HOLD), RULES, overrides={"p": override})
    assert decision.eligible
    assert [r.code for r in decision.reasons] == [ReasonCode.LEGAL_HOLD_OVERRIDDEN]
    assert "pardoned" in decision.reasons[0].text
    with pytest.raises(InvalidTerms):
        LegalHoldOverride("p", " ", decided_by="someone")


def test_red_lines_of_each_party() -> None:
    lines = [
        RedLine(Side.A, "p", "convicted of terrorism offences"),
        RedLine(Side.B, "p", "not a combatant of party B"),
    ]
    decision = assess(person("p"), RULES, red_lines=lines)
    assert not decision.eligible
    texts = [r.text for r in decision.reasons]
    assert texts == [
        "red line of party A: convicted of terrorism offences",
        "red line of party B: not a combatant of party B",
    ]
    with pytest.raises(InvalidTerms):
        RedLine(Side.A, "p", "")


@pytest.mark.parametrize(
    ("rule", "by_party", "by_icrc", "confirmed"),
    [
        (CustodyRule.HOLDING_PARTY, True, False, True),
        (CustodyRule.HOLDING_PARTY, False, True, False),
        (CustodyRule.ICRC, False, True, True),
        (CustodyRule.ICRC, True, False, False),
        (CustodyRule.EITHER, False, True, True),
        (CustodyRule.EITHER, False, False, False),
        (CustodyRule.BOTH, True, False, False),
        (CustodyRule.BOTH, True, True, True),
    ],
)
def test_custody_rules(rule: CustodyRule, by_party: bool, by_icrc: bool, confirmed: bool) -> None:
    candidate = person("p", custody=Custody(by_party, by_icrc))
    assert assess(candidate, EligibilityRules(custody=rule)).eligible is confirmed


def test_rules_can_waive_identity_and_interview() -> None:
    rules = EligibilityRules(require_confirmed_identity=False, require_will_interview=False)
    assert assess(person("p", verified=False, will=WillToReturn.UNKNOWN), rules).eligible
    # A refusal is never waived: nobody is repatriated against their will.
    refused = person("p", will=WillToReturn.REFUSED, stays_with="a neutral state")
    assert not assess(refused, rules).eligible


def test_assess_pool_keys_decisions_by_id() -> None:
    decisions = assess_pool(
        [person("p1"), person("p2", side=Side.B, verified=False)],
        RULES,
        red_lines=[RedLine(Side.B, "p1", "listed by mistake")],
    )
    assert {k: v.eligible for k, v in decisions.items()} == {"p1": False, "p2": False}
    assert decisions["p2"].side is Side.B
