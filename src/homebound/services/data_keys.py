"""Parties' data keys (personal data sealed at rest): list, rotate, re-encrypt under the current key, erase.

These are operations of whoever runs the server (the command line), not API actions: the keys live outside
the database, and erasing one ends a party's personal data for good (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from homebound.core.errors import NotFound
from homebound.db.death_tables import DeathRecordRow, RemainsRecordRow
from homebound.db.log_store import payload_ad
from homebound.db.sealed import TABLES, provider_of
from homebound.db.sealing import KeyUnavailable, PartyKeys, associated_data, sealed_key_id
from homebound.db.tables import InquiryRow, LogEntryRow, LogPayloadRow, OrganisationRow, PersonRow
from homebound.db.uow import UnitOfWorkFactory

_BATCH = 2000


@dataclass(frozen=True)
class PartyKeyState:
    code: str
    party_id: str
    current: str | None  # None: no key yet, or erased
    key_ids: tuple[str, ...]
    erased: bool


def _party(session: Session, code: str) -> OrganisationRow:
    row = session.execute(
        select(OrganisationRow).where(OrganisationRow.code == code, OrganisationRow.kind == "party")
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("no such party", field="party")
    return row


def list_keys(uows: UnitOfWorkFactory) -> list[PartyKeyState]:
    with uows.reader() as uow:
        parties = uow.session.execute(
            select(OrganisationRow).where(OrganisationRow.kind == "party").order_by(OrganisationRow.code)
        ).scalars()
        provider = provider_of(uow.session)
        states = []
        for party in parties:
            try:
                keys = provider.keys(party.id)
                states.append(PartyKeyState(party.code, party.id, keys.current, tuple(keys.data_keys), False))
            except KeyUnavailable as error:
                states.append(PartyKeyState(party.code, party.id, None, (), "erased" in str(error)))
        return states


def rotate_key(uows: UnitOfWorkFactory, code: str) -> str:
    """A new current data key for the party: new writes use it; values sealed before open under their own."""
    with uows.reader() as uow:
        party = _party(uow.session, code)
        provider = provider_of(uow.session)
        provider.keys(party.id, create=True)
        return provider.rotate(party.id)


def erase_keys(uows: UnitOfWorkFactory, code: str) -> None:
    """End of retention: destroy the party's data and search keys; what they sealed is unreadable for good."""
    with uows.reader() as uow:
        party = _party(uow.session, code)
        provider_of(uow.session).erase(party.id)


def _reseal_table(session: Session, keys: PartyKeys, table: Table, party_id: str) -> int:
    seal = TABLES[table.name]
    columns = list(seal.kinds)
    done, last = 0, ""
    while True:
        rows = session.execute(
            select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.party_id == party_id, table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return done
        changes = []
        for row in rows:
            values: dict[str, object] = {"b_id": row[0]}
            for column, blob in zip(columns, row[1:], strict=True):
                if blob is not None and sealed_key_id(bytes(blob)) != keys.current:
                    ad = associated_data(table.name, column, row[0])
                    values[column] = keys.seal(keys.open(bytes(blob), ad, f"{table.name}.{column}"), ad)
            if len(values) > 1:
                changes.append(values)
        for values in changes:  # rows differ in which columns changed
            statement = update(table).where(table.c.id == bindparam("b_id"))
            session.execute(statement, values)
        done += len(changes)
        last = rows[-1][0]


def reencrypt(uows: UnitOfWorkFactory, code: str) -> dict[str, int]:
    """Re-seal the party's values still under an older key with its current key (rows changed, by table).

    After it, older keys can be retired from the key file: nothing needs them any more.
    """
    counts: dict[str, int] = {}
    with uows.writer() as uow:
        session = uow.session
        party = _party(session, code)
        keys = provider_of(session).keys(party.id)
        tables: list[Table] = [
            PersonRow.__table__,  # type: ignore[list-item]
            InquiryRow.__table__,  # type: ignore[list-item]
            DeathRecordRow.__table__,  # type: ignore[list-item]
            RemainsRecordRow.__table__,  # type: ignore[list-item]
        ]
        for table in tables:
            counts[table.name] = _reseal_table(session, keys, table, party.id)
        payloads = session.execute(
            select(LogPayloadRow.seq, LogPayloadRow.sealed)
            .join(LogEntryRow, LogEntryRow.seq == LogPayloadRow.seq)
            .where(LogEntryRow.party == party.id, LogPayloadRow.sealed.is_not(None))
        ).all()
        changed = [
            {"b_seq": seq, "sealed": keys.seal(keys.open(bytes(blob), payload_ad(seq)), payload_ad(seq))}
            for seq, blob in payloads
            if blob is not None and sealed_key_id(bytes(blob)) != keys.current
        ]
        if changed:
            session.execute(
                update(LogPayloadRow.__table__).where(LogPayloadRow.seq == bindparam("b_seq")),  # type: ignore[arg-type]
                changed,
            )
        counts["log_payload"] = len(changed)
        uow.commit()
    return counts
