"""The handover console of a real crossing in Chromium on a 768 px tablet: a bus at a time, search by record
number, a whole bus recorded after its people were ticked and the step confirmed, a refusal that needs its own
confirmation, and the balance saying what is still missing, in English and Ukrainian (screenshots of both)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect

from homebound.core.exchange.formula import NForN
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.services import accounts, agreements
from homebound.services import handover_console as console
from homebound.services import handover_vehicles as vehicles
from homebound.services.composition import compose_version
from tests.browser.conftest import TABLET, LiveServer, OpenTab, serve
from tests.browser.test_ui_browser import check_page, sign_in
from tests.exchange_support import seed_registries
from tests.world import PROOF

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=20, tranches=(TrancheSpec(10, 10),))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module")
def crossing(live_server: LiveServer) -> str:
    """A concluded agreement of 10 for 10 whose people are placed in buses of five."""
    uows, world = live_server.uows, live_server.world
    seed_registries(uows, world, held_a=20, held_b=20, seed=21)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(
        uows, mediator, title="Console crossing", party_a="pa", party_b="pb", venue="Border crossing"
    )
    compose_version(uows, mediator, opened.id, TERMS, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    vehicles.place_unplaced(uows, mediator, opened.id, 1, seats=5, prefix="Bus")
    return opened.id


def _record_number_on(live_server: LiveServer, agreement_id: str, vehicle: str) -> tuple[str, str]:
    mediator = live_server.world.actors["mediator"]
    flt = console.ConsoleFilter(vehicle=vehicle)
    line = console.console_page(live_server.uows, mediator, agreement_id, 1, flt).lines[0]
    assert line.held is not None
    return line.candidate_id, line.held.record_number


def test_a_bus_at_a_time_search_whole_bus_and_a_confirmed_refusal(
    open_tab: OpenTab, live_server: LiveServer, crossing: str
) -> None:
    tab = open_tab(viewport=TABLET)
    sign_in(tab, "mediator")
    url = f"/agreements/{crossing}/handover"
    tab.go(url)
    lines = tab.page.locator("article.line")
    expect(lines).to_have_count(5)  # Bus A1 only, not the whole tranche
    expect(tab.page.locator("#manifest-heading")).to_contain_text("Vehicle Bus A1")
    expect(tab.page.locator("#balance")).to_have_class(re.compile(r"\bwarn\b"))  # never green at 0 : 0
    expect(tab.page.locator("#balance-missing")).to_contain_text("Still missing from Party A: 10 of 10")
    check_page(tab.page)
    tab.shot("handover-console-en-768")

    # Search: a person of another bus, by the record number their side gave them.
    wanted, record = _record_number_on(live_server, crossing, "Bus B2")
    tab.page.get_by_label("Search: name, record or service number, line").fill(record)
    tab.page.get_by_role("button", name="Search", exact=True).click()
    expect(lines).to_have_count(1)
    expect(tab.page.locator(f"#line-{wanted}")).to_contain_text(record)

    # The whole of Bus A1: each person ticked after the identity check, then one confirmed action.
    tab.go(url + "?vehicle=Bus+A1")
    for box in tab.page.get_by_label("Identity checked").all():
        box.check()
    tab.page.get_by_role("button", name=re.compile("Record the ticked people of Bus A1")).click()
    expect(tab.page.locator("#bus-chosen li")).to_have_count(5)
    expect(lines).to_have_count(0)  # a confirmation page: nothing recorded yet
    tab.page.get_by_role("button", name="✓ Confirm: 5 delivered").click()
    expect(tab.page.locator("article.line[data-state='delivered']")).to_have_count(5)
    expect(tab.page.locator(".crossed")).to_have_count(5)
    expect(tab.page.locator("#balance-missing")).to_contain_text("Still missing from Party A: 5 of 10")

    # A refusal is never one tap: the step opens, and only its own red button records it.
    tab.go(url + "?vehicle=Bus+B1")
    first = lines.first
    line_id = first.get_attribute("id") or ""
    first.locator("summary", has_text="Refused").click()
    confirm = first.get_by_role("button", name="Confirm the refusal")
    expect(confirm).to_be_visible()
    expect(tab.page.locator(f"#{line_id}")).to_have_attribute("data-state", "pending")
    first.get_by_label("Stays with").fill("the holding party")
    confirm.click()
    expect(tab.page.locator(f"#{line_id}")).to_have_attribute("data-state", "refused_repatriation")
    check_page(tab.page)


def test_the_balance_says_what_is_missing_in_ukrainian(
    open_tab: OpenTab, live_server: LiveServer, crossing: str
) -> None:
    mediator = live_server.world.actors["mediator"]
    accounts.set_language(live_server.uows, mediator, "uk")
    try:
        tab = open_tab(viewport=TABLET)
        sign_in(tab, "mediator")
        tab.go(f"/agreements/{crossing}/handover?vehicle=Bus+B2")
        expect(tab.page.locator("#balance-missing")).to_contain_text(
            re.compile(r"Ще бракує від Сторона B: \d+ з 10")
        )
        expect(tab.page.locator("#balance")).not_to_contain_text("formula")
        expect(tab.page.get_by_role("button", name="✓ Передано").first).to_be_visible()
        expect(tab.page.locator("summary", has_text="Відмовився").first).to_be_visible()
        check_page(tab.page)
        tab.shot("handover-console-uk-768")
    finally:
        accounts.set_language(live_server.uows, mediator, "en")
