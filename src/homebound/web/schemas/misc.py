"""Schemas for imports, inquiries, the log and the public ledger."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.web.schemas.exchange import ExchangeLedgerOut
from homebound.web.schemas.log import LedgerCheckpointOut

Short = Annotated[str, StringConstraints(max_length=200)]


class ImportOut(BaseModel):
    registry: str
    rows: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    batch_id: str | None
    # Rows whose date of birth is no date (31 April, an unreadable digit): kept as written, not refused.
    dates_as_written: list[int] = []


class InquiryDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    family_name: Short
    given_name: Short | None = None
    patronymic: Short | None = None
    date_of_birth: Short | None = None
    unit: Short | None = None
    last_seen_place: Short | None = None
    last_seen_date: Short | None = None
    notes: Annotated[str, StringConstraints(max_length=1000)] | None = None


class InquiryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    party: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    inquirer_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    inquirer_contact: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    relationship: Short | None = None
    consent: bool
    sought: InquiryDetails


class InquiryFiled(BaseModel):
    case_code: str
    secret: str
    note: str = "Keep the case code and the secret: they are the only way to see the status of this case."


class InquiryLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_code: Annotated[str, StringConstraints(min_length=4, max_length=20)]
    secret: Annotated[str, StringConstraints(min_length=4, max_length=100)]


class InquiryStatusOut(BaseModel):
    case_code: str
    stage: str
    updated_at: dt.datetime


class InquiryOut(BaseModel):
    id: str
    case_code: str
    person_id: str | None
    inquirer_name: str
    inquirer_contact: str
    relationship: str | None
    sought_details: dict[str, str]
    created_at: dt.datetime


class AttachRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]


class LogEntryOut(BaseModel):
    seq: int
    time: str
    actor: str
    party: str | None
    tag: str
    object_type: str
    object_id: str
    commitment: str
    prev_hash: str
    entry_hash: str
    v: int
    signer: str | None = None  # format 2: the organisation whose key signed, or "system"
    key_id: str | None = None
    signature: str | None = None  # Ed25519 over the canonical body, hex (see docs/log.md)


class LogPageOut(BaseModel):
    items: list[LogEntryOut]
    total: int


class LogVerifyOut(BaseModel):
    ok: bool
    entries_checked: int
    payloads_checked: int
    head_hash: str
    first_failure: dict[str, str | int] | None


class LedgerOut(BaseModel):
    generated_at: dt.datetime
    # Per party, the counts it (or the mediator) last published: "<registry>_<status>": n, null when below
    # `min_count` (and above zero); "published_at" says when. Nothing unpublished, nothing live.
    parties: list[dict[str, int | str | None]]
    log_size: int
    log_head: str
    checkpoint: LedgerCheckpointOut | None = None  # the latest checkpoint cosigned by every party
    exchanges: ExchangeLedgerOut | None = None  # aggregates only; reported figures marked as such
    min_count: int = 1  # published counts above zero and below it are null
