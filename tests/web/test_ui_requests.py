"""Request pages in the browser: the party's own requests with the status filter (a refused one with its
reason), the mediator's incoming requests with the refusal form, in en, uk and ru."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection

from homebound.core.exchange.requests import RequestedPerson
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import requests
from tests.conftest import Backend
from tests.exchange_support import seed_registries
from tests.keys import key_custody_of_tests
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import World


@pytest.fixture
def tabled(backend: Backend, connection: Connection, world: World) -> tuple[FastAPI, list[str]]:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    seeded = seed_registries(uows, world, held_a=4, held_b=4, seed=7)
    items = [
        RequestedPerson(s, n + 1, "wounded" if n == 0 else "") for n, s in enumerate(seeded.sought["pa"][:2])
    ]
    views = requests.table_requests(uows, world.actors["a_operator"], items, mediator="med")
    return ui_app(backend.url, connection), [v.id for v in views]


def test_refused_in_the_browser_stays_visible_with_its_reason(tabled: tuple[FastAPI, list[str]]) -> None:
    app, ids = tabled
    with ui_client(app) as mediator:
        sign_in(mediator, "mediator")
        page = mediator.get("/mediator/requests")
        assert page.status_code == 200 and page.text.count('class="request-received"') == 2
        answer = mediator.post(
            "/mediator/requests/refusal",
            data={"csrf_token": csrf_of(page), "request_id": ids[0], "reason": "serving a sentence"},
        )
        assert answer.status_code == 303
    with ui_client(app) as party:
        sign_in(party, "a_operator")
        page = party.get("/party/requests?status=refused")
        assert page.status_code == 200
        assert page.text.count('class="request-refused"') == 1 and "serving a sentence" in page.text
        assert 'class="request-received"' not in page.text
        assert party.get("/party/requests").text.count('<tr class="request-') == 2
        for language, title in (("uk", "Наші прохання"), ("ru", "Наши просьбы")):
            token = csrf_of(party.get("/party/requests"))
            party.post("/language", data={"csrf_token": token, "language": language})
            assert title in party.get("/party/requests").text
        assert party.get("/mediator/requests").status_code in (403, 404)


def test_the_holder_sees_no_request_before_it_is_forwarded(tabled: tuple[FastAPI, list[str]]) -> None:
    app, _ids = tabled
    with ui_client(app) as holder:
        sign_in(holder, "b_operator")
        page = holder.get("/party/requests")
        assert page.status_code == 200
        assert 'id="forwarded-requests"' not in page.text and "request-received" not in page.text
