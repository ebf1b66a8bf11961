"""The UI in a real browser: each role signs in and out, CSRF, languages, an import with errors then a good
one, a family's inquiry, the ledger's chart; screenshots of each main page go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.conftest import TABLET, LiveServer, OpenTab, Tab
from tests.browser.seed import LONG_CYRILLIC
from tests.world import PASSWORD

# One worker drives the browser tests: one Chromium and one seeded server (`make test` runs xdist).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# Every visible control has a label, and nothing pushes the page wider than the window.
_PAGE_CHECK = """() => {
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && (!el.labels || el.labels.length === 0))
    .map(el => el.name || el.id);
  return {unlabelled, overflow: document.documentElement.scrollWidth - window.innerWidth};
}"""
_CHART_TOTALS = """(id) => window.Chart.getChart(document.getElementById(id)).data.datasets
  .map(d => d.data.reduce((a, b) => a + b, 0)).reduce((a, b) => a + b, 0)"""


def check_page(page: Page) -> None:
    found = page.evaluate(_PAGE_CHECK)
    assert found["unlabelled"] == [], page.url
    assert found["overflow"] <= 0, page.url


def sign_in(tab: Tab, username: str) -> None:
    tab.go("/sign-in")
    tab.page.get_by_label("User name").fill(username)
    tab.page.get_by_label("Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    expect(tab.page.get_by_role("button", name=re.compile("Sign out|Вийти|Выйти"))).to_be_visible()


def publish_exchange(tab: Tab, agreement_id: str, label: str) -> None:
    """The mediator publishes an agreement's closed tranches on the public ledger under a public label."""
    tab.go("/publications")
    tab.page.get_by_label("Agreement").select_option(agreement_id)
    tab.page.get_by_label("Public label").fill(label)
    tab.page.get_by_role("button", name="Publish this exchange").click()
    expect(tab.page).to_have_url(re.compile("/ledger$"))


def sign_out(tab: Tab) -> None:
    tab.page.get_by_role("button", name=re.compile("Sign out|Вийти|Выйти")).click()
    expect(tab.page.get_by_role("status")).to_contain_text(re.compile("signed out|вийшли|вышли"))


@pytest.mark.parametrize(
    ("username", "heading", "may_import"),
    [
        ("a_operator", "Held registry", True),
        ("mediator", "Mediator desk", False),
        ("a_observer", "Held registry", False),
    ],
)
def test_each_role_signs_in_and_out(open_tab: OpenTab, username: str, heading: str, may_import: bool) -> None:
    tab = open_tab()
    tab.go("/sign-in")
    check_page(tab.page)
    if username == "a_operator":
        tab.shot("sign-in")
    sign_in(tab, username)
    expect(tab.page.get_by_role("heading", level=1)).to_have_text(heading)
    nav = tab.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Import a list")).to_have_count(1 if may_import else 0)
    expect(nav.get_by_text("not built yet")).to_have_count(0)  # every area in the navigation is built
    check_page(tab.page)
    if username == "mediator":
        expect(tab.page.locator("#verify-result")).to_have_attribute("data-ok", "true")
        tab.shot("mediator-desk")
    sign_out(tab)
    tab.go("/party/held")
    expect(tab.page).to_have_url(re.compile(r"/sign-in$"))


def test_a_form_without_its_token_is_rejected(open_tab: OpenTab) -> None:
    tab = open_tab()
    sign_in(tab, "a_operator")
    search = tab.page.locator("form[action='/party/held/search']")
    search.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    search.get_by_label("Family name starts with").fill("Смир")
    with tab.page.expect_response(re.compile(r"/party/held/search$")) as answer:
        search.get_by_role("button", name="Search").click()
    assert answer.value.status == 403
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("This form has expired")
    expect(tab.page.get_by_text("Смирнов")).to_have_count(0)


