"""The party side of the agreement editor in the UI: amendments and counter-proposals through forms, the
differences between versions with the reason per person, re-authentication (password, and the code of an
enrolled account) before accepting or closing a tranche, and every refused form naming its field and
writing nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx2 as httpx  # the client Starlette's TestClient is built on
import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from homebound.config import Settings
from homebound.db.tables import PersonRow, UserRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreement_views, handover, second_factor
from homebound.web.app import create_app
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.web.test_ui_exchange import Setup, bare, clients, setup
from tests.web.ui_support import csrf_of, ui_client
from tests.world import PASSWORD, World

__all__ = ["bare", "clients", "setup"]


def _post(
    client: TestClient,
    page_url: str,
    action: str,
    data: Mapping[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A form as the page at `page_url` sends it, with that page's CSRF token."""
    token = csrf_of(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **data}, headers=headers)


def _compose(setup: Setup, m: TestClient, *, share: bool = True) -> str:
    url = f"/agreements/{setup.agreement_id}"
    data = {"max_persons": "8", "reference_date": "2023-01-08", "tranches": "4/4", "expected_version": "0"}
    if share:
        data["share"] = "true"
    composed: httpx.Response = _post(m, url, f"{url}/compose", data)
    assert composed.status_code == 200, composed.text
    return url


def _versions(setup: Setup, connection: Connection, world: World) -> list[agreement_views.VersionView]:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    return agreement_views.list_versions(uows, world.actors["mediator"], setup.agreement_id)


def _document(setup: Setup, connection: Connection, world: World, number: int) -> dict[str, Any]:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    version = agreement_views.get_version(uows, world.actors["mediator"], setup.agreement_id, number)
    assert version.document is not None
    return version.document


def _spare_of_b(setup: Setup, connection: Connection, world: World) -> str:
    """A held record of party B that version 1 does not list."""
    assert setup.registries is not None
    listed = {p["candidate_id"] for p in _document(setup, connection, world, 1)["list_b"]}
    return next(p for p in setup.registries.held["pb"] if p not in listed)


def _health(connection: Connection, person_id: str) -> str:
    with UnitOfWorkFactory(connection, key_custody_of_tests()).reader() as uow:
        person = uow.session.get(PersonRow, person_id)
        assert person is not None
        return person.health


def _source_id(connection: Connection, person_id: str) -> str:
    with UnitOfWorkFactory(connection, key_custody_of_tests()).reader() as uow:
        return str(
            uow.session.execute(select(PersonRow.source_id).where(PersonRow.id == person_id)).scalar_one()
        )


