"""Publication acts: the public ledger shows only figures a party or the mediator chose to publish, as they
stood when it published them. A party publishes its own registry counts, figure by figure (deaths never
unless named); the mediator may publish any party's, and an agreement's recorded handover, day by day,
under a public label that is never its internal title or venue. Every act is logged: who, when, which
figures. Small counts are suppressed when shown (`Settings.public_min_count`), not when stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import TRANSITIONS, Registry, Status
from homebound.db.agreement_store import participants_of
from homebound.db.exchange_tables import ExchangeRecordRow
from homebound.db.log_store import log_action
from homebound.db.privacy_tables import PublicationRow
from homebound.db.tables import OrganisationRow, PersonRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_access import load_agreement_row, require
from homebound.services.exchange_ledger import crossing_days
from homebound.services.public_exchanges import EXCHANGE_PUBLICATION, suppressed

REGISTRY_PUBLICATION = "registry_counts"
# Every figure a party can publish: "<registry>_<status>", e.g. "held_hospitalised".
FIGURE_KEYS: tuple[str, ...] = tuple(f"{r.value}_{s.value}" for r in Registry for s in TRANSITIONS[r])
DEATH_FIGURES = frozenset(f"{r.value}_{Status.DECEASED.value}" for r in Registry)
DEFAULT_FIGURES: tuple[str, ...] = tuple(k for k in FIGURE_KEYS if k not in DEATH_FIGURES)
MAX_LABEL = 120


@dataclass(frozen=True)
class PublicationView:
    id: str
    kind: str
    subject: str  # party code, or agreement id
    organisation: str  # the publisher's organisation code
    published_by: str
    published_at: dt.datetime
    figures: dict[str, Any]


def _view(row: PublicationRow, subject: str, organisation: str) -> PublicationView:
    return PublicationView(
        row.id, row.kind, subject, organisation, row.published_by, row.published_at, row.figures
    )


def _record(
    session: Session,
    actor: Actor,
    kind: str,
    subject_id: str,
    figures: dict[str, Any],
    *,
    party: str | None = None,
) -> PublicationRow:
    assert actor.organisation_id is not None
    row = PublicationRow(
        kind=kind,
        subject_id=subject_id,
        organisation_id=actor.organisation_id,
        published_by=actor.user_id or "",
        published_at=utcnow(),
        figures=figures,
    )
    session.add(row)
    session.flush()
    payload = {"publication": row.id, "kind": kind, "subject": subject_id, "figures": figures}
    # A party's counts as published, exact (before suppression): the party's and the mediator's entry only.
    log_action(session, actor, ActionTag.LEDGER_PUBLISH, "publication", row.id, payload, party=party)
    return row


def _organisation_code(session: Session, organisation_id: str) -> str:
    org = session.get(OrganisationRow, organisation_id)
    return org.code if org is not None else ""


# --- registry counts ----------------------------------------------------------------------------------------


def _chosen(figures: Sequence[str] | None) -> list[str]:
    if figures is None:
        return list(DEFAULT_FIGURES)
    unknown = [(n, f) for n, f in enumerate(figures) if f not in FIGURE_KEYS]
    if unknown:
        raise ValidationFailed(
            [FieldProblem(f"figures.{n}", "invalid_value", f"no such figure {f!r}") for n, f in unknown]
        )
    if not figures:
        raise ValidationFailed([FieldProblem("figures", "invalid_value", "name at least one figure")])
    return sorted(set(figures), key=FIGURE_KEYS.index)


def publish_registry_counts(
    uows: UnitOfWorkFactory, actor: Actor, party_code: str, figures: Sequence[str] | None = None
) -> PublicationView:
    """Publish a party's counts as they stand now, of the figures named (default: all but deaths)."""
    chosen = _chosen(figures)
    with uows.writer() as uow:
        session = uow.session
        party = session.execute(
            select(OrganisationRow).where(
                OrganisationRow.code == party_code, OrganisationRow.kind == OrganisationKind.PARTY.value
            )
        ).scalar_one_or_none()
        if party is None:
            raise NotFound("no such party", field="party")
        own = actor.party_id == party.id and can(actor, Permission.PARTY_FIGURES_PUBLISH)
        if not (own or can(actor, Permission.ANY_FIGURES_PUBLISH)) or actor.organisation_id is None:
            raise PermissionDenied("only the party itself or the mediator publishes a party's figures")
        counts = dict.fromkeys(chosen, 0)
        found = session.execute(
            select(PersonRow.registry_kind, PersonRow.status, func.count())
            .where(PersonRow.party_id == party.id)
            .group_by(PersonRow.registry_kind, PersonRow.status)
        ).all()
        for registry, status, n in found:
            if f"{registry}_{status}" in counts:
                counts[f"{registry}_{status}"] = int(n)
        snapshot = {"party": party_code, "counts": counts}
        row = _record(session, actor, REGISTRY_PUBLICATION, party.id, snapshot, party=party.id)
        view = _view(row, party_code, _organisation_code(session, actor.organisation_id))
        uow.commit()
        return view


