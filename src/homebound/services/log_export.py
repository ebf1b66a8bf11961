"""Exports of the log for offline verification: every entry body (none holds personal data), the payloads
the reader may see (a party: its own and the public key and checkpoint payloads; a mediator: all), the keys,
the checkpoints and their proofs."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from sqlalchemy import select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import PermissionDenied
from homebound.core.log.export import ExportContent, encode_export, payload_visible_to
from homebound.db.checkpoint_store import load_checkpoints, log_origin
from homebound.db.log_store import entry_of, iter_entry_rows, key_records, load_payloads
from homebound.db.tables import LogHeadRow
from homebound.db.uow import UnitOfWorkFactory


def export_log(uows: UnitOfWorkFactory, actor: Actor) -> dict[str, bytes]:
    """The export files, by name, as `actor` may see them."""
    if can(actor, Permission.ANY_LOG_READ):
        party = None
    elif can(actor, Permission.PARTY_LOG_READ) and actor.party_id is not None:
        party = actor.party_id
    else:
        raise PermissionDenied("this role may not export the log")
    with uows.reader() as uow:
        session = uow.session
        entries: list[tuple[bytes, bytes | None]] = []
        visible: set[int] = set()
        for row in iter_entry_rows(session):
            entry = entry_of(row)
            entries.append((entry.leaf_bytes(), bytes.fromhex(row.signature) if row.signature else None))
            if payload_visible_to(entry, party):
                visible.add(entry.seq)
        payloads = load_payloads(session, visible.__contains__)
        head = session.execute(select(LogHeadRow.head_hash).where(LogHeadRow.id == 1)).scalar_one()
        content = ExportContent(
            origin=log_origin(session),
            party=party,
            exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            entries=entries,
            payloads=((seq, salt, payload) for seq, (salt, payload) in sorted(payloads.items())),
            keys=key_records(session),
            checkpoints=[head for _, head in load_checkpoints(session)],
            head_hash=head,
        )
        return encode_export(content)


def zip_export(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
