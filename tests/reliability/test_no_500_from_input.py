"""No input gives a 500: integer literals past Python's 4,300-digit conversion limit in JSON, an If-Match
of 5,000 digits, Unicode digits («²», «①») in the agreement forms and integers past 64 bits in UI paths and
form fields are each refused with a 4xx that names the place."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from tests.web.test_ui_exchange import Setup, bare, clients, setup
from tests.web.ui_support import csrf_of
from tests.world import World

__all__ = ["bare", "clients", "setup"]

HUGE = "1" * 5000  # past int()'s 4,300-digit limit: int(HUGE) raises ValueError
PAST_64_BITS = str(2**64)


@pytest.fixture
def api(setup: Setup) -> Iterator[TestClient]:
    with TestClient(setup.app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/persons", '{"registry": "held", "record_id": %s}', "record_id"),
        ("/api/v1/persons/search", '{"family_name_prefix": "К", "offset": %s}', "offset"),
        ("/api/v1/inquiries", '{"party": %s}', "party"),
        ("/api/v1/auth/sign-in", '{"username": "mediator", "password": %s}', "password"),
    ],
)
def test_json_integers_of_thousands_of_digits_are_refused_naming_the_field(
    api: TestClient, world: World, path: str, body: str, field: str
) -> None:
    headers = {**world.writes("a_operator"), "Content-Type": "application/json"}
    answer = api.post(path, content=(body % HUGE).encode(), headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_an_if_match_of_5000_digits_is_refused(api: TestClient, world: World) -> None:
    person = {"registry": "held", "record_id": "IF-1", "family_name": "Тест", "given_name": "Олег"}
    created = api.post("/api/v1/persons", json=person, headers=world.writes("a_operator"))
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    for etag in (f'"{person_id}.{HUGE}"', f'"{person_id}.²"', f'"{person_id}.{PAST_64_BITS}"'):
        headers: dict[str, str | bytes] = {**world.writes("a_operator"), "If-Match": etag.encode("latin-1")}
        answer = api.patch(f"/api/v1/persons/{person_id}", json={"rank": "солдат"}, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "If-Match"


def _form(client: TestClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of(client.get(page))
    return client.post(action, data={"csrf_token": token, **data})


@pytest.mark.parametrize("tranches", ["²/²", "①/1", f"{'9' * 30}/1"])
def test_unicode_digits_in_the_agreement_form_name_the_field(
    setup: Setup, clients: dict[str, TestClient], tranches: str
) -> None:
    url = f"/agreements/{setup.agreement_id}"
    data = {"max_persons": "8", "reference_date": "2023-01-08", "tranches": tranches, "expected_version": "0"}
    answer = _form(clients["mediator"], url, f"{url}/compose", data)
    assert answer.status_code == 422, answer.text
    assert "tranches" in answer.text


def test_integers_past_64_bits_in_ui_paths_and_forms_are_refused(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    m = clients["mediator"]
    url = f"/agreements/{setup.agreement_id}"
    for path in (f"{url}/versions/{PAST_64_BITS}/share", f"{url}/handover/{PAST_64_BITS}/close"):
        answer = _form(m, url, path, {})
        assert answer.status_code in (404, 422), (path, answer.status_code)
    page = m.get(f"{url}?v={PAST_64_BITS}")
    assert page.status_code in (404, 422), page.status_code
    data = {"max_persons": "8", "reference_date": "2023-01-08", "expected_version": PAST_64_BITS}
    composed = _form(m, url, f"{url}/compose", data)
    assert 400 <= composed.status_code < 500, composed.status_code
