"""An exchange in a real browser: the mediator composes, both parties accept with their passwords, the
mediator concludes, a tranche runs at the handover console on a tablet (with a substitution the receiving
side accepts), and the public ledger shows the exchange; screenshots of each page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from homebound.services import accounts, agreement_views
from tests.browser.conftest import TABLET, LiveServer, OpenTab, Tab, serve
from tests.browser.test_ui_browser import check_page, publish_exchange, sign_in
from tests.exchange_support import Registries, listable
from tests.world import PASSWORD

# One worker drives the browser tests: one Chromium and one seeded server (`make test` runs xdist).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
TITLE = "Crossing exchange 7"
LABEL = "A published exchange"  # what the public sees instead of the title


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of this module's own: its agreements and records stay out of the other modules' counts."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def in_english(live_server: LiveServer) -> None:
    for admin in ("a_admin", "b_admin"):  # the language test leaves a_admin reading Ukrainian
        accounts.set_language(live_server.uows, live_server.world.actors[admin], "en")


def _compose(mediator: Tab) -> str:
    mediator.go("/agreements")
    mediator.page.get_by_label("Title").fill(TITLE)
    mediator.page.get_by_label("Party A (code)").fill("pa")
    mediator.page.get_by_label("Party B (code)").fill("pb")
    mediator.page.get_by_label("Venue").fill("Border crossing")
    mediator.page.get_by_role("button", name="Open", exact=True).click()
    expect(mediator.page.get_by_role("heading", name=TITLE)).to_be_visible()
    agreement_id = mediator.page.url.rstrip("/").rsplit("/", 1)[1]
    mediator.page.get_by_label("Persons under parity, both sides together").fill("8")
    mediator.page.get_by_label("Tranches (A/B, comma between)").fill("4/4")
    mediator.page.get_by_label("Share with both parties").check()  # not ticked by default
    mediator.page.get_by_role("button", name="Compose", exact=True).click()
    expect(mediator.page.locator("#decisions tr.decision-in").first).to_be_visible()
    check_page(mediator.page)
    mediator.shot("agreement-composition")
    return agreement_id


def _accept(tab: Tab, agreement_id: str) -> None:
    tab.go(f"/agreements/{agreement_id}")
    tab.page.get_by_label(re.compile("Re-enter your password")).fill(PASSWORD)
    tab.page.get_by_role("button", name="Accept this version").click()
    expect(tab.page.get_by_role("status")).to_contain_text("Your side has accepted version 1")


def _spare_of_a(live_server: LiveServer, eligible: Registries, agreement_id: str) -> str:
    mediator = live_server.world.actors["mediator"]
    document = agreement_views.get_version(live_server.uows, mediator, agreement_id, 1).document
    assert document is not None
    listed = {p["candidate_id"] for p in document["list_a"]}
    return next(p for p in listable(live_server.uows, eligible.held["pa"]) if p not in listed)


def test_compose_accept_and_run_a_tranche_with_a_substitution(
    open_tab: OpenTab, live_server: LiveServer, eligible: Registries
) -> None:
    public = open_tab()
    public.go("/ledger")
    mediator = open_tab()
    sign_in(mediator, "mediator")
    agreement_id = _compose(mediator)
    for admin in ("a_admin", "b_admin"):
        tab = open_tab()
        sign_in(tab, admin)
        _accept(tab, agreement_id)
    tab.shot("agreement-accepted")

    mediator.go(f"/agreements/{agreement_id}")
    mediator.page.get_by_role("button", name="Conclude on version 1").click()
    expect(mediator.page.locator("#content-hash")).to_have_text(re.compile("^[0-9a-f]{64}$"))
    mediator.shot("agreement-concluded")

    crossing = open_tab(viewport=TABLET)
    sign_in(crossing, "mediator")
    crossing.go(f"/agreements/{agreement_id}/handover")
    lines = crossing.page.locator(".line")
    expect(lines).to_have_count(8)
    substituted = lines.filter(has_text="released by pa").first
    substituted_id = (substituted.get_attribute("id") or "").removeprefix("line-")
    substituted.get_by_label("Substitute (record number or ID)").fill(
        _spare_of_a(live_server, eligible, agreement_id)
    )
    substituted.get_by_role("button", name="Substituted").click()
    expect(crossing.page.locator(f"#line-{substituted_id}")).to_have_attribute(
        "data-state", "substitute_proposed"
    )
    for line_id in [i.removeprefix("line-") for i in lines.evaluate_all("ls => ls.map(l => l.id)")]:
        if line_id != substituted_id:
            crossing.page.locator(f"#line-{line_id}").get_by_role(
                "button", name="Delivered", exact=True
            ).click()
            expect(crossing.page.locator(f"#line-{line_id}")).to_have_attribute("data-state", "delivered")
    expect(crossing.page.locator("#balance-b")).to_contain_text("4")
    check_page(crossing.page)
    crossing.page.evaluate("window.scrollTo(0, 0)")  # the balance is sticky: shoot it where it starts
    crossing.shot("handover-console-substitution-768")

    tab.go(f"/agreements/{agreement_id}/handover")  # party B's admin receives A's substitute
    tab.page.locator(f"#line-{substituted_id}").get_by_role("button", name="Accept substitute").click()
    expect(tab.page.locator(f"#line-{substituted_id}")).to_have_attribute("data-state", "substitute_accepted")

    crossing.page.reload()
    crossing.page.get_by_label("Re-enter your password to close the tranche").fill(PASSWORD)
    crossing.page.get_by_role("button", name="Close tranche 1").click()
    expect(crossing.page.locator("#tranche-closed")).to_be_visible()

    public.go("/ledger")
    expect(public.page.get_by_text(TITLE)).to_have_count(0)  # closed, not published
    publish_exchange(mediator, agreement_id, LABEL)
    public.go("/ledger")
    expect(public.page.locator("#table-per-exchange")).to_contain_text(LABEL)
    expect(public.page.get_by_text(TITLE)).to_have_count(0)  # the internal title is never public
    public.page.wait_for_function(
        "() => window.Chart && window.Chart.getChart(document.getElementById('chart-per-exchange'))"
    )
    check_page(public.page)
    public.shot("public-ledger-exchanges")
