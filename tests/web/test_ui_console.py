"""The handover console as a page: a vehicle at a time, search, a whole bus recorded after a confirmation
step, the time each person crossed, the shortfall worded in the reader's language, and the keep-alive."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select, update

from homebound.db.tables import ApiTokenRow
from homebound.db.uow import UnitOfWorkFactory
from tests.conftest import Backend
from tests.exchange_support import seed_registries
from tests.keys import key_custody_of_tests
from tests.web.test_ui_exchange import Setup, _compose_and_conclude, _opened, _post
from tests.web.ui_support import sign_in, ui_client
from tests.world import World


@pytest.fixture
def setup(backend: Backend, connection: Connection, world: World) -> Setup:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    registries = seed_registries(uows, world, held_a=12, held_b=12, seed=3)
    return _opened(backend, connection, world, registries)


@pytest.fixture
def clients(setup: Setup) -> Iterator[dict[str, TestClient]]:
    with ui_client(setup.app) as m, ui_client(setup.app) as a, ui_client(setup.app) as b:
        signed = {"mediator": m, "a_admin": a, "b_admin": b}
        for who, client in signed.items():
            sign_in(client, who)
        yield signed


_LINE = re.compile(r'<article class="line state-[a-z_]+" id="line-([0-9a-f-]+)" data-state="([a-z_]+)"')


def _lines(page: str) -> dict[str, str]:
    return dict(_LINE.findall(page))


def _missing(page: str) -> str:
    return " ".join(page.split('id="balance-missing">')[1].split("</p>", maxsplit=1)[0].split())


def test_a_tranche_is_read_a_bus_at_a_time_and_searched_by_record_number(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    everyone = _lines(m.get(console).text)
    assert len(everyone) == 8  # no vehicles yet: the whole manifest
    assert _post(m, console, f"{console}/1/vehicles/fill", {"seats": "3", "prefix": "Bus"}).status_code == 303  # type: ignore[attr-defined]
    page = m.get(console).text
    assert "Bus A1" in page and "Bus B2" in page
    assert len(_lines(page)) == 3  # the first bus with people waiting, not the whole tranche
    assert re.search(r'aria-current="page"[^>]*>Bus A1', page)
    assert setup.registries is not None
    target = next(i for i in everyone if i in setup.registries.rows)
    record = setup.registries.rows[target]["record_id"]
    found = _lines(m.get(console, params={"q": record}).text)
    assert list(found) == [target]


def test_a_whole_bus_is_recorded_only_after_its_confirmation(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    _post(m, console, f"{console}/1/vehicles/fill", {"seats": "4", "prefix": "Bus"})
    bus = m.get(console, params={"vehicle": "Bus A1"}).text
    aboard = list(_lines(bus))
    assert len(aboard) == 4 and 'id="bus-form"' in bus
    ticked = {"vehicle": "Bus A1", "candidate_id": aboard[:3]}
    asked = _post(m, console, f"{console}/1/vehicles/deliver", ticked)  # type: ignore[arg-type]
    assert asked.status_code == 200  # type: ignore[attr-defined]
    assert asked.text.count("<li>") >= 3 and 'id="bus-confirm"' in asked.text  # type: ignore[attr-defined]
    assert 'id="bus-left"' in asked.text  # type: ignore[attr-defined]  # the unticked fourth is named as left
    assert set(_lines(m.get(console, params={"vehicle": "Bus A1"}).text).values()) == {"pending"}
    confirmed = _post(m, console, f"{console}/1/vehicles/deliver", {**ticked, "confirmed": "yes"})  # type: ignore[arg-type]
    assert confirmed.status_code == 303  # type: ignore[attr-defined]
    after = m.get(console, params={"vehicle": "Bus A1"}).text
    states = _lines(after)
    assert [states[c] for c in aboard] == ["delivered", "delivered", "delivered", "pending"]
    assert after.count('class="crossed"') == 3


def test_the_balance_says_what_is_missing_in_ukrainian_and_is_never_green_at_nought(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    _post(m, console, "/language", {"language": "uk"})
    page = m.get(console).text
    assert 'class="balance warn"' in page and "формулу дотримано" not in page
    assert (
        _missing(page)
        == "Ще бракує від Сторона A: 4 з 4 за списком. Ще бракує від Сторона B: 4 з 4 за списком."
    )
    first = next(iter(_lines(page)))
    _post(m, console, f"{console}/1/lines/{first}", {"action": "deliver"})
    missing = _missing(m.get(console).text)
    assert "3 з 4" in missing and "4 з 4" in missing, missing


def _age_sessions(connection: Connection, minutes: int) -> None:
    then = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    connection.execute(update(ApiTokenRow).where(ApiTokenRow.kind == "browser").values(last_used_at=then))


def test_the_console_keeps_its_session_alive_while_the_tranche_is_open(
    setup: Setup, clients: dict[str, TestClient], connection: Connection
) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    page = clients["b_admin"].get(console).text
    assert f'data-keep-alive="{console}/1/alive"' in page
    _age_sessions(connection, 25)  # 25 minutes at the crossing with the console open, nobody touching it
    assert clients["b_admin"].get(f"{console}/1/alive").status_code == 204  # the console's own poll
    touched = connection.execute(
        select(ApiTokenRow.last_used_at).where(ApiTokenRow.kind == "browser")
    ).scalars()
    newest = max(t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in touched if t is not None)
    assert dt.datetime.now(dt.UTC) - newest < dt.timedelta(minutes=1)  # the idle clock starts again
    _age_sessions(connection, 31)  # the console closed for longer than the idle limit: signed out as before
    assert clients["b_admin"].get(f"{console}/1/alive").status_code == 303
    with TestClient(
        clients["b_admin"].app, base_url="https://testserver", follow_redirects=False
    ) as stranger:
        assert stranger.get(f"{console}/1/alive").status_code == 303  # no session: to the sign-in page


def test_one_person_moves_to_another_vehicle_and_a_party_moves_only_its_own(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    _post(m, console, f"{console}/1/vehicles/fill", {"seats": "4", "prefix": "Bus"})
    bus = m.get(console, params={"vehicle": "Bus A1"}).text
    moved = next(iter(_lines(bus)))
    line_no = bus.split(f'id="line-{moved}"')[1].split('name="line_no" value="')[1].split('"')[0]
    answer = _post(m, console, f"{console}/1/vehicles/assign", {"line_no": line_no, "to_vehicle": "Bus 9"})
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert list(_lines(m.get(console, params={"vehicle": "Bus 9"}).text)) == [moved]
    assert moved not in _lines(m.get(console, params={"vehicle": "Bus A1"}).text)
    # Party B releases nobody on Bus A1's side: no move offered there, and a move it forges is refused.
    b = clients["b_admin"]
    assert (
        'action="' + f"{console}/1/vehicles/assign" not in b.get(console, params={"vehicle": "Bus A1"}).text
    )
    forged = _post(b, console, f"{console}/1/vehicles/assign", {"line_no": line_no, "to_vehicle": "Bus 1"})
    assert forged.status_code == 403  # type: ignore[attr-defined]
    assert list(_lines(m.get(console, params={"vehicle": "Bus 9"}).text)) == [moved]


def test_people_on_the_agreement_pages_are_known_by_record_number_not_an_internal_id(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    url = _compose_and_conclude(setup, clients)
    assert setup.registries is not None
    page = clients["mediator"].get(url).text
    listed = [
        p
        for p in setup.registries.rows
        if f"{p[:8]}" in page or setup.registries.rows[p]["record_id"] in page
    ]
    assert listed  # the lists name people
    for person_id in listed:
        assert setup.registries.rows[person_id]["record_id"] in page
        assert f'<span class="code hint">{person_id[:8]}</span>' not in page
