"""Intake by hand in a real browser, in Ukrainian: a held record created (a problem first, shown next to its
field), then corrected; the capture-card deadline follows the arrival and the last transfer (GC III Art. 70).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from homebound.services import accounts
from tests.browser.conftest import LiveServer, OpenTab, serve
from tests.browser.test_ui_browser import check_page, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
TODAY = dt.date.today()


def _ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of this module's own: the record created here stays out of the other modules' counts."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def in_ukrainian(live_server: LiveServer) -> Iterator[None]:
    operator = live_server.world.actors["a_operator"]
    accounts.set_language(live_server.uows, operator, "uk")
    yield
    accounts.set_language(live_server.uows, operator, "en")


def test_an_operator_creates_and_corrects_a_held_record_in_ukrainian(open_tab: OpenTab) -> None:
    tab = open_tab()
    sign_in(tab, "a_operator")
    page = tab.page
    expect(page.locator("#overdue-alert")).to_contain_text("прострочено")  # the seeded lists have late cards
    page.locator("#new-record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Новий запис у реєстрі утримуваних")
    page.locator("#f-record_id").fill("HAND-1")
    page.locator("#f-given_name").fill("Тарас")
    page.locator("#f-capture_date").fill(_ago(20))
    page.locator("#f-arrived_at_camp_on").fill(_ago(25))
    page.locator("#f-sex").select_option("male")
    page.locator("#f-next_of_kin").fill("Ручна Оксана")
    page.get_by_role("button", name="Створити запис").click()
    expect(page.locator("#err-family_name")).to_have_text("потрібне значення")
    expect(page.locator("#err-arrived_at_camp_on")).to_have_text("раніше за дату полонення")
    expect(page.locator("#f-given_name")).to_have_value("Тарас")
    check_page(page)
    tab.shot("intake-new-problems-uk")

    page.locator("#f-family_name").fill("Ручний")
    page.locator("#f-arrived_at_camp_on").fill(_ago(10))
    page.get_by_role("button", name="Створити запис").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ручний Тарас")
    due = (TODAY - dt.timedelta(days=10) + dt.timedelta(days=7)).isoformat()
    expect(page.locator("#card-deadline")).to_contain_text(f"Картку полонення слід надіслати до {due}")
    expect(page.locator("#card-deadline")).to_contain_text("тиждень від прибуття до табору")

    page.locator("#correct-record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Виправити запис")
    page.locator("#f-last_transfer_on").fill(_ago(1))
    page.locator("#f-detention_place").fill("Табір 2")
    check_page(page)
    tab.shot("intake-correct-uk")
    page.get_by_role("button", name="Зберегти виправлення").click()
    due = (TODAY - dt.timedelta(days=1) + dt.timedelta(days=7)).isoformat()
    expect(page.locator("#card-deadline")).to_contain_text(f"Картку полонення слід надіслати до {due}")
    expect(page.locator("#card-deadline")).to_contain_text("останнього переведення або госпіталізації")
    expect(page.locator("dl.facts")).to_contain_text("Табір 2")
    check_page(page)
    tab.shot("intake-record-uk")
