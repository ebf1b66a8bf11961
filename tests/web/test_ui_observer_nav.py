"""Issue 17 item 1: an observer's navigation offers only pages it may open. Every link in the main navigation
of each kind of observer (a party's, the mediator office's, a neutral intermediary's such as the ICRC) is
followed and must answer 200."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Connection

from homebound.core.access import OrganisationKind, Role
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.web.ui_support import sign_in, ui_app, ui_client
from tests.world import PASSWORD

_NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


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
