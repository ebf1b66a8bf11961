"""Negotiating an agreement: create, propose, counter-propose, amend, share, accept, conclude.

Every command loads the agreement into the core aggregate, applies one action, writes the rows its events
imply and logs it, in one transaction. A version authored by one party is seen by that party and the
mediator only, until the mediator shares it; sharing a version shares the persons on its lists with the
party that would receive them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from homebound.core.exchange.agreement import (
    AddPerson,
    Agreement,
    AgreementVersion,
    Amendment,
    RemovePerson,
    ReplacePerson,
    Role,
    content_hash,
)
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import ListedPerson
from homebound.core.exchange.terms import Terms
from homebound.core.log.entries import ActionTag
from homebound.db.agreement_store import acceptance_rows, load_agreement, persist_events, version_of
from homebound.db.exchange_tables import AgreementRow, AgreementVersionRow
from homebound.db.federation_tables import NodeIdentityRow
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow, PersonShareRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.agreement_views import (
    AgreementView,
    VersionView,
    agreement_view,
    version_view,
    visible,
)
from homebound.services.amendment_rules import check_replacements, hold_back
from homebound.services.candidates import check_listed, chunks, with_rank_classes
from homebound.services.exchange_access import (
    load_agreement_row,
    party_of,
    require,
)
from homebound.services.handover import open_handover
from homebound.services.sign_in import Reauthentication, SignInThrottle, confirm_binding

# --- creating and reading -----------------------------------------------------------------------------------


def _party(session: Session, code: str, field: str) -> OrganisationRow:
    found = session.execute(
        select(OrganisationRow).where(
            OrganisationRow.code == code, OrganisationRow.kind == OrganisationKind.PARTY.value
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("no such party", field=field)
    return found


def create_agreement(
    uows: UnitOfWorkFactory,
    actor: Actor,
    *,
    title: str,
    party_a: str,
    party_b: str,
    venue: str,
    public_label: str | None = None,
) -> AgreementView:
    """The mediator opens an agreement between two parties, with itself as mediator."""
    if not can(actor, Permission.ANY_AGREEMENT_MANAGE) or actor.organisation_id is None:
        raise PermissionDenied("only a mediator opens an agreement")
    with uows.writer() as uow:
        session = uow.session
        first, second = _party(session, party_a, "party_a"), _party(session, party_b, "party_b")
        if first.id == second.id:
            raise ValidationFailed(
                [FieldProblem("party_b", "exchange.same_party", "an agreement is between two parties")]
            )
        now = utcnow()
        row = AgreementRow(
            title=title,
            party_a_id=first.id,
            party_b_id=second.id,
            mediator_id=actor.organisation_id,
            venue=venue,
            public_label=public_label,
            status="draft",
            latest_version=0,
            created_by=actor.user_id or "",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        payload = {
            "agreement": row.id,
            "title": title,
            "party_a": first.id,
            "party_b": second.id,
            "mediator": actor.organisation_id,
            "venue": venue,
        }
        log_action(session, actor, ActionTag.AGREEMENT_CREATE, "agreement", row.id, payload)
        view = agreement_view(session, row, Role.MEDIATOR)
        uow.commit()
        return view


# --- versions -----------------------------------------------------------------------------------------------


def _check_current(row: AgreementRow, expected_version: int | None, *, guarded: bool) -> None:
    """A change built on the latest version must say which version it saw (If-Match), once there is one."""
    if expected_version is None:
        if guarded and row.latest_version > 0:
            raise PreconditionRequired(
                "send If-Match with the agreement's ETag (the version this change builds on)",
                code="precondition_required",
                field="If-Match",
            )
        return
    if expected_version != row.latest_version:
        raise PreconditionFailed(
            f"the agreement is at version {row.latest_version}, not {expected_version}",
            code="agreement.stale_version",
            field="If-Match",
        )


def _check_seen(session: Session, row: AgreementRow, seat: Role) -> None:
    """A party builds only on a version it has seen; the other side's stays with the mediator until shared."""
    latest = session.get(AgreementVersionRow, (row.id, row.latest_version)) if row.latest_version else None
    if latest is not None and not visible(latest, seat):
        raise Conflict(
            "the latest version was not shared with this party yet; the mediator shares it first",
            code="agreement.unshared_version",
        )


def record_version(
    session: Session,
    actor: Actor,
    row: AgreementRow,
    seat: Role,
    updated: Agreement,
    *,
    share: bool,
) -> AgreementVersionRow:
    """Persist and log the version the last core action recorded; share it when the mediator says so."""
    (version_row,) = persist_events(session, row, updated, updated.events, user_id=actor.user_id or "")
    version = updated.latest
    payload = {
        "agreement": row.id,
        "version": version.number,
        "kind": version.kind.value,
        "author": seat.value,
        "content_hash": content_hash(row.id, updated.participants, version),
        "changes": version_row.changes,
    }
    log_action(session, actor, ActionTag.AGREEMENT_VERSION, "agreement", row.id, payload)
    if share:
        share_rows(session, actor, row, version_row, version)
    return version_row


