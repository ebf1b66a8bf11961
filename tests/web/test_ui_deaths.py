"""The death section and form of a record page, and the remains page, in the browser's HTML (uk, ru, en)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import registry
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import World


@pytest.fixture
def app(backend: Backend, connection: Connection) -> FastAPI:
    return ui_app(backend.url, connection)


@pytest.fixture
def uows(connection: Connection) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(connection, key_custody_of_tests())


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        yield client


def _held(uows: UnitOfWorkFactory, world: World) -> str:
    raw = {"record_id": "UI-H-1", "family_name": "Синтетичний"}
    return registry.create_person(uows, world.actors["a_operator"], Registry.HELD, raw).id


def test_a_death_recorded_from_the_record_page(
    operator: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    held = _held(uows, world)
    page = operator.get(f"/party/records/{held}")
    assert f'href="/party/records/{held}/death"' in page.text and 'id="death"' in page.text
    form = operator.get(f"/party/records/{held}/death")
    assert form.status_code == 200 and 'id="death-form"' in form.text
    bad = operator.post(
        f"/party/records/{held}/death",
        data={"csrf_token": csrf_of(form), "date_of_death": "2024-02-03", "inquiry_by": "комісія"},
    )
    assert bad.status_code == 422 and "inquiry_without_doubt" not in bad.text  # the label, not the code
    assert "an official inquiry is recorded when the cause is unclear" in bad.text
    saved = operator.post(
        f"/party/records/{held}/death",
        data={
            "csrf_token": csrf_of(form),
            "date_of_death": "2024-02-03",
            "burial_place": "кладовище Тестове",
            "cause_unclear": "yes",
        },
    )
    assert saved.status_code == 303
    record = operator.get(f"/party/records/{held}").text
    assert "кладовище Тестове" in record and "GC III Art. 121" in record
    assert "death recorded" in record  # the history's label of the new log entry
    assert registry.get_person(uows, world.actors["a_operator"], held).status.value == "deceased"


def test_the_record_page_in_ukrainian_and_russian(
    app: FastAPI, uows: UnitOfWorkFactory, world: World
) -> None:
    held = _held(uows, world)
    for language, heading in (("uk", "Смерть у полоні"), ("ru", "Смерть в плену")):
        with ui_client(app) as client:
            sign_in(client, "a_operator")
            chosen = client.post(
                "/language", data={"csrf_token": csrf_of(client.get("/")), "language": language}
            )
            assert chosen.status_code == 303
            assert heading in client.get(f"/party/records/{held}").text


def test_remains_recorded_and_identified_from_the_remains_page(
    operator: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    sought = registry.create_person(
        uows, world.actors["a_operator"], Registry.SOUGHT, {"record_id": "UI-S-1", "family_name": "Шуканий"}
    ).id
    page = operator.get("/party/remains")
    assert page.status_code == 200 and 'id="remains-form"' in page.text
    for reference, mixed in (("bag-1", ""), ("bag-2", "bag-1")):
        added = operator.post(
            "/party/remains",
            data={
                "csrf_token": csrf_of(page),
                "reference": reference,
                "batch_id": "b-1",
                "mixed_with": mixed,
            },
        )
        assert added.status_code == 303, added.text
    listed = operator.get("/party/remains").text
    assert 'id="remains-bag-2"' in listed and "bag-1" in listed
    assert '<td class="num">2</td>' in listed  # two mixed bodies in batch b-1
    remains_id = listed.split('action="/party/remains/')[1].split("/identification")[0]
    done = operator.post(
        f"/party/remains/{remains_id}/identification",
        data={
            "csrf_token": csrf_of(page),
            "identification": "identified",
            "identified_on": "2024-06-01",
            "sought_person_id": sought,
        },
    )
    assert done.status_code == 303, done.text
    assert registry.get_person(uows, world.actors["a_operator"], sought).status.value == "deceased"
    with ui_client(operator.app) as other:  # type: ignore[arg-type]
        sign_in(other, "b_operator")
        assert "bag-1" not in other.get("/party/remains").text
