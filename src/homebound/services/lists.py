"""List import (all or nothing, upsert by source id) and export of a party's registries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import FieldProblem, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.person_input import IMPORT_COLUMNS, PersonInput
from homebound.core.persons import TRANSITIONS, Registry, Status
from homebound.db.bulk import bulk_insert
from homebound.db.handover_store import on_open_manifest
from homebound.db.log_store import LogWriter, log_action
from homebound.db.persons import fields_to_columns, row_to_fields
from homebound.db.tables import ImportBatchRow, PersonRow, new_id, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.readers import read_list
from homebound.lists.validate import ValidatedList, validate_table
from homebound.lists.writers import write_csv, write_xlsx
from homebound.services.access_audit import DataAction, record_access
from homebound.services.arrival import Arrival, match_on_arrival, matching_changed, warm
from homebound.services.payloads import fields_to_text, person_payload
from homebound.services.registry import DEFAULT_STATUS

Progress = Callable[[str, int, int], None]
_CHUNK = 500  # keeps IN (...) lists under SQLite's bound-parameter limit


@dataclass
class ImportReport:
    registry: Registry
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    batch_id: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    # Rows whose date of birth is no date (31 April, an unreadable digit): kept as written, never refused.
    dates_as_written: list[int] = field(default_factory=list)


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def import_list(
    uows: UnitOfWorkFactory,
    actor: Actor,
    registry: Registry,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Validate every row first; write nothing unless all are valid; then create or update by record_id."""
    if not can(actor, Permission.PARTY_LIST_IMPORT) or actor.party_id is None:
        raise PermissionDenied("this role may not import lists")
    table = read_list(data, filename, registry=registry)
    # A date of birth that is no date is a clerk's error the list's owner may not be able to correct (the
    # other side's list, a capture card): the row is kept, the date as written, and linked on the rest.
    checked = validate_table(
        table, registry, progress=lambda done: progress("validating", done, 0), dates_as_written=True
    )
    if checked.problems:
        count = len(checked.problems)
        raise ValidationFailed(
            checked.problems, message=f"{count} problem(s) in the list; nothing was written"
        )
    report = ImportReport(registry=registry, rows=len(checked.rows), dry_run=dry_run)
    report.dates_as_written = sorted(checked.row_numbers[p] for p in checked.dates_as_written)
    if not dry_run:
        warm(uows, actor.party_id, registry)  # the other side's index, built (once) outside the locks
    with uows.writer() as uow:
        plan = _plan(uow.session, actor.party_id, registry, checked, report, progress)
        if dry_run:
            return report
        ids = [new_id() for _ in plan.inserts]
        arrivals = _arrivals(actor.party_id, registry, plan, ids)
        batch_id = new_id()  # each record it writes names it: the review queue filters pairs by list
        _write(uow.session, actor, actor.party_id, registry, plan, ids, progress, batch_id)
        # Scored in bulk once the rows are written, in the import's transaction: a refused or failed
        # import leaves no candidate, and a re-import changes nothing, so it proposes nothing again.
        progress("matching", 0, len(arrivals))
        match_on_arrival(uow.session, arrivals)
        batch = ImportBatchRow(
            id=batch_id,
            party_id=actor.party_id,
            registry_kind=registry.value,
            actor_id=actor.user_id or "",
            file_sha256=hashlib.sha256(data).hexdigest(),
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
        )
        uow.session.add(batch)
        uow.session.flush()
        log_action(
            uow.session,
            actor,
            ActionTag.LIST_IMPORT,
            "import_batch",
            batch.id,
            {
                "file_sha256": batch.file_sha256,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
            },
            party=actor.party_id,
        )
        uow.commit()
        report.batch_id = batch.id
    return report


@dataclass
class _Plan:
    inserts: list[PersonInput] = field(default_factory=list)
    updates: list[tuple[PersonRow, PersonInput]] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # record_id -> a date of birth kept as written