def new_version(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    action: str,
    build: Callable[[Session, AgreementRow, Role, Agreement], Agreement],
    *,
    share: bool,
    expected_version: int | None,
    guarded: bool = True,
    withhold: Callable[[Agreement], bool] | None = None,
) -> VersionView:
    """Shared path of propose, counter-propose, amend and compose: `build(session, row, seat, agreement)`
    does the core action and returns the updated aggregate. `guarded` changes need `expected_version` once
    the agreement has a version; `withhold(updated)` true keeps the new version unshared whatever `share`
    asked."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(
            actor, seat, row, Permission.PARTY_AGREEMENT_NEGOTIATE, Permission.ANY_AGREEMENT_MANAGE, action
        )
        if share and seat is not Role.MEDIATOR:
            raise PermissionDenied("only the mediator shares a version with the other party")
        _check_current(row, expected_version, guarded=guarded)
        _check_seen(session, row, seat)
        agreement = load_agreement(session, row)
        updated = build(session, row, seat, agreement)
        shared = share and (withhold is None or not withhold(updated))
        version_row = record_version(session, actor, row, seat, updated, share=shared)
        accepted = [(a.version, a.role) for a in acceptance_rows(session, row.id)]
        view = version_view(version_row, accepted, full=True)
        uow.commit()
        return view


def _checked_lists(
    session: Session,
    actor: Actor,
    row: AgreementRow,
    list_a: Sequence[ListedPerson],
    list_b: Sequence[ListedPerson],
) -> tuple[list[ListedPerson], list[ListedPerson]]:
    persons = check_listed(session, actor, row, {Side.A: list_a, Side.B: list_b})
    return with_rank_classes(list_a, persons), with_rank_classes(list_b, persons)


def propose(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    terms: Terms,
    list_a: Sequence[ListedPerson],
    list_b: Sequence[ListedPerson],
    *,
    note: str = "",
    counter: bool = False,
    share: bool = False,
    expected_version: int | None = None,
) -> VersionView:
    """A full version: the first proposal, or (`counter`) a counter-proposal replacing terms and lists."""

    def build(session: Session, row: AgreementRow, seat: Role, agreement: Agreement) -> Agreement:
        checked_a, checked_b = _checked_lists(session, actor, row, list_a, list_b)
        act = agreement.counter_propose if counter else agreement.propose
        return act(by=seat, terms=terms, list_a=checked_a, list_b=checked_b, note=note)

    action = "counter-propose" if counter else "propose"
    return new_version(
        uows,
        actor,
        agreement_id,
        action,
        build,
        share=share,
        expected_version=expected_version,
        guarded=counter,
    )


def amend(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    amendments: Sequence[Amendment],
    *,
    note: str = "",
    share: bool = False,
    expected_version: int | None = None,
) -> VersionView:
    """Add, remove or replace named persons, each with its reason, as a new version."""

    def build(session: Session, row: AgreementRow, seat: Role, agreement: Agreement) -> Agreement:
        checked = _checked_amendments(session, actor, row, amendments)
        check_replacements(session, checked)
        updated = agreement.amend(by=seat, amendments=checked, note=note)
        hold_back(session, actor, row, updated.latest.number, checked)
        return updated

    return new_version(
        uows, actor, agreement_id, "amend", build, share=share, expected_version=expected_version
    )


def _checked_amendments(
    session: Session, actor: Actor, row: AgreementRow, amendments: Sequence[Amendment]
) -> list[Amendment]:
    """Persons an amendment brings in must be listable like any other; their rank classes from records."""
    incoming: dict[Side, list[ListedPerson]] = {Side.A: [], Side.B: []}
    for amendment in amendments:
        if isinstance(amendment, AddPerson):
            incoming[amendment.side].append(amendment.person)
        elif isinstance(amendment, ReplacePerson):
            incoming[amendment.side].append(amendment.replacement)
    persons = check_listed(session, actor, row, incoming)
    checked: list[Amendment] = []
    for amendment in amendments:
        if isinstance(amendment, AddPerson):
            (person,) = with_rank_classes([amendment.person], persons)
            checked.append(AddPerson(amendment.side, person, amendment.reason))
        elif isinstance(amendment, ReplacePerson):
            (person,) = with_rank_classes([amendment.replacement], persons)
            checked.append(ReplacePerson(amendment.side, amendment.candidate_id, person, amendment.reason))
        else:
            assert isinstance(amendment, RemovePerson)
            checked.append(amendment)
    return checked


# --- sharing ------------------------------------------------------------------------------------------------


def share_rows(
    session: Session,
    actor: Actor,
    row: AgreementRow,
    version_row: AgreementVersionRow,
    version: AgreementVersion,
) -> int:
    """Make the version visible to both parties, and each listed person visible to the receiving party."""
    version_row.shared_at = utcnow()
    version_row.shared_by = actor.user_id or ""
    wanted = [(p.candidate_id, party_of(row, side.other)) for side in Side for p in version.listed(side)]
    owners = {p.candidate_id: party_of(row, side) for side in Side for p in version.listed(side)}
    ids = [person_id for person_id, _ in wanted]
    existing: set[tuple[str, str]] = set()
    for part in chunks(ids):
        found = session.execute(
            select(PersonShareRow.person_id, PersonShareRow.party_id).where(
                PersonShareRow.person_id.in_(part)
            )
        ).all()
        existing.update((person_id, party_id) for person_id, party_id in found)
    new = [pair for pair in wanted if pair not in existing]
    session.add_all(
        PersonShareRow(
            person_id=person_id,
            party_id=party_id,
            owner_party_id=owners[person_id],
            shared_by=actor.user_id or "",
        )
        for person_id, party_id in new
    )
    payload = {"agreement": row.id, "version": version.number, "persons_shared": sorted(p for p, _ in new)}
    log_action(session, actor, ActionTag.AGREEMENT_SHARE, "agreement", row.id, payload)
    session.flush()
    return len(new)


def share_version(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str, number: int) -> VersionView:
    """The mediator passes a version to both parties (a party's own version stays its own until then)."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(actor, seat, row, None, Permission.ANY_AGREEMENT_MANAGE, "share versions")
        version_row = session.get(AgreementVersionRow, (row.id, number))
        if version_row is None:
            raise NotFound("no such version", field="version")
        if version_row.shared_at is None:
            share_rows(session, actor, row, version_row, version_of(version_row))
        accepted = [(a.version, a.role) for a in acceptance_rows(session, row.id)]
        view = version_view(version_row, accepted, full=True)
        uow.commit()
        return view


# --- acceptance and conclusion ------------------------------------------------------------------------------


def accept(
    uows: UnitOfWorkFactory,
    actor: Actor,
    agreement_id: str,
    version: int,
    proof: Reauthentication,
    *,
    throttle: SignInThrottle | None = None,
) -> AgreementView:
    """A party's admin accepts one version, re-entering their password (and code, with a second factor);
    only the latest can be accepted. `throttle` (the app's) stops a stolen session guessing the password.

    Only in the single-server mode (several organisations on one server, docs/federation.md): on a
    federation node a party accepts on its own node, with its own key, and its signed acceptance arrives
    here as a package (services.federation.agreements); a password typed on the mediator's server binds
    no party there."""
    with uows.writer() as uow:
        session = uow.session
        if session.execute(select(NodeIdentityRow.id)).first() is not None:
            raise Conflict(
                "on a federation node a party accepts on its own node: its signed acceptance arrives as a"
                " package",
                code="agreement.accept_on_own_node",
            )
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(actor, seat, row, Permission.PARTY_AGREEMENT_ACCEPT, None, "accept an agreement")
        target = session.get(AgreementVersionRow, (row.id, version))
        if target is not None and not visible(target, seat):
            target = None
        if target is None and version <= row.latest_version and version >= 1:
            raise NotFound("no such version", field="version")
        agreement = load_agreement(session, row)
        updated = agreement.accept(by=seat, version=version, accepted_by=actor.user_id or "")
        confirm_binding(session, actor, proof, throttle=throttle, code="agreement.reauthentication_failed")
        persist_events(session, row, updated, updated.events, user_id=actor.user_id or "")
        payload = {
            "agreement": row.id,
            "version": version,
            "role": seat.value,
            "user": actor.user_id,
            "content_hash": content_hash(row.id, updated.participants, updated.version(version)),
        }
        log_action(session, actor, ActionTag.AGREEMENT_ACCEPT, "agreement", row.id, payload)
        view = agreement_view(session, row, seat)
        uow.commit()
        return view


def conclude(uows: UnitOfWorkFactory, actor: Actor, agreement_id: str) -> AgreementView:
    """Freeze the agreement on the version both parties accepted; plan its tranches and manifests, and mark
    everyone on the lists as listed for exchange, in the same transaction."""
    with uows.writer() as uow:
        session = uow.session
        row, seat = load_agreement_row(session, actor, agreement_id, lock=True)
        require(actor, seat, row, None, Permission.ANY_AGREEMENT_MANAGE, "conclude an agreement")
        agreement = load_agreement(session, row)
        updated = agreement.conclude(by=seat)
        persist_events(session, row, updated, updated.events, user_id=actor.user_id or "")
        conclusion = updated.conclusion
        assert conclusion is not None
        payload = {
            "agreement": row.id,
            "version": conclusion.version,
            "content_hash": conclusion.content_hash,
        }
        log_action(session, actor, ActionTag.AGREEMENT_CONCLUDE, "agreement", row.id, payload)
        open_handover(session, actor, row, updated)
        view = agreement_view(session, row, seat)
        uow.commit()
        return view
