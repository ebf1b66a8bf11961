"""The role -> permission table and the single policy function."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from homebound.core.access import (
    PUBLIC_ACTOR,
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Role,
    can,
    visible_party_ids,
)


@dataclass(frozen=True)
class Record:
    party_id: str
    shared_with: frozenset[str] = frozenset()


A_OPERATOR = Actor("u1", Role.PARTY_OPERATOR, "org-a", "party-a")
A_ADMIN = Actor("u2", Role.PARTY_ADMIN, "org-a", "party-a")
B_OPERATOR = Actor("u3", Role.PARTY_OPERATOR, "org-b", "party-b")
MEDIATOR = Actor("u4", Role.MEDIATOR, "org-m", None)
OBSERVER_A = Actor("u5", Role.OBSERVER, "org-a", "party-a")


def test_every_permission_follows_the_grammar() -> None:
    for permission in Permission:
        scope, resource, action = permission.value.split(":")
        assert scope in {"party", "any", "own", "public"}
        assert resource and action


def test_public_is_a_subset_of_every_role() -> None:
    for role, permissions in ROLE_PERMISSIONS.items():
        assert ROLE_PERMISSIONS[Role.PUBLIC] <= permissions, role


@pytest.mark.parametrize(
    ("actor", "permission", "record", "allowed"),
    [
        (A_OPERATOR, Permission.PARTY_PERSON_READ, Record("party-a"), True),
        (A_OPERATOR, Permission.PARTY_PERSON_WRITE, Record("party-a"), True),
        (B_OPERATOR, Permission.PARTY_PERSON_READ, Record("party-a"), False),
        (B_OPERATOR, Permission.PARTY_PERSON_READ, Record("party-a", frozenset({"party-b"})), True),
        (B_OPERATOR, Permission.PARTY_PERSON_WRITE, Record("party-a", frozenset({"party-b"})), False),
        (OBSERVER_A, Permission.PARTY_PERSON_READ, Record("party-a"), True),
        (OBSERVER_A, Permission.PARTY_PERSON_WRITE, Record("party-a"), False),
        (MEDIATOR, Permission.ANY_PERSON_READ, Record("party-a"), True),
        (MEDIATOR, Permission.PARTY_PERSON_WRITE, Record("party-a"), False),
        (A_OPERATOR, Permission.PARTY_PERSON_SHARE, Record("party-a"), False),
        (A_ADMIN, Permission.PARTY_PERSON_SHARE, Record("party-a"), True),
        (PUBLIC_ACTOR, Permission.PARTY_PERSON_READ, Record("party-a"), False),
        (PUBLIC_ACTOR, Permission.PUBLIC_LEDGER_READ, None, True),
    ],
)
def test_can(actor: Actor, permission: Permission, record: Record | None, allowed: bool) -> None:
    assert can(actor, permission, record) is allowed


def test_visible_parties() -> None:
    assert visible_party_ids(MEDIATOR, Permission.ANY_PERSON_READ) is None
    assert visible_party_ids(A_OPERATOR, Permission.PARTY_PERSON_READ) == {"party-a"}
    assert visible_party_ids(PUBLIC_ACTOR, Permission.PARTY_PERSON_READ) == frozenset()