def _plan(
    session: Session,
    party_id: str,
    registry: Registry,
    checked: ValidatedList,
    report: ImportReport,
    progress: Progress,
) -> _Plan:
    plan = _Plan()
    rows = checked.rows
    plan.written = {rows[p].record_id: text for p, (text, _) in checked.dates_as_written.items()}
    problems: list[FieldProblem] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        existing = {
            r.source_id: r
            for r in session.execute(
                select(PersonRow).where(
                    PersonRow.party_id == party_id,
                    PersonRow.registry_kind == registry.value,
                    PersonRow.source_id.in_([p.record_id for p in chunk]),
                )
            ).scalars()
        }
        listed = on_open_manifest(session, [r.id for r in existing.values()])
        for offset, parsed in enumerate(chunk):
            row = existing.get(parsed.record_id)
            if row is None:
                plan.inserts.append(parsed)
            elif row.id in listed and parsed.status is not None and parsed.status.value != row.status:
                problems.append(
                    FieldProblem(
                        "status",
                        "on_manifest",
                        "on the manifest of a concluded agreement: the handover records the outcome",
                        checked.row_numbers[start + offset],
                        "status",
                    )
                )
            elif _status_blocked(registry, row, parsed):
                problems.append(
                    FieldProblem(
                        "status",
                        "invalid_transition",
                        f"cannot go from {row.status} to {parsed.status}",
                        checked.row_numbers[start + offset],
                        "status",
                    )
                )
            elif (
                fields_to_columns(parsed.fields) != _columns(row)
                or plan.written.get(parsed.record_id) != row.date_of_birth_written
                or (parsed.status and parsed.status.value != row.status)
            ):
                plan.updates.append((row, parsed))
            else:
                report.unchanged += 1
        progress("checking", min(start + _CHUNK, len(rows)), len(rows))
    if problems:
        raise ValidationFailed(
            problems, message=f"{len(problems)} problem(s) in the list; nothing was written"
        )
    report.created, report.updated = len(plan.inserts), len(plan.updates)
    return plan


def _columns(row: PersonRow) -> dict[str, object]:
    return fields_to_columns(row_to_fields(row))


def _status_blocked(registry: Registry, row: PersonRow, parsed: PersonInput) -> bool:
    if parsed.status is None or parsed.status.value == row.status:
        return False
    return parsed.status not in TRANSITIONS[registry].get(Status(row.status), frozenset())


def _arrivals(party_id: str, registry: Registry, plan: _Plan, ids: list[str]) -> list[Arrival]:
    """The created records, and the updated ones whose matching fields changed."""
    arrivals = [
        Arrival(
            person_id,
            party_id,
            registry,
            (parsed.status or DEFAULT_STATUS[registry]).value,
            parsed.fields,
            plan.written.get(parsed.record_id),
        )
        for person_id, parsed in zip(ids, plan.inserts, strict=True)
    ]
    for row, parsed in plan.updates:
        written = plan.written.get(parsed.record_id)
        if matching_changed(row_to_fields(row), parsed.fields) or written != row.date_of_birth_written:
            status = parsed.status.value if parsed.status else row.status
            arrivals.append(Arrival(row.id, party_id, registry, status, parsed.fields, written))
    return arrivals


def _payload(
    person_id: str, registry: Registry, status: Status, parsed: PersonInput, plan: _Plan
) -> dict[str, object]:
    """The record's state for its log entry, a date of birth kept as written included (so the log's
    commitment covers what the row holds)."""
    payload = person_payload(person_id, registry, status, parsed.fields)
    written = plan.written.get(parsed.record_id)
    if written is not None:
        payload["fields"]["date_of_birth_as_written"] = written
    return payload


def _write(
    session: Session,
    actor: Actor,
    party_id: str,
    registry: Registry,
    plan: _Plan,
    ids: list[str],
    progress: Progress,
    batch_id: str | None = None,
) -> None:
    now = utcnow()
    values = []
    total = len(plan.inserts) + len(plan.updates)
    for done, (person_id, parsed) in enumerate(zip(ids, plan.inserts, strict=True), start=1):
        status = parsed.status or DEFAULT_STATUS[registry]
        values.append(
            {
                "id": person_id,
                "party_id": party_id,
                "registry": registry.value,  # column name: bulk_insert works on the table
                "source_id": parsed.record_id,
                "status": status.value,
                "version": 1,
                "import_batch_id": batch_id,
                "created_at": now,
                "updated_at": now,
                **fields_to_columns(parsed.fields),
                "date_of_birth_written": plan.written.get(parsed.record_id),
            }
        )
        log_action(
            session,
            actor,
            ActionTag.PERSON_CREATE,
            "person",
            person_id,
            _payload(person_id, registry, status, parsed, plan),
            party=party_id,
        )
        if len(values) >= 2000:
            bulk_insert(session, PersonRow.__table__, values)  # type: ignore[arg-type]
            LogWriter.for_session(session).flush()  # bounded memory on 100k-row lists
            values = []
            progress("writing", done, total)
    if values:
        bulk_insert(session, PersonRow.__table__, values)  # type: ignore[arg-type]
    changes = []
    for row, parsed in plan.updates:
        status = parsed.status or Status(row.status)
        changes.append(
            {
                "id": row.id,
                "status": status.value,
                "version": row.version + 1,
                "import_batch_id": batch_id,
                "updated_at": now,
                **fields_to_columns(parsed.fields),
                "date_of_birth_written": plan.written.get(parsed.record_id),
            }
        )
        log_action(
            session,
            actor,
            ActionTag.PERSON_UPDATE,
            "person",
            row.id,
            _payload(row.id, registry, status, parsed, plan),
            party=party_id,
        )
    if changes:
        session.execute(update(PersonRow), changes)
    progress("writing", total, total)