def test_language_switch_is_remembered_for_the_user(open_tab: OpenTab) -> None:
    tab = open_tab()
    sign_in(tab, "a_admin")  # set back to English at the end: the other tests expect it
    for language, heading, button in (
        ("uk", "Реєстр утримуваних", "Змінити"),
        ("ru", "Реестр удерживаемых", "Сменить"),
    ):
        tab.page.get_by_label(re.compile("Language|Мова|Язык")).select_option(language)
        tab.page.get_by_role("button", name=re.compile("Change|Змінити|Сменить")).click()
        expect(tab.page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(tab.page.get_by_role("button", name=button)).to_be_visible()
        expect(tab.page.locator("html")).to_have_attribute("lang", language)
    tab.shot("party-held-ru")
    sign_out(tab)
    elsewhere = open_tab(locale="en-GB")  # another browser: only the account can remember
    sign_in(elsewhere, "a_admin")
    expect(elsewhere.page.get_by_role("heading", level=1)).to_have_text("Реестр удерживаемых")
    # Put the account back to English: a_admin publishes figures in another test, which reads English.
    elsewhere.page.get_by_label("Язык").select_option("en")
    elsewhere.page.get_by_role("button", name="Сменить").click()
    expect(elsewhere.page.locator("html")).to_have_attribute("lang", "en")


def test_registry_pages_at_desk_and_tablet_width(open_tab: OpenTab) -> None:
    tab = open_tab()
    sign_in(tab, "a_operator")
    expect(tab.page.locator("#registry-table")).to_contain_text(LONG_CYRILLIC)
    check_page(tab.page)
    tab.shot("party-held")
    tab.page.keyboard.press("Tab")  # the skip link comes first and shows where the focus is
    outline = tab.page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    tab.page.get_by_label("Capture card overdue").check()  # htmx swaps the table in place
    expect(tab.page).to_have_url(re.compile(r"overdue=true"))
    expect(tab.page.locator("#registry-table tbody tr")).to_have_count(2)
    tab.page.get_by_role("link", name=LONG_CYRILLIC).click()
    expect(tab.page.locator("#history")).to_contain_text("record created")
    check_page(tab.page)
    tab.shot("record")
    tab.go("/party/overdue")
    expect(tab.page.locator("#overdue-cards > li")).to_have_count(2)
    tab.shot("overdue-capture-cards")
    tablet = open_tab(viewport=TABLET)
    sign_in(tablet, "a_operator")
    check_page(tablet.page)
    tablet.shot("party-held-768")


BAD_LIST = "record_id,family_name,given_name,date_of_birth\nBR-1,Олійник,Марія,1990\nBR-2,,Петро,1991\n"
GOOD_LIST = (
    "record_id,family_name,given_name,date_of_birth\nBR-1,Олійник,Марія,1990\nBR-2,Гнатюк,Петро,1991\n"
)


def _upload(tab: Tab, name: str, text: str) -> None:
    tab.go("/party/import")
    tab.page.get_by_label("Sought registry").check()
    payload: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    tab.page.get_by_label("List file").set_input_files(files=[payload])
    tab.page.get_by_role("button", name="Check the list").click()


def _ledger_total(tab: Tab, chart: str) -> int:
    tab.go("/ledger")
    tab.page.wait_for_function(
        "(id) => window.Chart && window.Chart.getChart(document.getElementById(id))", arg=chart
    )
    total: int = tab.page.evaluate(_CHART_TOTALS, chart)
    return total


def test_import_with_an_error_then_a_good_list_and_the_ledger_follows(open_tab: OpenTab) -> None:
    public = open_tab()
    sought_before = _ledger_total(public, "chart-sought")
    public.shot("public-ledger")
    tab = open_tab()
    sign_in(tab, "a_operator")
    _upload(tab, "bad.csv", BAD_LIST)
    expect(tab.page.locator("#import-outcome")).to_contain_text("Nothing was written")
    expect(tab.page.locator("#problems tbody tr")).to_have_count(1)
    expect(tab.page.locator("#problems tbody tr").first).to_contain_text("3")
    expect(tab.page.locator("#problems tbody tr").first).to_contain_text("family_name")
    check_page(tab.page)
    tab.shot("import-errors")
    assert _ledger_total(public, "chart-sought") == sought_before  # nothing written
    _upload(tab, "good.csv", GOOD_LIST)
    expect(tab.page.locator("#import-counts")).to_contain_text("New records")
    expect(tab.page.locator("#import-counts tr").nth(1)).to_contain_text("2")
    tab.shot("import-preview")
    assert _ledger_total(public, "chart-sought") == sought_before  # a preview is a dry run
    tab.page.get_by_role("button", name="Import into the sought registry").click()
    expect(tab.page.locator("#import-outcome")).to_contain_text("was imported")
    assert _ledger_total(public, "chart-sought") == sought_before  # imported, not yet published
    admin = open_tab()
    sign_in(admin, "a_admin")
    admin.go("/publications")
    check_page(admin.page)
    admin.page.get_by_role("button", name="Publish these counts").click()
    expect(admin.page).to_have_url(re.compile("/ledger$"))
    assert _ledger_total(public, "chart-sought") == sought_before + 2
    admin.go("/access-records?action=export")  # the admin reviews who read the party's data
    check_page(admin.page)


def test_a_family_files_an_inquiry_and_looks_up_its_status(
    open_tab: OpenTab, live_server: LiveServer
) -> None:
    family = open_tab(viewport=TABLET)
    family.go("/family")
    check_page(family.page)
    family.shot("family-inquiry")
    form = family.page.locator("form[action='/family/inquiries']")
    form.get_by_label("Family name", exact=True).fill("Бондаренко")
    form.get_by_label("Given name", exact=True).fill("Тарас")
    form.get_by_label("Your name").fill("Оксана Бондаренко")
    form.get_by_label("Phone or e-mail").fill("+380 00 000 00 00")
    form.get_by_label("Your relationship to the person").fill("дружина")
    form.get_by_label(re.compile("I agree")).check()
    form.get_by_role("button", name="File the inquiry").click()
    code = family.page.locator("#filed-case-code").inner_text()
    secret = family.page.locator("#filed-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert code not in family.page.url
    assert secret not in family.page.url
    family.go("/family")
    lookup = family.page.locator("form[action='/family/status']")
    lookup.get_by_label("Case code").fill(code)
    lookup.get_by_label("Secret").fill(secret)
    lookup.get_by_role("button", name="See the status").click()
    expect(family.page.locator("#inquiry-stage")).to_have_attribute("data-stage", "received")
    assert secret not in family.page.url
    family.shot("family-inquiry-status")
    bureau = open_tab()
    sign_in(bureau, "a_operator")
    bureau.go("/party/inquiries")
    expect(bureau.page.locator("#inquiry-queue")).to_contain_text(code)
    bureau.shot("inquiries")
