"""Reading the records of a party whose data keys were erased at the end of retention: 410 Gone, said
plainly, never a 500. A database and key directory of the test's own: erasure is for good."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homebound.config import Settings
from homebound.db.custody import key_custody
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import data_keys
from homebound.web.app import create_app
from tests.world import World, build_world


@pytest.fixture
def erasable(tmp_path: Path) -> Iterator[tuple[TestClient, UnitOfWorkFactory, World]]:
    url = f"sqlite:///{tmp_path / 'hb.sqlite3'}"
    keys = tmp_path / "keys"
    engine = make_engine(url)
    upgrade(engine)
    uows = UnitOfWorkFactory(engine, key_custody(keys))
    world = build_world(uows)
    app = create_app(Settings(environment="test", database_url=url, key_dir=keys), bind=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app.state.uows, world  # erased through the app's own key custody
    engine.dispose()


def test_an_erased_partys_records_are_gone_not_an_error(
    erasable: tuple[TestClient, UnitOfWorkFactory, World],
) -> None:
    client, uows, world = erasable
    record = {"registry": "held", "record_id": "H-1", "family_name": "Зикова"}
    created = client.post("/api/v1/persons", json=record, headers=world.writes("a_operator"))
    assert created.status_code == 201, created.text
    person = f"/api/v1/persons/{created.json()['id']}"
    assert client.get(person, headers=world.headers("a_operator")).status_code == 200
    data_keys.erase_keys(uows, "pa")
    for who in ("a_operator", "mediator"):
        gone = client.get(person, headers=world.headers(who))
        assert gone.status_code == 410, (who, gone.status_code, gone.text[:200])
        assert gone.json()["code"] == "party.records_erased"
        assert gone.headers["content-type"] == "application/problem+json"
    listed = client.get("/api/v1/persons?registry=held", headers=world.headers("a_operator"))
    assert listed.status_code == 410
    other = client.get("/api/v1/persons?registry=held", headers=world.headers("b_operator"))
    assert other.status_code == 200  # the other party's records are untouched
