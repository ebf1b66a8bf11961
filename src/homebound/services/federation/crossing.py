"""The offline crossing: a crossing node (a mediator's laptop with no network) holds the manifest of a
concluded agreement, records each line as its devices saw it, and issues the signed handover act of a
tranche; the act goes out as a `handover-act` package when a network is at hand again.

The manifest arrives with the agreement's conclusion (`crossing_manifest` builds it on the node that
concluded the agreement; `install_manifest_in` is what the `conclusion` kind's handler calls on arrival).
Lines are never edited: two accounts of one line (two devices, or one device twice) are both kept, and the
act says which one counts by the rule of `core.packages.acts.resolve`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import Conflict, NotFound, PermissionDenied
from homebound.core.log.entries import ActionTag, canonical
from homebound.core.packages.acts import (
    CrossingLine,
    CrossingManifest,
    HandoverAct,
    ManifestEntry,
    Outcome,
    PersonRef,
    build_act,
    check_against_manifest,
    read_act,
)
from homebound.core.packages.envelope import OpenedPackage
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.db.crossing_tables import CrossingLineRow, CrossingManifestRow, HandoverActRow
from homebound.db.exchange_tables import HandoverLineRow
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow, PersonRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_access import load_agreement_row
from homebound.services.federation.node import NODE_ACTOR, own_node, own_signing_key, pinned_cards


def now_precise() -> str:
    """UTC now to the microsecond: two lines recorded in one second are still ordered."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- the manifest -------------------------------------------------------------------------------------------


