"""Intake by hand in the browser UI: create and correct a record with the import's rules, on both databases;
problems next to their field in the reader's language, nothing written on a problem, the record's version
against lost updates, no duplicate on a retried form, the capture-card deadline and the overdue alert."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select

from homebound.core.persons import Registry
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import registry
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import World

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
TODAY = dt.date.today()


def _ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def app(backend: Backend, connection: Connection) -> FastAPI:
    return ui_app(backend.url, connection)


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        yield client


def _count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(PersonRow)).scalar_one())


def _create(client: TestClient, registry: str, **values: str) -> tuple[int, str, str]:
    token = csrf_of(client.get(f"/party/{registry}/new"))
    answer = client.post(f"/party/{registry}/new", data={"csrf_token": token, **values})
    return answer.status_code, answer.headers.get("location", ""), answer.text


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{name}">([^<]*)</p>', html)
    assert found, f"no problem shown next to {name}"
    return found.group(1)


def test_a_held_record_is_created_with_every_field(operator: TestClient, connection: Connection) -> None:
    values = {
        "record_id": "H-100",
        "family_name": "Тестенко",
        "given_name": "Іван",
        "patronymic": "Петрович",
        "date_of_birth": "03.1990",
        "sex": "male",
        "place_of_birth": "Synthetic Town",
        "father_given_name": "Петро",
        "mother_maiden_name": "Зразкова",
        "nationality": "Synthetic",
        "party_depended_on": "Party A",
        "rank": "private",
        "service_number": "SN-1",
        "unit": "Unit 1",
        "category": "pow",
        "capture_date": _ago(20),
        "capture_place": "Field 1",
        "arrived_at_camp_on": _ago(15),
        "last_transfer_on": _ago(3),
        "detention_place": "Camp 1",
        "health": "wounded",
        "legal_hold": "none",
        "last_seen_date": _ago(20),
        "last_seen_place": "Field 1",
        "will_to_return": "confirmed",
        "will_verified_by": "ICRC delegate",
        "will_verified_on": _ago(2),
        "next_of_kin": "Тестенко Марія",
        "next_of_kin_address": "1 Synthetic Street",
    }
    status, location, _ = _create(operator, "held", **values)
    assert status == 303 and location.startswith("/party/records/")
    page = operator.get(location)
    for shown in ("Тестенко", "Synthetic Town", "1 Synthetic Street", _ago(15), _ago(3)):
        assert shown in page.text
    # The week runs from the last transfer, not from capture (GC III Art. 70).
    due = (TODAY - dt.timedelta(days=3) + dt.timedelta(days=7)).isoformat()
    assert f"Capture card due on {due}" in page.text
    assert "last transfer or hospitalisation" in page.text
    assert _count(connection) == 1


def test_problems_are_shown_next_to_the_field_and_nothing_is_written(
    operator: TestClient, connection: Connection
) -> None:
    status, _, html = _create(
        operator,
        "held",
        record_id="H-1",
        family_name="",
        capture_date=_ago(5),
        arrived_at_camp_on=_ago(9),
        capture_card_sent_on="31.02.2020",
        will_to_return="refused",
    )
    assert status == 422
    assert _field_error(html, "family_name") == "a value is required"
    assert _field_error(html, "arrived_at_camp_on") == "before the capture date"
    assert _field_error(html, "capture_card_sent_on") == "the value is not valid"
    assert _field_error(html, "will_verified_by") == (
        "a confirmed or refused will to return names who verified it"
    )
    assert 'aria-invalid="true"' in html and 'value="' + _ago(9) + '"' in html  # the values stay
    assert _count(connection) == 0


def test_problems_are_in_the_readers_language(operator: TestClient, connection: Connection) -> None:
    token = csrf_of(operator.get("/party/held"))
    operator.post("/language", data={"csrf_token": token, "language": "uk", "next": "/party/held"})
    status, _, html = _create(operator, "held", record_id="H-1", family_name="", capture_date=_ago(-9))
    assert status == 422
    assert _field_error(html, "family_name") == "потрібне значення"
    assert _field_error(html, "capture_date") == "дата в майбутньому"
    assert _count(connection) == 0


def test_a_retried_create_makes_one_record_and_a_clash_is_named(
    operator: TestClient, connection: Connection
) -> None:
    first = _create(operator, "sought", record_id="S-7", family_name="Пошуковий", last_seen_date=_ago(40))
    again = _create(operator, "sought", record_id="S-7", family_name="Пошуковий", last_seen_date=_ago(40))
    assert first[0] == again[0] == 303
    assert first[1] == again[1]  # the same record
    assert _count(connection) == 1
    other = _create(operator, "sought", record_id="S-7", family_name="Інший")
    assert other[0] == 409
    assert _field_error(other[2], "record_id") == "a record with this record id is already in this registry"
    assert _count(connection) == 1


def test_a_correction_needs_the_version_it_was_made_on(operator: TestClient, connection: Connection) -> None:
    _, location, _ = _create(
        operator, "held", record_id="H-2", family_name="Виправленко", capture_date=_ago(4)
    )
    form = operator.get(location + "/edit")
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    token = csrf_of(form)
    fields = {"csrf_token": token, "version": "1", "family_name": "Виправленко", "capture_date": _ago(4)}
    saved = operator.post(location + "/edit", data={**fields, "arrived_at_camp_on": _ago(2)})
    assert saved.status_code == 303 and saved.headers["location"] == location
    # The same submission again (a retry) is already in: no error, no second version.
    retried = operator.post(location + "/edit", data={**fields, "arrived_at_camp_on": _ago(2)})
    assert retried.status_code == 303
    # Another correction made on version 1 is refused, not silently written over version 2.
    stale = operator.post(location + "/edit", data={**fields, "rank": "sergeant"})
    assert stale.status_code == 409 and 'id="stale"' in stale.text
    assert 'value="sergeant"' in stale.text
    row = connection.execute(select(PersonRow.version, PersonRow.rank, PersonRow.arrived_at_camp_on)).one()
    assert (row.version, row.rank, row.arrived_at_camp_on) == (2, None, TODAY - dt.timedelta(days=2))


def test_a_correction_with_a_problem_writes_nothing(operator: TestClient, connection: Connection) -> None:
    _, location, _ = _create(operator, "held", record_id="H-3", family_name="Стабільний")
    token = csrf_of(operator.get(location + "/edit"))
    bad = operator.post(
        location + "/edit",
        data={"csrf_token": token, "version": "1", "family_name": "Стабільний", "last_transfer_on": "soon"},
    )
    assert bad.status_code == 422
    assert _field_error(bad.text, "last_transfer_on") == "the value is not valid"
    assert connection.execute(select(PersonRow.version)).scalar_one() == 1


def test_forms_need_the_csrf_token(operator: TestClient, connection: Connection) -> None:
    answer = operator.post("/party/held/new", data={"record_id": "H-9", "family_name": "Без"})
    assert answer.status_code == 403
    assert _count(connection) == 0


def test_only_the_owning_partys_writers_get_the_forms(
    app: FastAPI, connection: Connection, world: World
) -> None:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    view = registry.create_person(
        uows, world.actors["a_operator"], Registry.HELD, {"record_id": "H-4", "family_name": "Чужий"}
    )
    registry.share_person(uows, world.actors["a_admin"], view.id, "pb")
    with ui_client(app) as other:
        sign_in(other, "b_operator")
        assert other.get(f"/party/records/{view.id}").status_code == 200  # shared: readable
        assert "correct-record" not in other.get(f"/party/records/{view.id}").text
        assert other.get(f"/party/records/{view.id}/edit").status_code == 404
    with ui_client(app) as observer:
        sign_in(observer, "a_observer")
        assert observer.get("/party/held/new").status_code == 403
        assert "new-record" not in observer.get("/party/held").text


def test_overdue_cards_are_an_alert_on_the_partys_pages(
    operator: TestClient, app: FastAPI, connection: Connection, world: World
) -> None:
    page = operator.get("/party/sought")
    assert 'id="overdue-alert"' not in page.text and 'id="overdue-badge"' not in page.text
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    actor = world.actors["a_operator"]
    for record_id, dates in {
        "late-arrival": {"capture_date": _ago(30), "arrived_at_camp_on": _ago(10)},
        "late-capture": {"capture_date": _ago(9)},
        "recent-transfer": {"capture_date": _ago(30), "last_transfer_on": _ago(2)},
    }.items():
        registry.create_person(
            uows, actor, Registry.HELD, {"record_id": record_id, "family_name": "X", **dates}
        )
    page = operator.get("/party/sought")
    assert re.search(r'id="overdue-badge">2<', page.text)
    alert = re.search(
        r'<p class="notice warn" role="note" id="overdue-alert"><a href="/party/overdue">([^<]*)', page.text
    )
    assert alert and alert.group(1).startswith("2 capture cards are overdue")
    listed = operator.get("/party/overdue")
    assert listed.text.count('class="card"') == 2
    with ui_client(app) as other:  # the other party's pages know nothing of it
        sign_in(other, "b_operator")
        assert 'id="overdue-alert"' not in other.get("/party/held").text
