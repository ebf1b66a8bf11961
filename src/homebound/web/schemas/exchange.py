"""Schemas for agreements and handover: terms in the shape of core's documents, lists, amendments, lines."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from homebound.core.exchange.agreement import AddPerson, Amendment, RemovePerson, ReplacePerson
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import Basis, ListedPerson
from homebound.core.exchange.handover import LineAction, Substitute, ThirdPartyCustody
from homebound.services.public_exchanges import ExchangeLedger
from homebound.services.sign_in import Reauthentication
from homebound.web.schemas.terms import MAX_NUMBER, Id, Key, Reason, Short, SideIn, TermsIn, Text, _In

__all__ = ["MAX_NUMBER", "Id", "Key", "Reason", "Short", "SideIn", "TermsIn", "Text"]

# --- lists and versions -------------------------------------------------------------------------------------


class ListedIn(_In):
    candidate_id: Id
    basis: Literal["parity", "all_for_all", "humanitarian"] = "parity"
    rank_class: Key | None = None  # default: from the record's rank

    def to_core(self) -> ListedPerson:
        return ListedPerson(self.candidate_id, self.rank_class or "private", Basis(self.basis))


class AgreementCreate(_In):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    party_a: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    party_b: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    venue: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    # What the public ledger will call it, if the mediator publishes it; title and venue are never public.
    public_label: Annotated[str, StringConstraints(max_length=120)] | None = None


class ProposalIn(_In):
    terms: TermsIn
    list_a: list[ListedIn] = Field(max_length=50_000)
    list_b: list[ListedIn] = Field(max_length=50_000)
    note: Text = ""
    share: bool = False  # the mediator proposes to both parties at once


class AmendmentIn(_In):
    op: Literal["add", "remove", "replace"]
    side: SideIn
    candidate_id: Id  # the person added, removed or replaced
    replacement_id: Id | None = None  # for "replace"
    basis: Literal["parity", "all_for_all", "humanitarian"] = "parity"
    rank_class: Key | None = None
    reason: Reason

    @model_validator(mode="after")
    def _replacement_named(self) -> AmendmentIn:
        if (self.op == "replace") != (self.replacement_id is not None):
            raise ValueError("a replacement names replacement_id; only a replacement does")
        return self

    def to_core(self) -> Amendment:
        side = Side(self.side)
        if self.op == "remove":
            return RemovePerson(side, self.candidate_id, self.reason)
        if self.op == "add":
            listed = ListedPerson(self.candidate_id, self.rank_class or "private", Basis(self.basis))
            return AddPerson(side, listed, self.reason)
        replacement = ListedPerson(self.replacement_id or "", self.rank_class or "private", Basis(self.basis))
        return ReplacePerson(side, self.candidate_id, replacement, self.reason)


class AmendmentsIn(_In):
    amendments: list[AmendmentIn] = Field(min_length=1, max_length=5_000)
    note: Text = ""
    share: bool = False


class CompositionIn(_In):
    terms: TermsIn
    added: dict[Id, Reason] = Field(default_factory=dict, max_length=20_000)
    removed: dict[Id, Reason] = Field(default_factory=dict, max_length=20_000)
    method: Literal["auto", "milp", "sort"] = "auto"
    note: Text = ""
    share: bool = False
    decisions: Literal["all", "included", "excluded", "none"] = "all"


class ReauthenticationIn(_In):
    """Sent with a binding request (closing a tranche; accepting, below): the session alone is not enough."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="the signed-in account's password, re-entered"
    )
    totp_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] | None = Field(
        default=None, description="a fresh 6-digit code, required of an account with a second factor"
    )

    def proof(self) -> Reauthentication:
        return Reauthentication(self.password, self.totp_code)


class AcceptanceIn(ReauthenticationIn):
    version: int = Field(ge=1, le=MAX_NUMBER)


class IdentityIn(_In):
    held_person_id: Id
    sought_person_id: Id | None = None
    note: Short | None = None


class IdentitiesIn(_In):
    items: list[IdentityIn] = Field(min_length=1, max_length=50_000)


