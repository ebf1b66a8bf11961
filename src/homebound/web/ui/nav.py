"""The navigation each actor sees, decided by the one policy function; unbuilt areas are shown as such."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError

from homebound.core.access import Actor, OrganisationKind, Permission, can
from homebound.core.persons import Registry
from homebound.db.persons import PersonFilter
from homebound.services import registry as registry_service
from homebound.web.deps import get_uows
from homebound.web.ui.i18n import N_

log = logging.getLogger("homebound.web.ui")


@dataclass(frozen=True)
class NavItem:
    label: str  # English source text, translated in the template
    href: str | None  # None: the area is not built yet
    current: bool = False


def _item(label: str, href: str | None, here: str) -> NavItem:
    current = href is not None and (here == href or (href != "/" and here.startswith(href + "/")))
    return NavItem(label, href, current)


def workspace_url(actor: Actor) -> str:
    """Where a signed-in user starts: a party's registry, or the mediator's desk."""
    if actor.party_id is not None:
        return "/party/held"
    if not actor.is_public:
        return "/mediator"
    return "/"


def navigation(actor: Actor, here: str) -> list[NavItem]:
    items: list[tuple[str, str | None]] = []
    if actor.is_public:
        items += [(N_("Home"), "/"), (N_("Family inquiry"), "/family")]
    elif actor.party_id is not None:
        items += [(N_("Held"), "/party/held"), (N_("Sought"), "/party/sought")]
        if can(actor, Permission.PARTY_PERSON_READ):
            items.append((N_("Overdue capture cards"), "/party/overdue"))
            items.append((N_("Remains"), "/party/remains"))
        if can(actor, Permission.PARTY_LIST_IMPORT):
            items.append((N_("Import a list"), "/party/import"))
            items.append((N_("Reconcile a list"), "/reconciliation"))
        if can(actor, Permission.PARTY_INQUIRY_READ):
            items.append((N_("Inquiries"), "/party/inquiries"))
            items.append((N_("Requests"), "/party/requests"))
        items += [(N_("Disclosures received"), "/party/disclosures"), (N_("Agreements"), "/agreements")]
    else:
        items.append((N_("Mediator desk"), "/mediator"))
        if actor.organisation_kind is OrganisationKind.OBSERVER and can(
            actor, Permission.OWN_PACKAGE_RECEIVE
        ):
            items.append((N_("Received packages"), "/icrc/received"))
        if can(actor, Permission.ANY_PERSON_READ):
            items += [(N_("Held"), "/party/held"), (N_("Sought"), "/party/sought")]
        # Only who reviews pairs is offered the queue (an observer would be shown a page answering 403).
        if can(actor, Permission.ANY_MATCH_REVIEW):
            items.append((N_("Review queue"), "/mediator/review"))
        if can(actor, Permission.ANY_AGREEMENT_MANAGE):
            items.append((N_("Incoming requests"), "/mediator/requests"))
        if can(actor, Permission.ANY_MATCH_RUN):
            items.append((N_("Reconcile a list"), "/reconciliation"))
        # A neutral intermediary's observer (the ICRC) is no party to an agreement: no page to offer it.
        if can(actor, Permission.ANY_AGREEMENT_READ):
            items.append((N_("Agreements"), "/agreements"))
    items += _privacy_items(actor)
    items.append((N_("Public ledger"), "/ledger"))
    built = [_item(label, href, here) for label, href in items]
    # The most specific area is the current one (the review queue under the desk, not both).
    current = [i for i in built if i.current]
    deepest = max(current, key=lambda i: len(i.href or ""), default=None)
    return [NavItem(i.label, i.href, i is deepest) for i in built]


def _privacy_items(actor: Actor) -> list[tuple[str, str | None]]:
    """Who read what, and publishing figures: for the owning party's admin and the mediator."""
    items: list[tuple[str, str | None]] = []
    if can(actor, Permission.ANY_ACCESS_REVIEW) or can(actor, Permission.PARTY_ACCESS_REVIEW):
        items.append((N_("Who read what"), "/access-records"))
    if can(actor, Permission.ANY_FIGURES_PUBLISH) or can(actor, Permission.PARTY_FIGURES_PUBLISH):
        items.append((N_("Publish figures"), "/publications"))
    return items


def overdue_cards(request: Request, actor: Actor) -> int:
    """The party's overdue capture cards (GC III Art. 70), for the alert on each of its pages; 0 for others.

    One COUNT over indexed columns; a failing database must not also take the error page down with it.
    """
    if actor.party_id is None or not can(actor, Permission.PARTY_PERSON_READ):
        return 0
    flt = PersonFilter(registry=Registry.HELD, party_id=actor.party_id, overdue_on=dt.date.today())
    try:
        return registry_service.count_persons(get_uows(request), actor, flt)
    except SQLAlchemyError:
        log.warning("overdue capture cards not counted", exc_info=True)
        return 0
