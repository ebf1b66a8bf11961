"""The matching review queue in a real browser: the mediator opens the queue, reads a pair (both scripts, the
waterfall chart drawn), confirms one with the keyboard and rejects another by clicking, moves along the queue
with j / k and the arrow keys; the seeking party then sees the disclosure. Screenshots of the queue and a pair
(at 1280 px; the tablet width is checked for overflow with a very long Cyrillic name)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from homebound.core.matching.review import CandidateStatus
from homebound.services import accounts, matching, review_queue
from homebound.services.review_queue import DecisionFilter, QueueFilter
from tests.browser.conftest import TABLET, LiveServer, OpenTab, Tab
from tests.browser.seed import LONG_CYRILLIC
from tests.browser.test_ui_browser import check_page, sign_in
from tests.review_support import seed_pairs

# One worker drives the browser tests: one Chromium and one seeded server (`make test` runs xdist).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
_PAIR_URL = re.compile(r"/mediator/review/([0-9a-f-]{36})")
_CHART = """() => {
  const chart = window.Chart && window.Chart.getChart(document.getElementById('waterfall-chart'));
  return chart ? {bars: chart.data.datasets[0].data.length, type: chart.config.type} : null;
}"""


@pytest.fixture(scope="module")
def pairs(live_server: LiveServer) -> dict[str, str]:
    """The pairs of tests/review_support.py, by the sought record's family name."""
    for username in ("mediator", "a_operator"):  # another test may have left them reading Ukrainian
        accounts.set_language(live_server.uows, live_server.world.actors[username], "en")
    seed_pairs(live_server.uows, live_server.world)
    mediator = live_server.world.actors["mediator"]
    queue = review_queue.read_queue(
        live_server.uows, mediator, QueueFilter(decision=DecisionFilter.ALL), limit=200
    )
    found = {}
    for sought, held in (
        ("Коваленко Олександр", "Коваленко Александр"),
        ("Мельник Надія", "Melnyk Nadiia"),
        ("Бондаренко Тарас", "Бондаренко Тарас Петрович"),
        (LONG_CYRILLIC, LONG_CYRILLIC),
    ):
        family = sought.split(" ")[0]
        found[family] = next(
            i.id for i in queue.items if i.sought_name.startswith(sought) and i.held_name.startswith(held)
        )
    return found


def _status(live_server: LiveServer, pair: str) -> CandidateStatus:
    return matching.get_candidate(live_server.uows, live_server.world.actors["mediator"], pair).status


def _pair_id(page: Page) -> str:
    found = _PAIR_URL.search(page.url)
    assert found, page.url
    return found.group(1)


def _press(tab: Tab, key: str) -> None:
    """A key, once the page listens for it (the script attaches after the page has loaded)."""
    expect(tab.page.locator("body[data-shortcuts='on']")).to_have_count(1)
    tab.page.keyboard.press(key)


def _open_pair(tab: Tab, pair: str) -> None:
    tab.go("/mediator/review?decision=all")
    tab.page.locator(f"a[href^='/mediator/review/{pair}']").click()
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text("Proposed pair")
    assert _pair_id(tab.page) == pair


def test_the_mediator_reviews_pairs_with_the_keyboard_and_the_mouse(
    open_tab: OpenTab, live_server: LiveServer, pairs: dict[str, str]
) -> None:
    mediator = open_tab()
    sign_in(mediator, "mediator")
    mediator.page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(mediator.page.get_by_role("heading", level=1)).to_have_text("Review queue")
    queue = mediator.page.locator("#review-queue")
    for written in ("Коваленко", "Олександр", "Миколайович", "Melnyk", "Nadiia", "Yuriivna"):
        expect(queue).to_contain_text(written)  # the deciding fields side by side, as written
    check_page(mediator.page)
    mediator.shot("review-queue")

    # The pair page: both scripts, the transliterations, the differences, the chart drawn from the table.
    _open_pair(mediator, pairs["Коваленко"])
    fields = mediator.page.locator("#pair-fields")
    expect(fields).to_contain_text("Олександр")
    expect(fields).to_contain_text("Александр")
    expect(fields).to_contain_text("Oleksandr")
    expect(fields.locator("tr.diff-close")).not_to_have_count(0)
    expect(mediator.page.locator("#waterfall-chart")).to_be_visible()
    mediator.page.wait_for_function("() => window.Chart && window.Chart.getChart('waterfall-chart')")
    chart = mediator.page.evaluate(_CHART)
    assert chart == {"bars": mediator.page.locator("#waterfall-table tbody tr").count(), "type": "bar"}
    check_page(mediator.page)
    mediator.shot("review-candidate")

    # Typing in the note never triggers a shortcut; outside it, c confirms and the next open pair opens.
    note = mediator.page.get_by_label("Note (optional)")
    note.fill("")
    note.type("checked the roster: c r n j k")
    assert _pair_id(mediator.page) == pairs["Коваленко"]
    assert _status(live_server, pairs["Коваленко"]) is CandidateStatus.PENDING
    note.blur()
    _press(mediator, "c")
    expect(mediator.page.locator("#decision-notice")).to_contain_text("Confirmed")
    assert _pair_id(mediator.page) != pairs["Коваленко"]
    assert _status(live_server, pairs["Коваленко"]) is CandidateStatus.CONFIRMED

    # j / k and the arrow keys move along the queue and back.
    _open_pair(mediator, pairs["Мельник"])
    _press(mediator, "j")
    expect(mediator.page).not_to_have_url(re.compile(pairs["Мельник"]))
    _press(mediator, "k")
    expect(mediator.page).to_have_url(re.compile(pairs["Мельник"]))
    _press(mediator, "ArrowRight")
    expect(mediator.page).not_to_have_url(re.compile(pairs["Мельник"]))
    _press(mediator, "ArrowLeft")
    expect(mediator.page).to_have_url(re.compile(pairs["Мельник"]))

    # Rejecting by clicking.
    _open_pair(mediator, pairs["Бондаренко"])
    mediator.page.get_by_role("button", name=re.compile("^Reject")).click()
    expect(mediator.page.locator("#decision-notice")).to_contain_text("Rejected")
    assert _status(live_server, pairs["Бондаренко"]) is CandidateStatus.REJECTED
    assert _status(live_server, pairs["Мельник"]) is CandidateStatus.PENDING

    # A very long Cyrillic name on a tablet: nothing pushes the page sideways.
    tablet = open_tab(viewport=TABLET)
    sign_in(tablet, "mediator")
    _open_pair(tablet, pairs[LONG_CYRILLIC])
    expect(tablet.page.locator("#pair-fields")).to_contain_text(LONG_CYRILLIC)
    check_page(tablet.page)
    tablet.shot("review-candidate-tablet")
    tablet.go("/mediator/review")
    check_page(tablet.page)

    # The seeking party sees the confirmation on its disclosures page; the rejected pair told it nothing.
    party = open_tab()
    sign_in(party, "a_operator")
    party.page.get_by_role("navigation", name="Main").get_by_role("link", name="Disclosures received").click()
    disclosures = party.page.locator("#disclosures")
    expect(disclosures).to_contain_text("Коваленко")
    expect(disclosures).to_contain_text("confirmed held")
    expect(disclosures).not_to_contain_text("Бондаренко")
    expect(disclosures).not_to_contain_text("Александр")  # the holder's record stays the holder's
    check_page(party.page)
    party.go(f"/mediator/review/{pairs['Мельник']}")
    expect(party.page.get_by_role("heading", level=1)).to_have_text("Not allowed")
