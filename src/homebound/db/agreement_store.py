"""Agreement repository: rows to the core `Agreement` and back, and the new rows a core event implies."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.exchange.agreement import (
    Agreement,
    AgreementConcluded,
    AgreementEvent,
    AgreementVersion,
    Participants,
    VersionAccepted,
    VersionRecorded,
    version_document,
)
from homebound.core.exchange.documents import (
    acceptance_of,
    change_to_document,
    conclusion_of,
    version_from_document,
)
from homebound.db.exchange_tables import AgreementAcceptanceRow, AgreementRow, AgreementVersionRow
from homebound.db.tables import OrganisationRow, utcnow


def participants_of(session: Session, row: AgreementRow) -> Participants:
    """Who and where, as the version documents name them: organisation codes and the venue."""
    codes = dict(
        session.execute(
            select(OrganisationRow.id, OrganisationRow.code).where(
                OrganisationRow.id.in_([row.party_a_id, row.party_b_id, row.mediator_id])
            )
        ).all()
    )
    return Participants(codes[row.party_a_id], codes[row.party_b_id], codes[row.mediator_id], row.venue)


def version_of(row: AgreementVersionRow) -> AgreementVersion:
    return version_from_document(
        row.document, kind=row.kind, author=row.author_role, note=row.note, changes=row.changes
    )


def acceptance_rows(session: Session, agreement_id: str) -> list[AgreementAcceptanceRow]:
    return list(
        session.execute(
            select(AgreementAcceptanceRow)
            .where(AgreementAcceptanceRow.agreement_id == agreement_id)
            .order_by(AgreementAcceptanceRow.accepted_at, AgreementAcceptanceRow.role)
        ).scalars()
    )


class _VersionCache:
    """Parsed versions, which never change once written: a long negotiation (40 versions of 1,000 names)
    would otherwise re-read every earlier document on each new action. Keyed by the row's creation time
    too, so a version rolled back and written again under the same number is never mistaken for the old."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int, str], AgreementVersion] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> AgreementVersion | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, str], version: AgreementVersion) -> None:
        with self._lock:
            self._items[key] = version
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_CACHE = _VersionCache()


def _versions(session: Session, agreement_id: str) -> tuple[AgreementVersion, ...]:
    stamps = session.execute(
        select(AgreementVersionRow.number, AgreementVersionRow.created_at)
        .where(AgreementVersionRow.agreement_id == agreement_id)
        .order_by(AgreementVersionRow.number)
    ).all()
    keys = {number: (agreement_id, number, created.isoformat()) for number, created in stamps}
    found = {number: _CACHE.get(key) for number, key in keys.items()}
    missing = [number for number, version in found.items() if version is None]
    if missing:
        for version_row in session.execute(
            select(AgreementVersionRow).where(
                AgreementVersionRow.agreement_id == agreement_id, AgreementVersionRow.number.in_(missing)
            )
        ).scalars():
            parsed = version_of(version_row)
            _CACHE.put(keys[version_row.number], parsed)
            found[version_row.number] = parsed
    return tuple(v for _, v in sorted(found.items()) if v is not None)


def load_agreement(session: Session, row: AgreementRow) -> Agreement:
    """The core aggregate of a stored agreement, with no pending events."""
    versions = _versions(session, row.id)
    acceptances = tuple(acceptance_of(a.role, a.version, a.user_id) for a in acceptance_rows(session, row.id))
    conclusion = None
    if row.concluded_version is not None and row.content_hash is not None:
        conclusion = conclusion_of(row.concluded_version, row.content_hash, row.concluded_by or "mediator")
    return Agreement(row.id, participants_of(session, row), versions, acceptances, conclusion)


def persist_events(
    session: Session,
    row: AgreementRow,
    agreement: Agreement,
    events: Iterable[AgreementEvent],
    *,
    user_id: str,
) -> list[AgreementVersionRow]:
    """Write what the events say happened; returns the version rows added."""
    added: list[AgreementVersionRow] = []
    now = utcnow()
    for event in events:
        if isinstance(event, VersionRecorded):
            version = agreement.version(event.number)
            version_row = AgreementVersionRow(
                agreement_id=row.id,
                number=version.number,
                kind=version.kind.value,
                author_role=version.author.value,
                author_user=user_id,
                note=version.note,
                document=version_document(row.id, agreement.participants, version),
                changes=[change_to_document(c) for c in version.changes],
                created_at=now,
            )
            session.add(version_row)
            added.append(version_row)
            row.latest_version = version.number
            row.status = agreement.status.value
        elif isinstance(event, VersionAccepted):
            session.add(
                AgreementAcceptanceRow(
                    agreement_id=row.id,
                    version=event.number,
                    role=event.role.value,
                    user_id=event.accepted_by,
                    accepted_at=now,
                )
            )
        elif isinstance(event, AgreementConcluded):
            assert agreement.conclusion is not None
            row.concluded_version = event.number
            row.content_hash = event.content_hash
            row.concluded_by = agreement.conclusion.concluded_by.value
            row.concluded_at = now
            row.status = agreement.status.value
        row.updated_at = now
    session.flush()
    return added
