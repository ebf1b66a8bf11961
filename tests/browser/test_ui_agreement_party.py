"""The whole negotiation in a real browser, both parties and the mediator at their own desks: the mediator
composes; party B's signer (an account with a second factor) signs in with a code from the authenticator,
replaces a person with a reason and counter-proposes the terms; the difference shows to both sides once
shared; both parties accept with
their passwords (and B's code); the mediator concludes and runs the tranche on a 768 px tablet with a
substitution and a batch of remains; the public ledger follows. Screenshots: agreement-diff.png and
handover-console-tablet.png."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from homebound.core.access import Role
from homebound.db.tables import PersonRow, UserRow
from homebound.services import accounts, agreement_views, second_factor
from tests.browser.conftest import TABLET, LiveServer, OpenTab, Tab, serve
from tests.browser.test_ui_browser import check_page, publish_exchange, sign_in
from tests.exchange_support import Registries, listable
from tests.settings import TEST_PASSWORD_COST
from tests.world import PASSWORD

# One worker drives the browser tests: one Chromium and one seeded server (`make test` runs xdist).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]
TITLE = "Border exchange 9"
LABEL = "A published exchange"  # what the public sees instead of the title
SIGNER = "b_signer"
REASON = "serves a sentence here; offered instead: seriously wounded"
TERMS_REASON = "two days; the seriously wounded go first"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of this module's own: its agreements and records stay out of the other modules' counts."""
    yield from serve(tmp_path_factory)


