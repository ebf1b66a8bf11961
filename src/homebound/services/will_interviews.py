"""Recording a will-to-return interview witnessed by a neutral organisation: the interview goes into the
signed log (sealed under the party's key like any record change) and sets the person's will to return,
verified by the witnessing organisation on the interview's date. Composition's will gate reads exactly that.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from homebound.core.access import Actor, OrganisationKind, Permission
from homebound.core.errors import NotFound, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry, Status
from homebound.core.will_interview import WILL_OF_OUTCOME, WillInterview, check_interview
from homebound.db.log_store import log_action
from homebound.db.tables import OrganisationRow, utcnow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import registry as registry_service
from homebound.services.registry import PersonView

# Who may witness: a neutral intermediary (the ICRC, an observer node) or the mediator's office.
WITNESS_KINDS = frozenset({OrganisationKind.OBSERVER.value, OrganisationKind.MEDIATOR.value})


def record_interview(
    uows: UnitOfWorkFactory, actor: Actor, person_id: str, interview: WillInterview, today: dt.date
) -> PersonView:
    """The holding party records the interview on its own held record, naming the witnessing organisation."""
    problems = check_interview(interview, today)
    if problems:
        raise ValidationFailed(problems)
    with uows.writer() as uow:
        session = uow.session
        row, _shares = registry_service._load_for(session, actor, person_id, Permission.PARTY_PERSON_WRITE)
        if row.registry_kind != Registry.HELD.value or row.status == Status.DECEASED.value:
            raise ValidationFailed([], message="the interview is held with a living person in custody")
        witness = session.execute(
            select(OrganisationRow).where(OrganisationRow.code == interview.witness)
        ).scalar_one_or_none()
        if witness is None or witness.kind not in WITNESS_KINDS:
            raise NotFound("no neutral organisation with that code", field="witness")
        previous = row.will_to_return
        will = WILL_OF_OUTCOME[interview.outcome]
        row.will_to_return = will.value
        row.will_verified_by = witness.code
        row.will_verified_on = interview.held_on
        row.version += 1
        row.updated_at = utcnow()
        log_action(
            session,
            actor,
            ActionTag.PERSON_UPDATE,
            "person",
            row.id,
            {
                "person": row.id,
                "changed": ["will_to_return", "will_verified_by", "will_verified_on"],
                "from": previous,
                "to": will.value,
                "interview": interview.to_json(),
            },
            party=row.party_id,
        )
        uow.commit()
    return registry_service.get_person(uows, actor, person_id)