def crossing_manifest(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> dict[str, Any]:
    """The manifest of a concluded agreement, persons named by the releasing party's own record ids."""
    with uows.reader() as uow:
        session = uow.session
        row, _ = load_agreement_row(session, actor, agreement_id)
        if row.content_hash is None:
            raise Conflict("the agreement is not concluded", code="exchange.not_concluded")
        organisations = session.execute(select(OrganisationRow.id, OrganisationRow.code)).all()
        codes: dict[str, str] = dict(organisations)
        lines = session.execute(
            select(HandoverLineRow.tranche_index, HandoverLineRow.line_no, PersonRow.party_id,
                   PersonRow.source_id)
            .join(PersonRow, PersonRow.id == HandoverLineRow.candidate_id)
            .where(HandoverLineRow.agreement_id == row.id)
            .order_by(HandoverLineRow.tranche_index, HandoverLineRow.line_no)
        ).all()  # fmt: skip
        tranches: dict[int, list[ManifestEntry]] = {}
        for index, line_no, party_id, source_id in lines:
            tranches.setdefault(index + 1, []).append(
                ManifestEntry(line_no, PersonRef(codes[party_id], source_id))
            )
        manifest = CrossingManifest(
            row.id,
            row.content_hash,
            codes[row.party_a_id],
            codes[row.party_b_id],
            codes[row.mediator_id],
            {n: tuple(e) for n, e in tranches.items()},
        )
    return manifest.to_json()  # fmt: skip


def install_manifest_in(
    session: Session, actor: Actor | str, document: Mapping[str, Any]
) -> CrossingManifest:
    """Keep a concluded agreement's manifest on this node (once; the same one again changes nothing)."""
    manifest = CrossingManifest.from_json(document)
    if session.get(CrossingManifestRow, manifest.content_hash) is None:
        session.add(
            CrossingManifestRow(
                content_hash=manifest.content_hash,
                agreement_id=manifest.agreement,
                party_a=manifest.party_a,
                party_b=manifest.party_b,
                mediator=manifest.mediator,
                document=manifest.to_json(),
                installed_by=actor if isinstance(actor, str) else actor.user_id or "",
            )
        )
        session.flush()
        lines = sum(len(entries) for entries in manifest.tranches.values())
        log_action(session, actor, ActionTag.CROSSING_INSTALL, "agreement", manifest.agreement,
                   {"content_hash": manifest.content_hash, "tranches": len(manifest.tranches),
                    "lines": lines}, party=None)  # fmt: skip
    return manifest


def install_manifest(uows: UnitOfWorkFactory, actor: Actor | str, document: Mapping[str, Any]) -> None:
    with uows.writer() as uow:
        install_manifest_in(uow.session, actor, document)
        uow.commit()


def manifest_row(session: Session, content_hash: str) -> CrossingManifestRow:
    """Who the agreement is between, without reading its lines."""
    row = session.get(CrossingManifestRow, content_hash)
    if row is None:
        raise NotFound("no concluded agreement with this content hash on this node", field="content_hash")
    return row


def manifest_of(session: Session, content_hash: str) -> CrossingManifest:
    return CrossingManifest.from_json(manifest_row(session, content_hash).document)


def _manifest_or_none(session: Session) -> Callable[[str], CrossingManifest | None]:
    def find(content_hash: str) -> CrossingManifest | None:
        row = session.get(CrossingManifestRow, content_hash)
        return None if row is None else CrossingManifest.from_json(row.document)

    return find


# --- recording at the crossing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRecord:
    """What a device saw on one manifest line; the person comes from the manifest."""

    line_no: int
    outcome: Outcome
    crossed_at: str | None = None
    substitute: str | None = None  # the releasing party's record id of the person who crossed instead
    note: str = ""
    device: str = ""  # defaults to this node's code


def _mediator_member(session: Session, actor: Actor) -> str:
    node = own_node(session)
    if not can(actor, Permission.ANY_HANDOVER_RECORD) or actor.organisation_id != node.organisation_id:
        raise PermissionDenied("only the mediator's staff on this node record the crossing")
    return node.code


def record_crossing(
    uows: UnitOfWorkFactory, actor: Actor, content_hash: str, tranche: int, records: Sequence[LineRecord]
) -> list[str]:
    """Record lines as this node's devices saw them, all or none; the hashes of the lines recorded."""
    with uows.writer() as uow:
        session = uow.session
        code = _mediator_member(session, actor)
        manifest = manifest_of(session, content_hash)
        entries = {e.line_no: e for e in manifest.entries(tranche)}
        user = session.get(UserRow, actor.user_id) if actor.user_id else None
        recorder = user.username if user is not None else NODE_ACTOR
        recorded: list[CrossingLine] = []
        for record in records:
            entry = entries.get(record.line_no)
            if entry is None:
                raise NotFound(f"no line {record.line_no} in tranche {tranche}", field="line_no")
            substitute = (
                None if record.substitute is None else PersonRef(entry.person.party, record.substitute)
            )
            line = CrossingLine(tranche, record.line_no, entry.person, record.outcome, record.crossed_at,
                                substitute, record.note, recorder, record.device or code,
                                now_precise()).check()  # fmt: skip
            check_against_manifest([line], manifest.entries(tranche), tranche)
            recorded.append(line)
            log_action(session, actor, ActionTag.CROSSING_LINE, "crossing_line", line.hash,
                       {"content_hash": content_hash, "tranche": tranche, "line": line.line_no,
                        "outcome": line.outcome.value, "device": line.device}, party=None)  # fmt: skip
        _keep_lines(session, content_hash, recorded, source=None)
        uow.commit()
    return [line.hash for line in recorded]


def _keep_lines(
    session: Session, content_hash: str, lines: Sequence[CrossingLine], *, source: str | None
) -> int:
    """Keep the lines not held yet (by hash), in one flush; how many were new."""
    held: set[str] = set()
    hashes = list({line.hash for line in lines})
    for start in range(0, len(hashes), 500):
        found = session.execute(
            select(CrossingLineRow.hash).where(CrossingLineRow.hash.in_(hashes[start : start + 500]))
        )
        held.update(found.scalars())
    new = {line.hash: line for line in lines if line.hash not in held}
    session.add_all(
        CrossingLineRow(hash=line.hash, content_hash=content_hash, tranche=line.tranche, line_no=line.line_no,
                        device=line.device, document=line.to_json(), source=source)
        for line in new.values()
    )  # fmt: skip
    session.flush()
    return len(new)


def lines_held(session: Session, content_hash: str, tranche: int) -> list[tuple[CrossingLine, str | None]]:
    rows = session.execute(
        select(CrossingLineRow.document, CrossingLineRow.source).where(
            CrossingLineRow.content_hash == content_hash, CrossingLineRow.tranche == tranche
        )
    ).all()
    return [(CrossingLine.from_json(document), source) for document, source in rows]


# --- the act ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedAct:
    hash: str
    act: HandoverAct
    signed: dict[str, Any]


def issue_act(uows: UnitOfWorkFactory, actor: Actor, content_hash: str, tranche: int) -> IssuedAct:
    """Sign the act of a tranche over every line this node holds (its own and other devices' acts')."""
    with uows.writer() as uow:
        session = uow.session
        code = _mediator_member(session, actor)
        manifest = manifest_of(session, content_hash)
        held = lines_held(session, content_hash, tranche)
        merged = {source for _, source in held if source is not None}
        act = build_act(manifest, tranche, code, now_precise(), [line for line, _ in held], merged)
        signed = act.signed(own_signing_key(session, own_node(session).organisation_id))
        if session.get(HandoverActRow, act.hash) is None:
            session.add(HandoverActRow(hash=act.hash, content_hash=content_hash, tranche=tranche, issuer=code,
                                       complete=act.resolution.complete, document=canonical(signed),
                                       package=None))  # fmt: skip
            session.flush()
        log_action(
            session, actor, ActionTag.ACT_ISSUE, "handover_act", act.hash, _act_summary(act), party=None
        )
        uow.commit()
    return IssuedAct(act.hash, act, signed)


def _act_summary(act: HandoverAct) -> dict[str, Any]:
    return {"content_hash": act.content_hash, "tranche": act.tranche, "issuer": act.issuer,
            "lines": len(act.lines), "conflicts": len(act.resolution.conflicts),
            "complete": act.resolution.complete, "counted": act.resolution.to_json()["counted"]}  # fmt: skip


def act_payload(uows: UnitOfWorkFactory, act_hash: str) -> dict[str, Any]:
    """The payload of a `handover-act` package carrying a held act (to the parties, the other nodes)."""
    with uows.reader() as uow:
        row = uow.session.get(HandoverActRow, act_hash)
        if row is None:
            raise NotFound("no such handover act on this node", field="act")
        return {"act": _parsed(row.document)}


def _parsed(document: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(document)
    return parsed


def apply_handover_act(session: Session, actor: Actor, opened: OpenedPackage, _peer_id: str) -> str:
    """Keep a received act and the lines it brings (each line once, whatever act brought it first)."""
    payload = opened.body.payload
    if set(payload) != {"act"}:
        raise PackageRefused(
            Refusal.INVALID_CONTENT, "a handover-act package holds exactly an act", field="payload"
        )
    sender = pinned_cards(session)[opened.body.sender]
    act = read_act(payload["act"], sender.signing_key, _manifest_or_none(session))
    if act.issuer != sender.org:
        raise PackageRefused(Refusal.INVALID_CONTENT, "the act was issued by another node than its sender",
                             field="issuer")  # fmt: skip
    node = own_node(session)
    manifest = manifest_row(session, act.content_hash)
    if node.kind.value == "party" and node.code not in (manifest.party_a, manifest.party_b):
        raise PackageRefused(Refusal.INVALID_CONTENT, "this party is no party to the act's agreement")
    if session.get(HandoverActRow, act.hash) is not None:
        return f"act {act.hash[:16]} of tranche {act.tranche} was held already"
    session.add(HandoverActRow(hash=act.hash, content_hash=act.content_hash, tranche=act.tranche,
                               issuer=act.issuer, complete=act.resolution.complete,
                               document=canonical(payload["act"]), package=opened.envelope.name))  # fmt: skip
    new = _keep_lines(session, act.content_hash, act.lines, source=act.hash)
    summary = {**_act_summary(act), "package": opened.envelope.name, "new_lines": new}
    log_action(session, actor, ActionTag.ACT_IMPORT, "handover_act", act.hash, summary, party=None)
    state = "complete" if act.resolution.complete else "incomplete"
    return (f"act {act.hash[:16]} of tranche {act.tranche} ({state}): {len(act.lines)} line(s), {new} new,"
            f" {len(act.resolution.conflicts)} conflict(s)")  # fmt: skip


def held_act(session: Session, act_hash: str) -> HandoverAct:
    row = session.get(HandoverActRow, act_hash)
    if row is None:
        raise NotFound("no such handover act on this node", field="act")
    issuer_key = _issuer_key(session, row.issuer)
    return read_act(_parsed(row.document), issuer_key, _manifest_or_none(session))


def _issuer_key(session: Session, issuer: str) -> bytes:
    node = own_node(session)
    if issuer == node.code:
        return own_signing_key(session, node.organisation_id).public_key
    card = pinned_cards(session).get(issuer)
    if card is None:
        raise NotFound("the act's issuer is not pinned here", field="issuer")
    return card.signing_key
