"""Privacy over HTTP: nothing on any public page or API but what was published (never an agreement's title
or venue, never a live count, small counts suppressed), and who read what, for the owning party's admin and
the mediator only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction
from homebound.core.exchange.terms import Terms
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, handover
from homebound.services.composition import compose_version
from homebound.services.handover import LineCommand
from homebound.web.app import create_app
from tests.conftest import Backend
from tests.exchange_support import seed_registries
from tests.web.ui_support import sign_in, ui_client
from tests.world import PROOF, World

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the services run on both

SECRET_TITLE = "Secret channel via Country X (do not publish)"
SECRET_VENUE = "Hotel Zvezda, Country X"
LABEL = "Summer exchange"


@pytest.fixture
def app(backend: Backend, connection: Connection) -> FastAPI:
    return create_app(
        Settings(environment="test", database_url=backend.url, public_min_count=5), bind=connection
    )


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _closed_secret_exchange(uows: UnitOfWorkFactory, world: World) -> str:
    """A small exchange under a secret title and venue, crossed and closed, not yet published."""
    seed_registries(uows, world, held_a=10, held_b=10, seed=7)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(
        uows, mediator, title=SECRET_TITLE, party_a="pa", party_b="pb", venue=SECRET_VENUE
    )
    compose_version(
        uows, mediator, opened.id, Terms(dt.date(2024, 7, 1), formulas=(NForN(),), max_persons=8), share=True
    )
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    tranche = handover.get_tranche(uows, mediator, opened.id, 1)
    commands = [LineCommand(LineAction.DELIVER, line["candidate_id"]) for line in tranche.lines]
    handover.record_lines(uows, mediator, opened.id, 1, commands)
    handover.close_tranche(uows, mediator, opened.id, 1, PROOF)
    return opened.id


def _public_get_paths(app: FastAPI) -> list[str]:
    """Every GET path of the app without path parameters: API routes and pages alike."""
    paths = {"/ledger", "/api/v1/public/ledger"}
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if "GET" in methods and "{" not in path and not path.startswith("/static"):
            paths.add(path)
    return sorted(paths)


def _everything_public(app: FastAPI) -> dict[str, str]:
    with ui_client(app) as anonymous:
        return {path: anonymous.get(path).text for path in _public_get_paths(app)}


def test_nothing_unpublished_and_never_the_title_or_venue(
    app: FastAPI, api: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    agreement_id = _closed_secret_exchange(uows, world)
    before = api.get("/api/v1/public/ledger").json()
    assert before["parties"] == [] and before["exchanges"]["exchanges"] == []  # closed, but not published

    refused = api.post(
        f"/api/v1/agreements/{agreement_id}/publications",
        json={"public_label": LABEL},
        headers=world.writes("a_admin"),
    )
    assert refused.status_code == 403
    published = api.post(
        f"/api/v1/agreements/{agreement_id}/publications",
        json={"public_label": LABEL},
        headers=world.writes("mediator"),
    )
    assert published.status_code == 201, published.json()
    counts = api.post(
        "/api/v1/publications/registry-counts", json={"party": "pa"}, headers=world.writes("a_admin")
    )
    assert counts.status_code == 201, counts.json()

    pages = _everything_public(app)
    assert (
        LABEL in pages["/ledger"] and LABEL in pages["/api/v1/public/ledger"]
    )  # the check below means something
    for path, body in pages.items():
        for secret in (SECRET_TITLE, SECRET_VENUE, "Country X", "Zvezda"):
            assert secret not in body, (path, secret)
    ledger = api.get("/api/v1/public/ledger").json()
    (party,) = ledger["parties"]
    assert party["party"] == "pa" and "held_deceased" not in party
    small = [k for k, v in party.items() if k not in {"party", "published_at"} and v is None]
    assert small and ledger["min_count"] == 5  # counts of 1 to 4 are null, never exact
    (line,) = ledger["exchanges"]["exchanges"]
    assert line["title"] == LABEL and line["venue"] == "not published"


def test_the_public_label_set_at_creation_is_used(api: TestClient, world: World) -> None:
    body = {
        "title": SECRET_TITLE,
        "party_a": "pa",
        "party_b": "pb",
        "venue": SECRET_VENUE,
        "public_label": LABEL,
    }
    created = api.post("/api/v1/agreements", json=body, headers=world.writes("mediator"))
    assert created.status_code == 201
    early = api.post(
        f"/api/v1/agreements/{created.json()['id']}/publications", json={}, headers=world.writes("mediator")
    )
    assert (
        early.status_code == 409 and early.json()["code"] == "ledger.nothing_closed"
    )  # the label was enough


def test_who_read_what_for_the_owner_and_the_mediator(
    app: FastAPI, api: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    seed_registries(uows, world, held_a=3, held_b=3, seed=8)
    page = api.get("/api/v1/persons?registry=held", headers=world.headers("mediator")).json()
    person = next(p for p in page["items"] if p["party_id"] == world.party_ids["pa"])
    size = api.get("/api/v1/log/verify", headers=world.headers("mediator")).json()["entries_checked"]
    assert api.get(f"/api/v1/persons/{person['id']}", headers=world.headers("mediator")).status_code == 200
    assert api.get("/api/v1/log/verify", headers=world.headers("mediator")).json()["entries_checked"] == size

    mine = api.get(
        "/api/v1/access-records?user=mediator&action=read", headers=world.headers("a_admin")
    ).json()
    assert [(r["owner_party"], r["record_ids"]) for r in mine["items"]] == [("pa", [person["id"]])]
    theirs = api.get("/api/v1/access-records?action=read", headers=world.headers("b_admin")).json()
    assert theirs["items"] == []
    assert api.get("/api/v1/access-records", headers=world.headers("a_operator")).status_code == 403
    assert api.get("/api/v1/access-records").status_code == 401
    listed = api.get("/api/v1/access-records?party=pb&action=list", headers=world.headers("mediator")).json()
    assert listed["total"] == 1 and listed["items"][0]["record_count"] == 3

    with ui_client(app) as browser:
        sign_in(browser, "a_admin")
        html = browser.get("/access-records?action=read").text
        assert person["id"] in html and "mediator" in html
        assert "Who read what" in browser.get("/party/held").text