class Authenticator:
    """The signer's phone: each code from a time step the server has not seen used yet. The server accepts
    the steps either side of its own, so three codes are there at any moment without waiting for the next
    step; the module needs two (sign-in, acceptance)."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret, interval=second_factor.STEP_SECONDS)
        self.used: set[int] = set()

    def code(self) -> str:
        step = int(time.time() // second_factor.STEP_SECONDS)
        # The next step first: it stays good longest (a minute), however slow the browser is.
        unused = [step + offset for offset in (1, 0, -1) if step + offset not in self.used]
        assert unused, "more codes than the server's window holds at once"
        self.used.add(unused[0])
        return self.totp.at(unused[0] * second_factor.STEP_SECONDS)


@pytest.fixture(scope="module")
def authenticator(live_server: LiveServer) -> Authenticator:
    """Party B's second administrator, enrolled for TOTP (the other tests' accounts stay without)."""
    uows = live_server.uows
    accounts.set_language(uows, live_server.world.actors["a_admin"], "en")
    accounts.create_user(
        uows,
        "test-setup",
        username=SIGNER,
        display_name="B signer",
        organisation_code="pb",
        role=Role.PARTY_ADMIN,
        password=PASSWORD,
        cost=TEST_PASSWORD_COST,
    )
    second_factor.enrol(uows, SIGNER)
    with uows.reader() as uow:
        secret = uow.session.execute(
            select(UserRow.totp_secret).where(UserRow.username == SIGNER)
        ).scalar_one()
    assert secret is not None
    return Authenticator(secret)


def _sign_in_with_code(tab: Tab, codes: Authenticator) -> None:
    tab.go("/sign-in")
    tab.page.get_by_label("User name").fill(SIGNER)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    expect(tab.page.get_by_role("alert")).to_contain_text("wrong code")  # enrolled: the code is needed
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_label("Code from your authenticator app").fill(codes.code())
    tab.page.get_by_role("button", name="Sign in").click()
    expect(tab.page.get_by_role("button", name="Sign out")).to_be_visible()


def _open_and_compose(mediator: Tab) -> str:
    mediator.go("/agreements")
    mediator.page.get_by_label("Title").fill(TITLE)
    mediator.page.get_by_label("Party A (code)").fill("pa")
    mediator.page.get_by_label("Party B (code)").fill("pb")
    mediator.page.get_by_label("Venue").fill("Border crossing 2")
    mediator.page.get_by_role("button", name="Open", exact=True).click()
    expect(mediator.page.get_by_role("heading", name=TITLE)).to_be_visible()
    agreement_id = mediator.page.url.rstrip("/").rsplit("/", 1)[1]
    mediator.page.locator("#max_persons").fill("8")
    mediator.page.locator("#tranches").fill("4/4")
    mediator.page.get_by_label("Share with both parties").check()  # not ticked by default
    mediator.page.get_by_role("button", name="Compose", exact=True).click()
    expect(mediator.page.locator("#decisions tr.decision-in").first).to_be_visible()
    return agreement_id


def _record_number(live_server: LiveServer, person_id: str) -> str:
    with live_server.uows.reader() as uow:
        found = uow.session.execute(select(PersonRow.source_id).where(PersonRow.id == person_id))
        return str(found.scalar_one())


def _spare(live_server: LiveServer, eligible: Registries, agreement_id: str, party: str, side: str) -> str:
    mediator = live_server.world.actors["mediator"]
    versions = agreement_views.list_versions(live_server.uows, mediator, agreement_id)
    listed: set[str] = set()
    for v in versions:
        document = agreement_views.get_version(live_server.uows, mediator, agreement_id, v.number).document
        assert document is not None
        listed |= {p["candidate_id"] for p in document[f"list_{side}"]}
    return next(p for p in listable(live_server.uows, eligible.held[party]) if p not in listed)


def _accept(tab: Tab, agreement_id: str, version: int, codes: Authenticator | None = None) -> None:
    tab.go(f"/agreements/{agreement_id}?v={version}")
    expect(tab.page.locator("#terms")).to_contain_text("2/2, 2/2")
    tab.page.get_by_label(re.compile("Re-enter your password")).fill(PASSWORD)
    if codes is not None:
        tab.page.locator("#accept-form").get_by_label("Code from your authenticator app").fill(codes.code())
    tab.page.get_by_role("button", name="Accept this version").click()
    expect(tab.page.get_by_role("status").first).to_contain_text(f"Your side has accepted version {version}")


def _remains_total(public: Tab) -> int:
    public.go("/ledger")
    totals = public.page.locator("#exchange-totals dd")
    return int(totals.nth(2).inner_text()) if totals.count() else 0


def test_party_counter_proposes_both_accept_and_the_tranche_runs_with_remains(
    open_tab: OpenTab, live_server: LiveServer, eligible: Registries, authenticator: Authenticator
) -> None:
    public = open_tab()
    remains_before = _remains_total(public)
    mediator = open_tab()
    sign_in(mediator, "mediator")
    agreement_id = _open_and_compose(mediator)
    url = f"/agreements/{agreement_id}"

    # Party B's signer, with a second factor, replaces one of B's listed persons by a record number.
    party_b = open_tab()
    _sign_in_with_code(party_b, authenticator)
    party_b.go(url)
    document = agreement_views.get_version(
        live_server.uows, live_server.world.actors["mediator"], agreement_id, 1
    ).document
    assert document is not None
    with live_server.uows.reader() as uow:  # a seriously wounded man is replaced only by another
        replaced = next(
            p["candidate_id"]
            for p in document["list_b"]
            if uow.session.get(PersonRow, p["candidate_id"]).health != "seriously_wounded_sick"  # type: ignore[union-attr]
        )
    spare_b = _spare(live_server, eligible, agreement_id, "pb", "b")
    party_b.page.locator("#person_1").select_option(replaced)
    party_b.page.locator("#record_1").fill(_record_number(live_server, spare_b))
    party_b.page.locator("#amend-submit").click()  # no reason yet: refused, the field named, nothing written
    expect(party_b.page.locator("#err-reason_1")).to_be_visible()
    expect(party_b.page.locator("#reason_1")).to_have_attribute("aria-invalid", "true")
    party_b.page.locator("#reason_1").fill(REASON)
    party_b.page.locator("#amend-submit").click()
    expect(party_b.page.locator("#comparison")).to_be_visible()
    expect(party_b.page.locator("#diff-b .diff-added")).to_contain_text(REASON)
    expect(party_b.page.locator("#diff-b .diff-removed")).to_have_count(1)

    # The mediator shares it; B then counter-proposes the terms: two tranches, the seriously wounded defined.
    mediator.go(f"{url}?v=2&against=1")
    mediator.page.get_by_role("button", name="Share version 2 with both parties").click()
    party_b.go(url)
    party_b.page.locator("#counter-tranches").fill("2/2, 2/2")
    party_b.page.get_by_label("seriously wounded or sick").check()
    party_b.page.get_by_label("Reason for the counter-proposal").fill(TERMS_REASON)
    party_b.page.locator("#counter-submit").click()
    expect(party_b.page.locator("#terms-diff")).to_contain_text("2/2, 2/2")
    mediator.go(f"{url}?v=3")
    mediator.page.get_by_role("button", name="Share version 3 with both parties").click()

    # Party A sees everything B changed since the composition, with B's reasons.
    party_a = open_tab()
    sign_in(party_a, "a_admin")
    party_a.go(f"{url}?v=3&against=1")
    expect(party_a.page.locator("#diff-b .diff-added")).to_contain_text(REASON)
    expect(party_a.page.locator("#terms-diff")).to_contain_text("seriously wounded or sick")
    check_page(party_a.page)
    party_a.shot("agreement-diff")

    _accept(party_a, agreement_id, 3)
    _accept(party_b, agreement_id, 3, authenticator)
    mediator.go(url)
    mediator.page.get_by_role("button", name="Conclude on version 3").click()
    expect(mediator.page.locator("#content-hash")).to_have_text(re.compile("^[0-9a-f]{64}$"))

    # At the crossing, on a tablet: a substitute for one of A's people, remains, everyone else delivered.
    crossing = open_tab(viewport=TABLET)
    sign_in(crossing, "mediator")
    crossing.go(f"{url}/handover")
    lines = crossing.page.locator(".line")
    expect(lines).to_have_count(4)
    heights = crossing.page.locator(".line-actions button").evaluate_all(
        "bs => bs.map(b => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44  # touch targets on the tablet
    substituted = lines.filter(has_text="released by pa").first
    substituted_id = (substituted.get_attribute("id") or "").removeprefix("line-")
    spare_a = _spare(live_server, eligible, agreement_id, "pa", "a")
    substituted.get_by_label("Substitute (record number or ID)").fill(_record_number(live_server, spare_a))
    substituted.get_by_role("button", name="Substituted").click()
    expect(crossing.page.locator(f"#line-{substituted_id}")).to_have_attribute(
        "data-state", "substitute_proposed"
    )
    expect(crossing.page.locator(f"#line-{substituted_id}")).to_contain_text(
        spare_a[:8]
    )  # found by its number
    crossing.page.locator("#remains-side").select_option("b")
    crossing.page.locator("#remains-count").fill("3")
    crossing.page.locator("#remains-submit").click()
    expect(crossing.page.locator("#remains-T1-R1")).to_contain_text("3")
    expect(crossing.page.locator("#balance-remains")).to_contain_text("3")  # the balance follows, live
    others = [i.removeprefix("line-") for i in lines.evaluate_all("ls => ls.map(l => l.id)")]
    others.remove(substituted_id)
    for n, line_id in enumerate(others):
        if n == len(others) - 1:  # the last one still open on the picture, with its buttons
            check_page(crossing.page)
            crossing.page.evaluate("window.scrollTo(0, 0)")
            crossing.shot("handover-console-tablet")
        line = crossing.page.locator(f"#line-{line_id}")
        line.get_by_role("button", name="Delivered", exact=True).click()
        expect(line).to_have_attribute("data-state", "delivered")
    expect(crossing.page.locator("#balance-b")).to_contain_text("2")
    check_page(crossing.page)

    # Party B receives A's substitute; the mediator closes the tranche with the password re-entered.
    party_b.go(f"{url}/handover")
    party_b.page.locator(f"#line-{substituted_id}").get_by_role("button", name="Accept substitute").click()
    expect(party_b.page.locator(f"#line-{substituted_id}")).to_have_attribute(
        "data-state", "substitute_accepted"
    )
    crossing.page.reload()
    crossing.page.get_by_label("Re-enter your password to close the tranche").fill("not the password")
    crossing.page.get_by_role("button", name="Close tranche 1").click()
    expect(crossing.page.locator("#form-problems")).to_be_visible()
    crossing.page.get_by_label("Re-enter your password to close the tranche").fill(PASSWORD)
    crossing.page.get_by_role("button", name="Close tranche 1").click()
    expect(crossing.page.locator("#tranche-closed")).to_be_visible()

    public.go("/ledger")
    expect(public.page.get_by_text(TITLE)).to_have_count(0)  # closed, not published
    publish_exchange(mediator, agreement_id, LABEL)
    public.go("/ledger")
    expect(public.page.locator("#table-per-exchange")).to_contain_text(LABEL)
    expect(public.page.get_by_text(TITLE)).to_have_count(0)  # the internal title is never public
    assert _remains_total(public) == remains_before + 3
