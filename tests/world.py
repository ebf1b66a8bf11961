"""A small fixed world for tests: two parties, a mediator office, one user per role, tokens for each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from homebound.core.access import Actor, OrganisationKind, Role
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from homebound.services.sign_in import Reauthentication
from tests.settings import TEST_PASSWORD_COST

PASSWORD = "correct horse battery"  # synthetic test credential
PROOF = Reauthentication(PASSWORD)  # what a binding step (acceptance, closing a tranche) is sent with


@dataclass
class World:
    party_ids: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def writes(self, who: str, *, if_match: str | None = None, key: str | None = None) -> dict[str, str]:
        """Headers for a state-changing request: credentials, a fresh Idempotency-Key, and If-Match."""
        return {**self.headers(who), **idempotent(if_match=if_match, key=key)}


def idempotent(*, if_match: str | None = None, key: str | None = None) -> dict[str, str]:
    """An Idempotency-Key (fresh unless given) and, for updates, the If-Match ETag."""
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    if if_match is not None:
        headers["If-Match"] = if_match
    return headers


USERS = (
    ("a_admin", "pa", Role.PARTY_ADMIN),
    ("a_operator", "pa", Role.PARTY_OPERATOR),
    ("a_observer", "pa", Role.OBSERVER),
    ("b_admin", "pb", Role.PARTY_ADMIN),
    ("b_operator", "pb", Role.PARTY_OPERATOR),
    ("mediator", "med", Role.MEDIATOR),
    ("med_observer", "med", Role.OBSERVER),
)


# Each organisation's name as a Ukrainian or Russian reader sees it.
ORGANISATION_NAMES = {
    "pa": {"uk": "Сторона A", "ru": "Сторона A"},
    "pb": {"uk": "Сторона B", "ru": "Сторона B"},
    "med": {"uk": "Офіс посередника", "ru": "Офис посредника"},
}


def build_world(uows: UnitOfWorkFactory) -> World:
    world = World()
    for code, name, kind in (
        ("pa", "Party A", OrganisationKind.PARTY),
        ("pb", "Party B", OrganisationKind.PARTY),
        ("med", "Mediator office", OrganisationKind.MEDIATOR),
    ):
        names = ORGANISATION_NAMES[code]
        world.party_ids[code] = accounts.create_organisation(uows, code, name, kind, names=names)
    for username, org, role in USERS:
        accounts.create_user(
            uows,
            "test-setup",
            username=username,
            display_name=username,
            organisation_code=org,
            role=role,
            password=PASSWORD,
            cost=TEST_PASSWORD_COST,
        )
        issued = accounts.create_api_token(uows, "test-setup", username, "tests")
        world.tokens[username] = issued.token
        world.actors[username] = accounts.actor_for_token(uows, issued.token)
    return world