def test_party_b_replaces_a_person_and_both_sides_see_the_difference_once_shared(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = _compose(setup, clients["mediator"])
    b = clients["b_admin"]
    page = b.get(url)
    assert 'id="amend-form"' in page.text and 'id="counter-form"' in page.text
    # Not a seriously wounded man: he is replaced only by another (exchange.less_grave_replacement).
    removed = next(
        p["candidate_id"]
        for p in _document(setup, connection, world, 1)["list_b"]
        if _health(connection, p["candidate_id"]) != "seriously_wounded_sick"
    )
    spare = _spare_of_b(setup, connection, world)
    # Party B names its own record by the number in its registry, not by an internal ID.
    answer: httpx.Response = _post(
        b,
        url,
        f"{url}/amend",
        {
            "expected_version": "1",
            "person": removed,
            "record": _source_id(connection, spare),
            "reason": "serves a sentence; offered instead: wounded",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"{url}?v=2&against=1"
    mine = b.get(answer.headers["location"]).text
    assert 'id="comparison"' in mine
    added_part = mine.split('id="diff-b"')[1].split("</ul>")[0]
    assert 'class="diff-added"' in added_part and 'class="diff-removed"' in added_part
    assert "serves a sentence; offered instead: wounded" in added_part
    # Until the mediator shares it, party A does not see version 2 and cannot build on the stale one.
    a_page = clients["a_admin"].get(url).text
    assert f"{url}?v=2" not in a_page and 'id="not-latest"' in a_page and 'id="amend-form"' not in a_page
    shared: httpx.Response = _post(clients["mediator"], url, f"{url}/versions/2/share", {})
    assert shared.status_code == 303
    a_page = clients["a_admin"].get(f"{url}?v=2&against=1").text
    assert "serves a sentence; offered instead: wounded" in a_page and 'id="accept-form"' in a_page
    versions = _versions(setup, connection, world)
    assert [v.kind for v in versions] == ["composition", "amendment"]
    assert versions[-1].author == "party_b"


def test_counter_proposal_changes_the_terms_and_the_diff_names_them(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = _compose(setup, clients["mediator"])
    answer: httpx.Response = _post(
        clients["b_admin"],
        url,
        f"{url}/counter",
        {
            "expected_version": "1",
            "formula": "n_for_n",
            "max_persons": "8",
            "tranches": "2/2, 2/2",
            "reference_date": "2023-01-08",
            "category": ["seriously_wounded_or_sick", "civilians"],
            "all_for_all": "seriously_wounded_or_sick",
            "note": "two days, and all the seriously wounded",
        },
    )
    assert answer.status_code == 303, answer.text
    terms = _document(setup, connection, world, 2)["terms"]
    assert [t["a_count"] for t in terms["tranches"]] == [2, 2]
    assert {"kind": "all_for_all", "category": "seriously_wounded_or_sick"} in terms["formulas"]
    assert {c["key"] for c in terms["categories"]} == {"seriously_wounded_or_sick", "civilians"}
    page = clients["b_admin"].get(answer.headers["location"]).text
    diff = page.split('id="terms-diff"')[1].split("</table>")[0]
    for part in ("tranches", "formulas", "categories"):
        assert f'data-term="{part}"' in diff
    assert "all for all: seriously_wounded_or_sick" in diff


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"record": "no-such-record", "reason": "x"}, "record_1"),
        ({"person": "PERSON", "reason": ""}, "reason_1"),
        ({"person": "not-listed", "reason": "x"}, "person_1"),
        ({}, "person_1"),
    ],
)
def test_a_refused_amendment_names_its_field_and_writes_nothing(
    setup: Setup,
    clients: dict[str, TestClient],
    connection: Connection,
    world: World,
    data: dict[str, str],
    field: str,
) -> None:
    url = _compose(setup, clients["mediator"])
    if data.get("person") == "PERSON":
        data = {**data, "person": _document(setup, connection, world, 1)["list_b"][0]["candidate_id"]}
    answer: httpx.Response = _post(clients["b_admin"], url, f"{url}/amend", {"expected_version": "1", **data})
    assert answer.status_code == 422
    assert f'id="err-{field}"' in answer.text
    assert f'id="{field}"' in answer.text.split(f'id="err-{field}"')[0].rsplit("<label", 1)[1]
    assert 'aria-invalid="true"' in answer.text and 'id="form-problems"' in answer.text
    if data.get("reason"):
        assert f'value="{data["reason"]}"' in answer.text  # what was typed comes back
    assert len(_versions(setup, connection, world)) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tranches": "two days", "note": "x"}, "tranches"),
        ({"tranches": "4/4", "note": ""}, "note"),
        ({"tranches": "4/4", "note": "x", "all_for_all": "women"}, "all_for_all"),
        ({"tranches": "4/4", "note": "x", "formula": "declared_ratio", "declared_a": ""}, "declared_a"),
        ({"tranches": "4/4", "note": "x", "max_persons": "-3"}, "max_persons"),
        ({"tranches": "3/4", "note": "x"}, "tranches"),
    ],
)
def test_a_refused_counter_proposal_names_its_field_and_writes_nothing(
    setup: Setup,
    clients: dict[str, TestClient],
    connection: Connection,
    world: World,
    data: dict[str, str],
    field: str,
) -> None:
    url = _compose(setup, clients["mediator"])
    body = {"expected_version": "1", "reference_date": "2023-01-08", "max_persons": "8", **data}
    answer: httpx.Response = _post(clients["b_admin"], url, f"{url}/counter", body)
    assert answer.status_code == 422, answer.text
    assert f'id="err-{field}"' in answer.text
    assert len(_versions(setup, connection, world)) == 1


