"""`POST /users`: a party admin adds users to its own party, in its organisation's namespace (so no answer
reveals another organisation's usernames), with a password that is not a common one."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from homebound.services.password_policy import password_problem
from tests.world import World

GOOD = "tulip anchor meadow 42 lantern"  # synthetic


def _create(client: TestClient, world: World, who: str, username: str, password: str = GOOD) -> Any:
    body = {
        "username": username,
        "display_name": "Synthetic User",
        "role": "party_operator",
        "password": password,
    }
    return client.post("/api/v1/users", json=body, headers=world.writes(who))


def test_an_admin_adds_users_in_its_own_namespace(client: TestClient, world: World) -> None:
    created = _create(client, world, "a_admin", "pa.olena")
    assert created.status_code == 201, created.text
    again = _create(client, world, "a_admin", "pa.olena")
    assert again.status_code == 409 and again.json()["code"] == "user.exists"  # its own user: may know
    signed_in = client.post("/api/v1/auth/sign-in", json={"username": "pa.olena", "password": GOOD})
    assert signed_in.status_code == 200


def test_taken_and_free_names_of_other_organisations_answer_alike(client: TestClient, world: World) -> None:
    taken = _create(client, world, "a_admin", "b_admin")  # exists, in party B
    free = _create(client, world, "a_admin", "b_nobody")  # exists nowhere
    assert taken.status_code == free.status_code == 422
    assert taken.json() == free.json()
    assert taken.json()["field"] == "username"
    elsewhere = _create(client, world, "a_admin", "pb.olena")  # B's namespace: refused the same way
    assert elsewhere.json() == free.json()


@pytest.mark.parametrize(
    "password", ["password1234", "qwertyuiop123", "Password12345", "123456789012", "pa.olena2024!"]
)
def test_common_passwords_are_refused(client: TestClient, world: World, password: str) -> None:
    refused = _create(client, world, "a_admin", "pa.olena", password)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "password"
    assert password not in refused.text  # the password is not echoed


def test_the_policy_names_its_reason() -> None:
    short, common = password_problem("short"), password_problem("iloveyou12345")
    assert short is not None and short.code == "too_short"
    assert common is not None and common.code == "too_common"
    assert password_problem(GOOD) is None
    named = password_problem("olena.kovalenko1", context=("olena.kovalenko",))
    assert named is not None and named.code == "too_common"  # the username with a digit
