"""What a line's outcome does to the registries, in the line's own transaction: held and sought records
change status, and family inquiries on the sought records get a notification in the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.exchange.handover import LineAction, ManifestLine
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry, Status, WillToReturn, check_transition
from homebound.db.exchange_tables import AgreementRow, IdentityConfirmationRow, NotificationRow
from homebound.db.log_store import log_action
from homebound.db.tables import InquiryRow, PersonRow, utcnow
from homebound.services.candidates import POOL_STATUSES, chunks, identities, persons_by_id

RETURNED, THIRD_PARTY = "returned", "third_party_custody"
EMAIL, STATUS_PAGE = "email", "status_page"


def move_status(session: Session, actor: Actor, person: PersonRow, target: Status, reason: str) -> None:
    """One registry status change by the transition table, logged like the registry's own."""
    registry = Registry(person.registry_kind)
    check_transition(registry, Status(person.status), target)
    previous = person.status
    person.status = target.value
    person.version += 1
    person.updated_at = utcnow()
    payload = {"person": person.id, "from": previous, "to": target.value, "reason": reason}
    log_action(session, actor, ActionTag.PERSON_STATUS, "person", person.id, payload, party=person.party_id)


def channels_for(inquiry: InquiryRow) -> list[str]:
    """Every family can read the status page; those who left an e-mail address also get a message."""
    return [STATUS_PAGE, EMAIL] if "@" in inquiry.inquirer_contact else [STATUS_PAGE]


class RegistryEffects:
    """Applies the registry side of handover lines for one transaction, with the records fetched in bulk."""

    def __init__(self, session: Session, actor: Actor, agreement: AgreementRow) -> None:
        self.session, self.actor, self.agreement = session, actor, agreement
        self.persons: dict[str, PersonRow] = {}
        self.identity: dict[str, IdentityConfirmationRow] = {}
        self.inquiries: dict[str, list[InquiryRow]] = {}

    def prefetch(self, person_ids: Sequence[str]) -> None:
        wanted = [i for i in dict.fromkeys(person_ids) if i not in self.persons]
        self.persons.update(persons_by_id(self.session, wanted))
        self.identity.update(identities(self.session, [i for i in wanted if i in self.persons]))
        sought = [c.sought_person_id for c in self.identity.values() if c.sought_person_id]
        self.persons.update(persons_by_id(self.session, [s for s in sought if s not in self.persons]))
        missing = [s for s in sought if s not in self.inquiries]
        for s in missing:
            self.inquiries[s] = []
        for part in chunks(missing):
            for inquiry in self.session.execute(
                select(InquiryRow).where(InquiryRow.person_id.in_(part)).order_by(InquiryRow.created_at)
            ).scalars():
                self.inquiries[inquiry.person_id or ""].append(inquiry)

    def apply(self, after: ManifestLine, action: LineAction) -> int:
        """The registry changes of one recorded line action; returns the notifications enqueued."""
        agreed = self.persons.get(after.candidate_id)
        assert agreed is not None, "manifest lines name stored held records"
        tag = f"agreement {self.agreement.id}, tranche line {after.line_no}"
        if action is LineAction.DELIVER:
            move_status(self.session, self.actor, agreed, Status.EXCHANGED, f"delivered ({tag})")
            return self._returned(agreed, RETURNED, tag)
        if action is LineAction.ACCEPT_SUBSTITUTE:
            return self._substitute_accepted(agreed, after, tag)
        if action is LineAction.REFUSE:
            self._back_to_held(agreed, f"refused repatriation ({tag})")
            agreed.will_to_return = WillToReturn.REFUSED.value
            agreed.will_verified_by = after.history[-1].by[:200]
            agreed.will_verified_on = dt.date.today()
            return 0
        if action is LineAction.NOT_DELIVER:
            self._back_to_held(agreed, f"not delivered ({tag}): {after.history[-1].detail}")
            return 0
        if action is LineAction.HAND_TO_THIRD_PARTY:
            move_status(
                self.session, self.actor, agreed, Status.THIRD_PARTY_CUSTODY, f"third-party custody ({tag})"
            )
            return self._notify_only(agreed, THIRD_PARTY)
        return 0  # a substitute brought or rejected changes no record

    def _back_to_held(self, person: PersonRow, reason: str) -> None:
        if person.status == Status.LISTED_FOR_EXCHANGE.value:
            move_status(self.session, self.actor, person, Status.HELD, reason)

    def _substitute_accepted(self, agreed: PersonRow, line: ManifestLine, tag: str) -> int:
        self._back_to_held(agreed, f"a substitute went instead ({tag})")
        assert line.substitute is not None
        self.prefetch([line.substitute.candidate_id])  # brought in an earlier request, perhaps
        substitute = self.persons.get(line.substitute.candidate_id)
        releasing = (
            self.agreement.party_a_id if line.releasing_side.value == "a" else self.agreement.party_b_id
        )
        if (
            substitute is None
            or substitute.registry_kind != Registry.HELD.value
            or substitute.party_id != releasing
        ):
            return 0  # a person the registry does not know: the line records them, no record changes
        if substitute.status in POOL_STATUSES:
            move_status(
                self.session, self.actor, substitute, Status.LISTED_FOR_EXCHANGE, f"substitute ({tag})"
            )
        move_status(self.session, self.actor, substitute, Status.EXCHANGED, f"accepted as substitute ({tag})")
        return self._returned(substitute, RETURNED, tag)

    def _sought_of(self, held: PersonRow) -> PersonRow | None:
        confirmation = self.identity.get(held.id)
        if confirmation is None or confirmation.sought_person_id is None:
            return None
        return self.persons.get(confirmation.sought_person_id)

    def _returned(self, held: PersonRow, kind: str, tag: str) -> int:
        sought = self._sought_of(held)
        if sought is None:
            return 0
        if sought.status != Status.RETURNED.value:
            move_status(self.session, self.actor, sought, Status.RETURNED, f"returned ({tag})")
        return self._enqueue(sought, kind)

    def _notify_only(self, held: PersonRow, kind: str) -> int:
        sought = self._sought_of(held)
        return 0 if sought is None else self._enqueue(sought, kind)

    def _enqueue(self, sought: PersonRow, kind: str) -> int:
        count = 0
        for inquiry in self.inquiries.get(sought.id, []):
            for channel in channels_for(inquiry):
                self.session.add(
                    NotificationRow(
                        inquiry_id=inquiry.id,
                        kind=kind,
                        channel=channel,
                        agreement_id=self.agreement.id,
                        created_at=utcnow(),
                        attempts=0,
                    )
                )
                count += 1
        return count
