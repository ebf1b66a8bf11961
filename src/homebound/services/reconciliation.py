"""List reconciliation: the other side's list, row by row, against our own records, sorted into buckets.

Two ways in. A party operator uploads a list it was given (CSV or XLSX, any of the header languages) and
reconciles it against its own registry: the list is read and checked like an import (every bad row
reported by row and column, nothing done), scored through the incremental index with the same model as
batch matching, and classified by ``core.matching.reconciliation``. The mediator, who reads both sides,
reconciles one party's registry against another's without a file.

Nothing of the list is stored: the report is the answer to the request (JSON, or CSV for a spreadsheet).
The log keeps one entry per reconciliation with the file's hash and the counts per bucket, in the
acting party's own log (the mediator's for a mediator run): no names, no record ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.matching.reconciliation import (
    PRECEDENCE,
    Bucket,
    Placement,
    RecordState,
    Thresholds,
)
from homebound.core.matching.review import CandidateStatus
from homebound.core.person_input import PersonInput
from homebound.core.persons import Registry, Status
from homebound.db.exchange_tables import IdentityConfirmationRow
from homebound.db.log_store import log_action
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.persons import row_to_fields
from homebound.db.tables import OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.model import LinkageModel
from homebound.linkage.reconciliation import OurRecord, score_list
from homebound.lists.readers import FORMULA_GUARD, formula_like, read_list
from homebound.lists.validate import validate_table
from homebound.lists.writers import export_text

__all__ = [
    "CSV_COLUMNS",
    "ReconciliationReport",
    "ReportRow",
    "reconcile_file",
    "reconcile_registries",
    "report_csv",
]

# What a party's registry would hand over as a list: the persons in its custody, or those it still seeks.
LISTED = {
    Registry.HELD: (Status.HELD.value, Status.HOSPITALISED.value, Status.LISTED_FOR_EXCHANGE.value),
    Registry.SOUGHT: (Status.MISSING.value, Status.BELIEVED_CAPTIVE.value, Status.CONFIRMED_HELD.value),
}
_STATE = {
    Status.RETURNED.value: RecordState.RETURNED,
    Status.EXCHANGED.value: RecordState.RETURNED,
    Status.RELEASED.value: RecordState.RETURNED,
    Status.CONFIRMED_HELD.value: RecordState.CONFIRMED,
    Status.MISSING.value: RecordState.OPEN,
    Status.BELIEVED_CAPTIVE.value: RecordState.OPEN,
    Status.HELD.value: RecordState.OPEN,
    Status.HOSPITALISED.value: RecordState.OPEN,
    Status.LISTED_FOR_EXCHANGE.value: RecordState.OPEN,
}
CSV_COLUMNS = (
    "row",
    "list_record_id",
    "family_name",
    "given_name",
    "patronymic",
    "date_of_birth",
    "bucket",
    "record_id",
    "score",
    "reason",
    "secondary",
    "duplicate_of",
)


@dataclass(frozen=True)
class ReportRow:
    """A row of the list, as the list wrote it, and where it landed."""

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
    secondary: tuple[str, ...]
    duplicate_of: int | None


@dataclass(frozen=True)
class ReconciliationReport:
    id: str
    list_registry: Registry
    against: Registry
    list_rows: int
    records: int
    counts: dict[str, int]
    rows: list[ReportRow]

    def in_bucket(self, bucket: Bucket) -> list[ReportRow]:  # the report page, bucket by bucket
        return [r for r in self.rows if r.bucket is bucket]


def _counts(placements: Sequence[Placement]) -> dict[str, int]:
    counts = {b.value: 0 for b in PRECEDENCE}
    for p in placements:
        counts[p.bucket.value] += 1
    return counts


def _report(
    rows: Sequence[tuple[int, PersonInput]],
    placements: Sequence[Placement],
    list_registry: Registry,
    against: Registry,
    records: int,
) -> ReconciliationReport:
    persons = dict(rows)
    out = []
    for p in placements:
        person = persons[p.row]
        born = person.fields.date_of_birth
        out.append(
            ReportRow(
                row=p.row,
                list_record_id=person.record_id,
                family_name=person.fields.family_name,
                given_name=person.fields.given_name,
                patronymic=person.fields.patronymic,
                date_of_birth=born.iso() if born else None,
                bucket=p.bucket,
                record_id=p.record_id,
                score=p.score,
                reason=p.reason,
                secondary=p.secondary,
                duplicate_of=p.duplicate_of,
            )
        )
    return ReconciliationReport(
        str(uuid.uuid4()), list_registry, against, len(rows), records, _counts(placements), out
    )


# --- use cases ------------------------------------------------------------------------------------
def _ours(
    session: Session, party_id: str, registry: Registry, statuses: Sequence[str] | None = None
) -> list[OurRecord]:
    query = (
        select(PersonRow)
        .where(PersonRow.party_id == party_id, PersonRow.registry_kind == registry.value)
        .order_by(PersonRow.id)
        .execution_options(yield_per=2000)
    )
    if statuses is not None:
        query = query.where(PersonRow.status.in_(statuses))
    return [
        OurRecord(PersonInput(row.id, row_to_fields(row), None), _STATE.get(row.status, RecordState.OTHER))
        for row in session.execute(query).scalars()
    ]


def _log(
    session: Session,
    actor: Actor,
    report: ReconciliationReport,
    extra: dict[str, str],
    party: str | None,
) -> None:
    payload = {
        "reconciliation": report.id,
        "list_registry": report.list_registry.value,
        "against": report.against.value,
        "list_rows": report.list_rows,
        "records": report.records,
        "counts": report.counts,
        **extra,
    }
    log_action(session, actor, ActionTag.MATCH_RECONCILE, "reconciliation", report.id, payload, party=party)


def reconcile_file(
    uows: UnitOfWorkFactory,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    list_registry: Registry = Registry.HELD,
    against: Registry = Registry.SOUGHT,
    model: LinkageModel | None = None,
    thresholds: Thresholds | None = None,
) -> ReconciliationReport:
    """Reconcile a list the party was given against the party's own registry ``against``.

    ``list_registry`` says what the list is (``held``: persons the other side holds, the usual case), which
    decides the status words it may use and the XLSX sheet read. A list with any bad row is refused whole,
    every problem located by row and column; nothing is logged then.
    """
    if (
        not can(actor, Permission.PARTY_LIST_IMPORT)
        or not can(actor, Permission.PARTY_PERSON_READ)
        or actor.party_id is None
    ):
        raise PermissionDenied("this role may not reconcile lists")
    table = read_list(data, filename, registry=list_registry)
    checked = validate_table(table, list_registry)
    if checked.problems:
        count = len(checked.problems)
        raise ValidationFailed(checked.problems, message=f"{count} problem(s) in the list; nothing was done")
    rows = list(zip(checked.row_numbers, checked.rows, strict=True))
    with uows.writer() as uow:
        ours = _ours(uow.session, actor.party_id, against)
        placements = score_list(rows, ours, model=model, thresholds=thresholds)
        report = _report(rows, placements, list_registry, against, len(ours))
        extra = {"source": "file", "file_sha256": hashlib.sha256(data).hexdigest()}
        _log(uow.session, actor, report, extra, actor.party_id)
        uow.commit()
    return report


def _party(session: Session, code: str, field: str) -> OrganisationRow:
    org = session.execute(select(OrganisationRow).where(OrganisationRow.code == code)).scalar_one_or_none()
    if org is None or org.kind != OrganisationKind.PARTY.value:
        raise NotFound("no such party", field=field)
    return org


def _confirmed_pairs(session: Session, list_ids: set[str]) -> set[tuple[str, str]]:
    """(held record, sought record) pairs a reviewer confirmed: in the review queue or as identities."""
    pairs: set[tuple[str, str]] = set()
    queue = select(MatchCandidateRow.held_person_id, MatchCandidateRow.sought_person_id).where(
        MatchCandidateRow.status == CandidateStatus.CONFIRMED.value
    )
    identities = select(
        IdentityConfirmationRow.held_person_id, IdentityConfirmationRow.sought_person_id
    ).where(IdentityConfirmationRow.sought_person_id.is_not(None))
    for query in (queue, identities):
        for held, sought in session.execute(query):
            if held in list_ids and sought is not None:
                pairs.add((held, sought))
    return pairs


def reconcile_registries(
    uows: UnitOfWorkFactory,
    actor: Actor,
    list_party: str,
    against_party: str,
    *,
    list_registry: Registry = Registry.HELD,
    against: Registry = Registry.SOUGHT,
    model: LinkageModel | None = None,
    thresholds: Thresholds | None = None,
) -> ReconciliationReport:
    """The mediator reconciles ``list_party``'s registry, as the list it would hand over (the persons in
    its custody, or those it still seeks: ``LISTED``), against all of ``against_party``'s registry. Only the
    mediator sees the report; neither party's log has it."""
    if not can(actor, Permission.ANY_MATCH_RUN) or actor.organisation_id is None:
        raise PermissionDenied("only the mediator reconciles one party's registry against another's")
    with uows.writer() as uow:
        listing = _party(uow.session, list_party, "list_party")
        owner = _party(uow.session, against_party, "against_party")
        if listing.id == owner.id:
            message = "a party's list is reconciled against another party's registry"
            raise ValidationFailed([FieldProblem("against_party", "reconcile.same_party", message)])
        listed = _ours(uow.session, listing.id, list_registry, LISTED[list_registry])
        rows = [(n, r.person) for n, r in enumerate(listed, start=1)]
        confirmed: set[tuple[str, str]] = set()
        if list_registry is Registry.HELD and against is Registry.SOUGHT:
            confirmed = _confirmed_pairs(uow.session, {r.person.record_id for r in listed})
        ours = _ours(uow.session, owner.id, against)
        placements = score_list(rows, ours, model=model, thresholds=thresholds, confirmed_pairs=confirmed)
        report = _report(rows, placements, list_registry, against, len(ours))
        extra = {"source": "registry", "list_party": listing.id, "against_party": owner.id}
        _log(uow.session, actor, report, extra, None)
        uow.commit()
    return report


# --- export ---------------------------------------------------------------------------------------
def report_csv(report: ReconciliationReport) -> bytes:
    """The report as CSV (UTF-8 with BOM for spreadsheet programs), one line per list row, in row order;
    cells that a spreadsheet would run as formulas are guarded as the list exports guard them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        values: list[object] = [
            r.row,
            r.list_record_id,
            r.family_name,
            r.given_name,
            r.patronymic,
            r.date_of_birth,
            r.bucket.value,
            r.record_id,
            "" if r.score is None else f"{r.score:.4f}",
            r.reason,
            " ".join(r.secondary),
            r.duplicate_of,
        ]
        writer.writerow([_guard(export_text(v)) for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _guard(text: str | None) -> str:
    if text is None:
        return ""
    return FORMULA_GUARD + text if formula_like(text) else text
