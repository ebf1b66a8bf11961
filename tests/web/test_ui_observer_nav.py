"""Issue 17 item 1: an observer's navigation offers only pages it may open. Every link in the main navigation
of each kind of observer (a party's, the mediator office's, a neutral intermediary's such as the ICRC) is
followed and must answer 200."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Connection

from homebound.core.access import OrganisationKind, Role
from homebound.core.persons import Registry, WillToReturn
from homebound.db.federation_tables import PackageReceivedRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, registry
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import PASSWORD, World

_NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
_HREF = re.compile(r'href="([^"]+)"')
HELD = {"record_id": "H-31", "family_name": "Синтетичний"}


def _icrc_observer(uows: UnitOfWorkFactory) -> str:
    accounts.create_organisation(uows, "icrc", "ICRC Central Tracing Agency", OrganisationKind.OBSERVER)
    accounts.create_user(uows, "test-setup", username="icrc_delegate", display_name="icrc_delegate",
                         organisation_code="icrc", role=Role.OBSERVER, password=PASSWORD,
                         cost=TEST_PASSWORD_COST)  # fmt: skip
    return "icrc_delegate"


@pytest.mark.parametrize("who", ["a_observer", "med_observer", "icrc"])
def test_every_link_an_observer_is_offered_opens(backend: Backend, connection: Connection, who: str) -> None:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    username = _icrc_observer(uows) if who == "icrc" else who
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, username)
        start = client.get("/ledger")
        assert start.status_code == 200
        found = _NAV.search(start.text)
        assert found, "the page has no main navigation"
        links = _HREF.findall(found.group(1))
        assert links, "an observer is offered nothing"
        answers = {link: client.get(link).status_code for link in links}
    assert answers == dict.fromkeys(links, 200), answers


def test_the_holding_party_records_a_witnessed_interview_on_the_record_page(
    backend: Backend, connection: Connection, world: World
) -> None:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    _icrc_observer(uows)
    operator = world.actors["a_operator"]
    person_id = registry.create_person(uows, operator, Registry.HELD, HELD).id
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "a_operator")
        page = client.get(f"/party/records/{person_id}")
        assert page.status_code == 200 and "/will-interview" in page.text
        form = {
            "csrf_token": csrf_of(page), "interviewer": "Delegate 1", "place": "Camp 2",
            "held_on": "2026-01-02", "language": "uk", "present": "none", "outcome": "wishes_to_return",
            "witness": "icrc",
        }  # fmt: skip
        path = f"/party/records/{person_id}/will-interview"
        assert client.post(path, data={**form, "outcome": "refuses"}).status_code == 422  # no custodian
        answer = client.post(path, data=form)
        assert answer.status_code == 303, answer.text
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "a_observer")  # reads the record, records no interview: no form is offered
        seen = client.get(f"/party/records/{person_id}")
        assert seen.status_code == 200 and "/will-interview" not in seen.text
    will = registry.get_person(uows, operator, person_id).fields.will_to_return
    assert (will.value, will.verified_by, str(will.verified_on)) == (
        WillToReturn.CONFIRMED,
        "icrc",
        "2026-01-02",
    )


def test_the_icrc_lists_what_its_node_received_and_no_one_else_does(
    backend: Backend, connection: Connection
) -> None:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    username = _icrc_observer(uows)
    with uows.writer() as uow:
        uow.session.add(PackageReceivedRow(name="f" * 64, sender="pa", seq=1, kind="disclosure", size=10,
                                           package=b"sealed", received_by="test"))  # fmt: skip
        uow.commit()
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, username)
        page = client.get("/icrc/received")
        assert page.status_code == 200
        assert "disclosure" in page.text and "f" * 16 in page.text and 'href="/icrc/received"' in page.text
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "med_observer")
        assert client.get("/icrc/received").status_code == 403
        assert 'href="/icrc/received"' not in client.get("/ledger").text