def published_registry_counts(uows: UnitOfWorkFactory, *, min_count: int) -> list[dict[str, Any]]:
    """Per party, its latest published counts (small ones as None) and when they were published."""
    with uows.reader() as uow:
        acts = uow.session.execute(
            select(PublicationRow)
            .where(PublicationRow.kind == REGISTRY_PUBLICATION)
            .order_by(PublicationRow.subject_id, PublicationRow.published_at)
        ).scalars()
        latest = {act.subject_id: act for act in acts}
    parties = []
    for act in sorted(latest.values(), key=lambda a: str(a.figures["party"])):
        counts = {k: suppressed(int(n), min_count) for k, n in act.figures["counts"].items()}
        parties.append(
            {"party": act.figures["party"], "published_at": act.published_at.isoformat(), **counts}
        )
    return parties


# --- a recorded exchange ------------------------------------------------------------------------------------


def _superseded(
    session: Session, explicit: Sequence[str], days: set[str], sides: tuple[str, str]
) -> list[str]:
    """Reported exchanges this recorded one replaces: those named, and those reported on a day it crossed
    between the same two parties."""
    reported = session.execute(select(ExchangeRecordRow).where(ExchangeRecordRow.reported)).scalars()
    by_id = {r.id: r for r in reported}
    unknown = [(n, i) for n, i in enumerate(explicit) if i not in by_id]
    if unknown:
        raise ValidationFailed(
            [
                FieldProblem(f"supersedes.{n}", "invalid_value", "no such reported exchange")
                for n, _ in unknown
            ]
        )
    same_day = [
        r.id for r in by_id.values() if r.exchange_date.isoformat() in days and (r.side_a, r.side_b) == sides
    ]
    return sorted(set(explicit) | set(same_day))


def publish_exchange(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    *,
    public_label: str = "",
    supersedes: Sequence[str] = (),
) -> PublicationView:
    """The mediator publishes an agreement's closed tranches, one line per day of crossing, under its public
    label (given now, or set before). Publishing again replaces the agreement's earlier publication."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(actor, seat, row, None, Permission.ANY_FIGURES_PUBLISH, "publish an exchange")
        label = public_label.strip() or (row.public_label or "")
        if not label or len(label) > MAX_LABEL:
            message = f"a public label of 1 to {MAX_LABEL} characters (never the internal title)"
            raise ValidationFailed([FieldProblem("public_label", "invalid_value", message)])
        days = crossing_days(session, row)
        if not days:
            raise Conflict(
                "no tranche of this agreement is closed: nothing to publish", code="ledger.nothing_closed"
            )
        participants = participants_of(session, row)
        sides = (participants.party_a, participants.party_b)
        replaced = _superseded(session, supersedes, {d.day.isoformat() for d in days}, sides)
        mediator = session.get(OrganisationRow, row.mediator_id)
        row.public_label = label
        snapshot = {
            "label": label,
            "mediator": mediator.name if mediator is not None else participants.mediator,
            "side_a": sides[0],
            "side_b": sides[1],
            "supersedes": replaced,
            "days": [
                {
                    "date": d.day.isoformat(),
                    "tranche": d.tranche,
                    "figures": d.figures,
                    "categories": d.categories,
                }
                for d in days
            ],
        }
        published = _record(session, actor, EXCHANGE_PUBLICATION, row.id, snapshot)
        view = _view(published, row.id, _organisation_code(session, published.organisation_id))
        uow.commit()
        return view