class AgreementOut(BaseModel):
    id: str
    title: str
    party_a: str
    party_b: str
    mediator: str
    venue: str
    status: str
    latest_version: int
    concluded_version: int | None
    content_hash: str | None
    concluded_at: dt.datetime | None
    acceptances: list[tuple[int, str]]
    seat: str
    created_at: dt.datetime


class VersionOut(BaseModel):
    number: int
    kind: str
    author: str
    note: str
    shared: bool
    created_at: dt.datetime
    changes: list[dict[str, Any]]
    list_sizes: tuple[int, int]
    accepted_by: list[str]
    document: dict[str, Any] | None


class CompositionOut(BaseModel):
    version: VersionOut
    method: str
    objective: int
    balance: dict[str, Any] | None
    counts: dict[str, int]
    pools: dict[str, int]
    eligible: dict[str, int]
    decisions: list[dict[str, Any]]


class ConfirmedOut(BaseModel):
    confirmed: int


# --- handover -----------------------------------------------------------------------------------------------


class SubstituteIn(_In):
    candidate_id: Id
    rank_class: Key = "private"
    description: Text = ""


class CustodyIn(_In):
    custodian: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    conditions: Reason
    counts_toward_balance: bool = True


class LineActionIn(_In):
    action: Literal[
        "deliver",
        "bring_substitute",
        "accept_substitute",
        "reject_substitute",
        "refuse_repatriation",
        "not_deliver",
        "hand_to_third_party",
    ]
    candidate_id: Id
    by: Text = ""  # who checked, interviewed or decided (default: the user)
    substitute: SubstituteIn | None = None
    stays_with: Text = ""
    reason: Text = ""
    custody: CustodyIn | None = None

    def core_action(self) -> LineAction:
        return LineAction(self.action)

    def core_substitute(self) -> Substitute | None:
        s = self.substitute
        return None if s is None else Substitute(s.candidate_id, s.rank_class, s.description)

    def core_custody(self) -> ThirdPartyCustody | None:
        c = self.custody
        return None if c is None else ThirdPartyCustody(c.custodian, c.conditions, c.counts_toward_balance)


class LinesIn(_In):
    actions: list[LineActionIn] = Field(min_length=1, max_length=5_000)


class RemainsIn(_In):
    batch_id: Id
    releasing_side: SideIn
    count: int = Field(ge=1, le=1_000_000)
    status: Literal["pending_dna", "identified", "mixed_remains"] = "pending_dna"
    note: Short = ""


class IdentificationIn(_In):
    status: Literal["pending_dna", "identified", "mixed_remains"]


class TrancheOut(BaseModel):
    number: int
    scheduled_on: dt.date | None
    state: str
    outcomes: dict[str, int]
    balance: dict[str, Any] | None
    remains_balance: dict[str, Any] | None
    remains: list[dict[str, Any]]
    closure: dict[str, Any] | None
    lines: list[dict[str, Any]]


class NotificationOut(BaseModel):
    id: str
    inquiry_id: str
    case_code: str
    kind: str
    channel: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    attempts: int
    last_error: str | None


class ExchangeLedgerOut(BaseModel):
    """Aggregates only: exchanges by date, per side, per category, per mediator, cumulative totals, and
    where the two sides' announcements differ. Reported figures are marked `reported: true`; recorded ones
    appear once the mediator publishes them, under the agreement's public label, one line per day of
    handover. A reported exchange a recorded one supersedes is not counted: it is listed in `superseded`
    beside the recorded figures, with the difference. Category counts below `min_count` are null."""

    exchanges: list[dict[str, Any]]
    per_side: dict[str, dict[str, int]]
    per_category: dict[str, dict[str, int]]
    per_mediator: dict[str, dict[str, int]]
    cumulative: list[dict[str, Any]]
    totals: dict[str, int]
    differences: list[dict[str, Any]]
    superseded: list[dict[str, Any]] = []
    min_count: int = 1

    @classmethod
    def of(cls, ledger: ExchangeLedger) -> ExchangeLedgerOut:
        return cls.model_validate(ledger, from_attributes=True)