def export_rows(uows: UnitOfWorkFactory, actor: Actor, registry: Registry) -> Iterator[dict[str, str | None]]:
    """Rows of the actor's own registry in import-column order (re-importable as they are).

    The permission is checked now, not at the first row: a refusal must come before a writer has begun.
    """
    if not can(actor, Permission.PARTY_LIST_EXPORT) or actor.party_id is None:
        raise PermissionDenied("this role may not export lists")
    with uows.reader() as uow:
        count = uow.session.execute(
            select(func.count())
            .select_from(PersonRow)
            .where(PersonRow.party_id == actor.party_id, PersonRow.registry_kind == registry.value)
        ).scalar_one()
    # Recorded before the first row leaves: an export cut short still handed over what it sent.
    record_access(
        uows,
        actor,
        DataAction.EXPORT,
        f"export: the whole {registry.value} registry",
        [],
        selection={actor.party_id: int(count)},
        selected_fields=IMPORT_COLUMNS,
    )
    return _export_rows(uows, actor.party_id, registry)


def _export_rows(
    uows: UnitOfWorkFactory, party_id: str, registry: Registry
) -> Iterator[dict[str, str | None]]:
    with uows.reader() as uow:
        query = (
            select(PersonRow)
            .where(PersonRow.party_id == party_id, PersonRow.registry_kind == registry.value)
            .order_by(PersonRow.source_id)
            .execution_options(yield_per=2000)
        )
        for row in uow.session.execute(query).scalars():
            text = fields_to_text(row_to_fields(row))
            text.update(record_id=row.source_id, status=row.status)
            yield {name: text.get(name) for name in IMPORT_COLUMNS}


def export_list(uows: UnitOfWorkFactory, actor: Actor, registry: Registry, fmt: str) -> bytes:
    rows = export_rows(uows, actor, registry)
    if fmt == "xlsx":
        return write_xlsx(rows)
    if fmt == "csv":
        return write_csv(rows)
    raise ValidationFailed([FieldProblem("format", "invalid_value", "expected csv or xlsx")])


@dataclass(frozen=True)
class ListColumns:
    """The header as read: each column as the file names it, and the field it feeds (None: unused)."""

    format: str
    encoding: str | None
    columns: list[tuple[str, str | None]]


def list_columns(actor: Actor, registry: Registry, data: bytes, filename: str) -> ListColumns:
    """A list's header mapping, for a preview before anything is imported; reads nothing but the header."""
    if not can(actor, Permission.PARTY_LIST_IMPORT) or actor.party_id is None:
        raise PermissionDenied("this role may not import lists")
    table = read_list(data, filename, registry=registry)
    pairs = list(zip(table.header.headers, table.header.columns, strict=False))
    return ListColumns(table.format.value, table.encoding, pairs)


def upsert_records(
    session: Session, actor: Actor, party_id: str, registry: Registry, checked: ValidatedList
) -> tuple[ImportReport, dict[str, str]]:
    """Create or update validated records of `party_id` by record id inside the caller's transaction (a
    disclosure received from a peer, as a list import does it); the report and each record id's person id.
    """
    report = ImportReport(registry=registry, rows=len(checked.rows))
    plan = _plan(session, party_id, registry, checked, report, _no_progress)
    ids = [new_id() for _ in plan.inserts]
    arrivals = _arrivals(party_id, registry, plan, ids)
    _write(session, actor, party_id, registry, plan, ids, _no_progress)
    match_on_arrival(session, arrivals)
    person_ids = {parsed.record_id: person_id for person_id, parsed in zip(ids, plan.inserts, strict=True)}
    person_ids.update({parsed.record_id: row.id for row, parsed in plan.updates})
    for start in range(0, len(checked.rows), _CHUNK):  # the unchanged ones
        chunk = [p.record_id for p in checked.rows[start : start + _CHUNK] if p.record_id not in person_ids]
        if chunk:
            found = session.execute(
                select(PersonRow.source_id, PersonRow.id).where(
                    PersonRow.party_id == party_id,
                    PersonRow.registry_kind == registry.value,
                    PersonRow.source_id.in_(chunk),
                )
            ).all()
            person_ids.update({str(source): str(person) for source, person in found})
    return report, person_ids
