"""A small fixed world for tests: two parties, a mediator office, one user per role, tokens for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from homebound.core.access import Actor, OrganisationKind, Role
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts

PASSWORD = "correct horse battery"  # synthetic test credential


@dataclass
class World:
    party_ids: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


USERS = (
    ("a_admin", "pa", Role.PARTY_ADMIN),
    ("a_operator", "pa", Role.PARTY_OPERATOR),
    ("a_observer", "pa", Role.OBSERVER),
    ("b_admin", "pb", Role.PARTY_ADMIN),
    ("b_operator", "pb", Role.PARTY_OPERATOR),
    ("mediator", "med", Role.MEDIATOR),
    ("med_observer", "med", Role.OBSERVER),
)


def build_world(uows: UnitOfWorkFactory) -> World:
    world = World()
    for code, name, kind in (
        ("pa", "Party A", OrganisationKind.PARTY),
        ("pb", "Party B", OrganisationKind.PARTY),
        ("med", "Mediator office", OrganisationKind.MEDIATOR),
    ):
        world.party_ids[code] = accounts.create_organisation(uows, code, name, kind)
    for username, org, role in USERS:
        accounts.create_user(
            uows,
            "test-setup",
            username=username,
            display_name=username,
            organisation_code=org,
            role=role,
            password=PASSWORD,
        )
        issued = accounts.create_api_token(uows, "test-setup", username, "tests")
        world.tokens[username] = issued.token
        world.actors[username] = accounts.actor_for_token(uows, issued.token)
    return world
