"""Reconciliation schemas: the mediator's request, and the report (counts per bucket, every row placed)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from homebound.core.matching.reconciliation import Bucket
from homebound.core.persons import Registry
from homebound.services.reconciliation import ReconciliationReport, ReportRow

PartyCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class RegistryReconciliationIn(BaseModel):
    """Whose registry is read as the list, against whose registry (mediator only), by party code."""

    model_config = ConfigDict(extra="forbid")

    list_party: PartyCode
    against_party: PartyCode
    list_registry: Registry = Registry.HELD
    against: Registry = Registry.SOUGHT


class ReportRowOut(BaseModel):
    row: int
    list_record_id: str
    family_name: str
    given_name: str | None
    patronymic: str | None
    date_of_birth: str | None
    bucket: Bucket
    record_id: str | None
    score: float | None
    reason: str
    secondary: list[str]
    duplicate_of: int | None

    @classmethod
    def of(cls, row: ReportRow) -> ReportRowOut:
        return cls(**{**row.__dict__, "secondary": list(row.secondary)})


class ReconciliationOut(BaseModel):
    id: str
    list_registry: Registry
    against: Registry
    list_rows: int
    records: int
    counts: dict[Bucket, int]
    rows: list[ReportRowOut]

    @classmethod
    def of(cls, report: ReconciliationReport) -> ReconciliationOut:
        return cls(
            id=report.id,
            list_registry=report.list_registry,
            against=report.against,
            list_rows=report.list_rows,
            records=report.records,
            counts={Bucket(k): v for k, v in report.counts.items()},
            rows=[ReportRowOut.of(r) for r in report.rows],
        )
