"""Deaths and remains in Chromium: a death recorded from the record page (the form, the section, the history),
remains recorded, mixed and identified against a sought record; screenshots for the docs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from homebound.core.persons import Registry
from homebound.services import accounts, registry
from tests.browser.conftest import LiveServer, OpenTab, serve
from tests.browser.test_ui_browser import check_page, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of this module's own: its deaths stay out of the other modules' counts."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def in_english(live_server: LiveServer) -> None:
    accounts.set_language(live_server.uows, live_server.world.actors["a_operator"], "en")


def test_a_death_is_recorded_from_the_record_page(open_tab: OpenTab, live_server: LiveServer) -> None:
    actor = live_server.world.actors["a_operator"]
    raw = {"record_id": "BR-D-1", "family_name": "Синтетичний", "given_name": "Тест"}
    held = registry.create_person(live_server.uows, actor, Registry.HELD, raw).id
    tab = open_tab()
    sign_in(tab, "a_operator")
    tab.go(f"/party/records/{held}")
    tab.page.get_by_role("link", name="Record a death").click()
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text("Death record")
    check_page(tab.page)
    tab.page.get_by_label("Date of death").fill("2024-02-03")
    tab.page.get_by_label("Place of death").fill("табір Синтетичний-2, лазарет")
    tab.page.get_by_label("The cause is unclear").check()
    tab.page.get_by_label("Place of burial").fill("кладовище Тестове")
    tab.page.get_by_label("Grave location").fill("ділянка 7, ряд 3")
    tab.page.get_by_label("Grave marking").fill("табличка 4417")
    tab.page.get_by_label("Notice sent through").select_option("icrc")
    tab.shot("death-form")
    tab.page.get_by_role("button", name="Save the death record").click()
    expect(tab.page.locator("#death-record")).to_contain_text("кладовище Тестове")
    expect(tab.page.get_by_role("status").first).to_contain_text(re.compile("official inquiry is owed"))
    expect(tab.page.locator("#history")).to_contain_text("death recorded")
    check_page(tab.page)
    tab.shot("record-death")


def test_remains_are_recorded_mixed_and_identified(open_tab: OpenTab, live_server: LiveServer) -> None:
    actor = live_server.world.actors["a_operator"]
    raw = {"record_id": "BR-S-1", "family_name": "Шуканий"}
    sought = registry.create_person(live_server.uows, actor, Registry.SOUGHT, raw).id
    tab = open_tab()
    sign_in(tab, "a_operator")
    tab.page.get_by_role("navigation", name="Main").get_by_role("link", name="Remains").click()
    for reference, mixed in (("bag-101", ""), ("bag-102", "bag-101")):
        form = tab.page.locator("#remains-form")
        form.get_by_label("Reference (bag or body number)").fill(reference)
        form.get_by_label("Batch").fill("b-9")
        form.get_by_label("DNA case").fill(f"DNA-{reference}")
        form.get_by_label("Mixed with").fill(mixed)
        form.get_by_role("button", name="Record remains").click()
        expect(tab.page.locator(f"#remains-{reference}")).to_be_visible()
    expect(tab.page.locator("#remains-bag-102")).to_contain_text("bag-101")
    row = tab.page.locator("#remains-bag-101")
    row.get_by_label("Identification").select_option("identified")
    row.get_by_label("Date of the outcome").fill("2024-06-01")
    row.get_by_label("Sought record").select_option(sought)
    row.get_by_role("button", name="Save").click()
    expect(tab.page.locator("#remains-bag-101")).to_contain_text("identified")
    expect(tab.page.locator("#remains-batches")).to_contain_text("b-9")
    assert registry.get_person(live_server.uows, actor, sought).status.value == "deceased"
    check_page(tab.page)
    tab.shot("remains")