def test_a_stale_form_changes_nothing(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = _compose(setup, clients["mediator"])
    person = _document(setup, connection, world, 1)["list_b"][0]["candidate_id"]
    form = {"person": person, "reason": "first"}
    first: httpx.Response = _post(clients["b_admin"], url, f"{url}/amend", {"expected_version": "1", **form})
    assert first.status_code == 303
    again: httpx.Response = _post(clients["mediator"], url, f"{url}/amend", {"expected_version": "1", **form})
    assert again.status_code == 412
    assert len(_versions(setup, connection, world)) == 2


def test_accepting_needs_the_password_and_the_code_of_an_enrolled_account(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = _compose(setup, clients["mediator"])
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    second_factor.enrol(uows, "b_admin")
    with uows.reader() as uow:
        secret = uow.session.execute(
            select(UserRow.totp_secret).where(UserRow.username == "b_admin")
        ).scalar_one()
    assert secret is not None
    totp = pyotp.TOTP(secret, interval=second_factor.STEP_SECONDS)
    clock = setup.app.state.clock  # the app's clock, set by the test (tests/clock.py)
    with ui_client(setup.app) as b:
        token = csrf_of(b.get("/sign-in"))
        login = {"csrf_token": token, "username": "b_admin", "password": PASSWORD}
        refused = b.post("/sign-in", data=login)
        assert refused.status_code == 200 and "wrong code" in refused.text
        signed = b.post("/sign-in", data={**login, "totp_code": totp.at(clock())})
        assert signed.status_code == 303, signed.text
        page = b.get(url).text
        assert 'name="totp_code"' in page.split('id="accept-form"')[1].split("</form>")[0]
        no_code: httpx.Response = _post(b, url, f"{url}/versions/1/accept", {"password": PASSWORD})
        assert no_code.status_code == 403 and 'id="err-password"' in no_code.text
        wrong: httpx.Response = _post(
            b, url, f"{url}/versions/1/accept", {"password": "wrong", "totp_code": totp.at(clock())}
        )
        assert wrong.status_code == 403
        assert (
            agreement_views.get_agreement(uows, world.actors["mediator"], setup.agreement_id).acceptances
            == ()
        )
        spent: httpx.Response = _post(
            b, url, f"{url}/versions/1/accept", {"password": PASSWORD, "totp_code": totp.at(clock())}
        )
        assert spent.status_code == 403  # the sign-in's code, spent
        clock.advance(second_factor.STEP_SECONDS)  # the next step, without waiting for it
        code = totp.at(clock())
        right: httpx.Response = _post(
            b, url, f"{url}/versions/1/accept", {"password": PASSWORD, "totp_code": code}
        )
        assert right.status_code == 303, right.text
    accepted = agreement_views.get_agreement(uows, world.actors["mediator"], setup.agreement_id).acceptances
    assert accepted == ((1, "party_b"),)


def test_closing_a_tranche_needs_the_password_and_remains_and_custody_are_recorded(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = _compose(setup, clients["mediator"])
    for admin in ("a_admin", "b_admin"):
        accepted: httpx.Response = _post(
            clients[admin], url, f"{url}/versions/1/accept", {"password": PASSWORD}
        )
        assert accepted.status_code == 303
    concluded: httpx.Response = _post(clients["mediator"], url, f"{url}/conclude", {})
    assert concluded.status_code == 303
    console = f"{url}/handover"
    m = clients["mediator"]
    page = m.get(console).text
    lines = re.findall(r'id="line-([0-9a-f-]{36})"', page)
    assert 'value="hand_to_third_party"' in page and 'id="remains-form"' in page
    # The party sees the remains but records neither remains nor custody.
    party_view = clients["b_admin"].get(console).text
    assert 'id="remains-form"' not in party_view and 'value="hand_to_third_party"' not in party_view
    custody: httpx.Response = _post(
        m,
        console,
        f"{console}/1/lines/{lines[0]}",
        {"action": "hand_to_third_party", "custodian": "Mediating state", "conditions": "until the war ends"},
        headers={"HX-Request": "true"},
    )
    assert custody.status_code == 200 and 'data-state="third_party_custody"' in custody.text
    assert "until the war ends" in custody.text and 'id="balance"' in custody.text
    remains: httpx.Response = _post(
        m,
        console,
        f"{console}/1/remains",
        {"releasing_side": "b", "count": "12", "status": "pending_dna"},
        headers={"HX-Request": "true"},
    )
    assert remains.status_code == 200 and 'id="remains-T1-R1"' in remains.text
    assert 'id="balance-remains"' in remains.text and 'hx-swap-oob="true"' in remains.text
    bad_count: httpx.Response = _post(
        m, console, f"{console}/1/remains", {"releasing_side": "b", "count": "0"}
    )
    assert bad_count.status_code == 400
    identified: httpx.Response = _post(
        m, console, f"{console}/1/remains/T1-R1/identify", {"status": "identified"}
    )
    assert identified.status_code == 303
    for line in lines[1:]:
        assert _post(m, console, f"{console}/1/lines/{line}", {"action": "deliver"}).status_code == 303
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    wrong: httpx.Response = _post(m, console, f"{console}/1/close", {"password": "wrong"})
    assert wrong.status_code == 403 and 'id="form-problems"' in wrong.text
    tranche = handover.get_tranche(uows, world.actors["mediator"], setup.agreement_id, 1)
    assert tranche.closure is None
    assert tranche.remains == [
        {"batch_id": "T1-R1", "releasing_side": "b", "count": 12, "status": "identified", "note": ""}
    ]
    right: httpx.Response = _post(m, console, f"{console}/1/close", {"password": PASSWORD})
    assert right.status_code == 303
    assert handover.get_tranche(uows, world.actors["mediator"], setup.agreement_id, 1).closure is not None


def test_a_refused_click_at_the_console_comes_back_on_its_line(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    """htmx swaps only what it is given: a refusal without where the person stays returns the line unchanged,
    with the reason it was not recorded, instead of an error page htmx would not show."""
    url = _compose(setup, clients["mediator"])
    for admin in ("a_admin", "b_admin"):
        assert (
            _post(clients[admin], url, f"{url}/versions/1/accept", {"password": PASSWORD}).status_code == 303
        )
    assert _post(clients["mediator"], url, f"{url}/conclude", {}).status_code == 303
    console = f"{url}/handover"
    m = clients["mediator"]
    line = re.findall(r'id="line-([0-9a-f-]{36})"', m.get(console).text)[0]
    answer: httpx.Response = _post(
        m,
        console,
        f"{console}/1/lines/{line}",
        {"action": "refuse_repatriation"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert f'id="line-{line}" data-state="pending"' in answer.text.replace('class="line state-pending" ', "")
    assert "Not recorded:" in answer.text and "where the person stays" in answer.text
    plain: httpx.Response = _post(m, console, f"{console}/1/lines/{line}", {"action": "refuse_repatriation"})
    assert plain.status_code == 422


def _sign_in_form(client: TestClient, username: str, password: str) -> Any:
    token = csrf_of(client.get("/sign-in"))
    return client.post("/sign-in", data={"csrf_token": token, "username": username, "password": password})


def test_browser_sign_in_is_throttled_like_the_api(bare: Setup) -> None:
    with ui_client(bare.app) as client:
        for _ in range(5):
            assert _sign_in_form(client, "a_admin", "wrong").status_code == 200
        throttled = _sign_in_form(client, "a_admin", PASSWORD)  # even the right password waits
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) > 0
        assert "Too many failed attempts" in throttled.text
        assert "__Host-hb_session" not in throttled.headers.get("set-cookie", "")


def test_an_account_without_a_second_factor_is_told_where_one_is_required(
    backend: Backend, connection: Connection
) -> None:
    settings = Settings(environment="test", database_url=backend.url, require_second_factor=True)
    with ui_client(create_app(settings, bind=connection)) as client:
        refused = _sign_in_form(client, "a_admin", PASSWORD)
        assert refused.status_code == 200 and "no second factor yet" in refused.text
        assert "__Host-hb_session" not in refused.headers.get("set-cookie", "")
