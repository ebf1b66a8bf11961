"""Disclosure: the records a party chooses to hand over, built from its registry on its own node, and kept
on the receiving node as that party's disclosed list (read-only; a later full disclosure replaces it, a
partial one amends it).

The payload is `{"registry", "mode", "fields", "records"}`: `mode` "replace" (the whole list: records left
out are withdrawn) or "amend" (these records only); `fields` the columns the party chose to disclose
(record_id and family_name always); `records` one object per record in the list columns' text form, empty
fields left out. On receipt every record is checked as a list import checks a row, and all or nothing is
kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.person_input import IMPORT_COLUMNS, REQUIRED_COLUMNS, parse_person_row
from homebound.core.persons import Registry
from homebound.db.federation_tables import DisclosedRecordRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.validate import ValidatedList
from homebound.services.lists import export_rows, upsert_records

REPLACE, AMEND = "replace", "amend"
_PAYLOAD_FIELDS = frozenset({"registry", "mode", "fields", "records"})


def disclosure_payload(
    uows: UnitOfWorkFactory,
    actor: Actor,
    registry: Registry,
    *,
    record_ids: Iterable[str] | None = None,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The actor's own registry (all of it, or the named records) with the chosen fields."""
    chosen = list(IMPORT_COLUMNS) if fields is None else _chosen_fields(fields)
    rows = export_rows(uows, actor, registry)  # the permission to export is checked here
    wanted: dict[str, int] | None = None
    if record_ids is not None:
        wanted = {}
        for number, record_id in enumerate(record_ids, start=1):
            wanted.setdefault(record_id, number)
    records = []
    for row in rows:
        if wanted is not None and row["record_id"] not in wanted:
            continue
        records.append({name: row[name] for name in chosen if row.get(name) is not None})
    if wanted is not None:
        found = {record["record_id"] for record in records}
        missing = [FieldProblem("records", "not_found", "no such record in this registry", row=line)
                   for record_id, line in wanted.items() if record_id not in found]  # fmt: skip
        if missing:
            raise ValidationFailed(missing, message=f"{len(missing)} record id(s) not in the registry")
    return {
        "registry": registry.value,
        "mode": REPLACE if record_ids is None else AMEND,
        "fields": chosen,
        "records": records,
    }


def _chosen_fields(fields: Iterable[str]) -> list[str]:
    names = {name.strip() for name in fields if name.strip()}
    unknown = sorted(names - set(IMPORT_COLUMNS))
    if unknown:
        raise ValidationFailed([FieldProblem("fields", "unknown_field", f"not list columns: {unknown}")])
    names.update(REQUIRED_COLUMNS)
    return [name for name in IMPORT_COLUMNS if name in names]


def _content(message: str) -> PackageRefused:
    return PackageRefused(Refusal.INVALID_CONTENT, message, field="payload")


def _checked(payload: Mapping[str, Any]) -> tuple[Registry, str, ValidatedList]:
    if set(payload) != _PAYLOAD_FIELDS:
        raise _content(f"a disclosure has exactly {sorted(_PAYLOAD_FIELDS)}")
    try:
        registry = Registry(payload["registry"])
    except ValueError as error:
        raise _content("registry is held or sought") from error
    mode, fields, records = payload["mode"], payload["fields"], payload["records"]
    if mode not in (REPLACE, AMEND) or not isinstance(fields, list) or not isinstance(records, list):
        raise _content("mode is replace or amend; fields and records are lists")
    checked = ValidatedList([], [], [])
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or not set(record) <= set(fields) <= set(IMPORT_COLUMNS):
            raise _content(f"record {number} has fields outside the disclosed columns")
        if not all(isinstance(value, str) for value in record.values()):
            raise _content(f"record {number}: every value is text")
        person, problems = parse_person_row(record, registry, row=number)
        checked.problems.extend(problems)
        if person is not None:
            if person.record_id in seen:
                checked.problems.append(FieldProblem("record_id", "duplicate_id", "disclosed twice", number))
            seen.add(person.record_id)
            checked.rows.append(person)
            checked.row_numbers.append(number)
    if checked.problems:
        first = checked.problems[0]
        raise _content(
            f"{len(checked.problems)} problem(s) in the disclosed records; the first: record {first.row},"
            f" field {first.field} ({first.code})"
        )
    return registry, mode, checked


def apply_disclosure(session: Session, actor: Actor, opened: OpenedPackage, peer_id: str) -> str:
    """Keep a received disclosure as the peer's disclosed list; a one-line summary (counts only)."""
    registry, mode, checked = _checked(opened.body.payload)
    report, person_ids = upsert_records(session, actor, peer_id, registry, checked)
    name = opened.envelope.name
    existing = {
        row.source_id: row
        for row in session.execute(
            select(DisclosedRecordRow).where(
                DisclosedRecordRow.party_id == peer_id, DisclosedRecordRow.registry_kind == registry.value
            )
        ).scalars()
    }
    for record_id, person_id in person_ids.items():
        row = existing.get(record_id)
        if row is None:
            session.add(
                DisclosedRecordRow(
                    party_id=peer_id,
                    registry_kind=registry.value,
                    source_id=record_id,
                    person_id=person_id,
                    package=name,
                )
            )
        else:
            row.package, row.withdrawn_by = name, None
    withdrawn = 0
    if mode == REPLACE:
        gone = [
            row.id for source, row in existing.items() if source not in person_ids and not row.withdrawn_by
        ]
        withdrawn = len(gone)
        for start in range(0, len(gone), 500):
            session.execute(
                update(DisclosedRecordRow)
                .where(DisclosedRecordRow.id.in_(gone[start : start + 500]))
                .values(withdrawn_by=name)
            )
    session.flush()
    return (
        f"{registry.value} list ({mode}): {report.created} new, {report.updated} updated,"
        f" {report.unchanged} unchanged, {withdrawn} withdrawn"
    )
