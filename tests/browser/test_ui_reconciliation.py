"""List reconciliation in a real browser: party B's operator uploads the list party A handed over (in
Ukrainian) and reads it sorted into buckets; a screenshot goes to docs/screenshots/reconciliation.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, expect

from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import lists
from tests.browser.conftest import TABLET, LiveServer, OpenTab
from tests.browser.test_ui_browser import check_page, sign_in

# One worker drives the browser tests: one Chromium and one seeded server (`make test` runs xdist).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

# Party B's own sought registry (Russian forms); B's sought registry is not seeded by the other tests.
B_SOUGHT = """record_id,family_name,given_name,patronymic,sex,date_of_birth,category,status
B-S-R01,Гончаренко,Дмитрий,Олегович,male,1992-06-14,pow,missing
B-S-R02,Лысенко,Павел,Андреевич,male,1984-02-09,pow,returned
B-S-R03,Марченко,Игорь,Васильевич,male,1989-10-23,pow,believed_captive
B-S-R04,Савченко,Ольга,Петровна,female,1975-04-02,civilian_internee,missing
"""
# The list party A handed over: "persons of yours we hold", Ukrainian headers and spellings.
A_LIST = """Ідентифікатор запису;Прізвище;Ім'я;По батькові;Стать;Дата народження;Категорія
UA-1;Гончаренко;Дмитро;Олегович;ч;14.06.1992;військовополонений
UA-2;Лисенко;Павло;Андрійович;ч;09.02.1984;військовополонений
UA-3;Марченко;Ігор;Васильович;ч;01.12.1968;військовополонений
UA-4;Савченко;Ольга;Петрівна;ж;02.04.1975;цивільна
UA-5;HONCHARENKO;DMYTRO;OLEHOVYCH;ч;14.06.1992;військовополонений
UA-6;Остапенко;Юрій;Богданович;ч;1990;військовополонений
"""
EXPECTED = {
    "confirmed_ours": 1,
    "not_found": 1,
    "already_returned": 1,
    "civilian": 1,
    "probable_data_error": 1,
    "duplicate_in_list": 1,
}


@pytest.fixture(scope="module")
def b_sought(live_server: LiveServer) -> None:
    served = live_server.uows
    uows = UnitOfWorkFactory(served.bind, served.keys, match_on_arrival=False)  # not under test here
    actor = live_server.world.actors["b_operator"]
    lists.import_list(uows, actor, Registry.SOUGHT, B_SOUGHT.encode(), "b-sought.csv")


@pytest.mark.usefixtures("b_sought")
def test_an_operator_uploads_a_list_and_reads_the_buckets(open_tab: OpenTab) -> None:
    tab = open_tab()
    sign_in(tab, "b_operator")
    tab.page.get_by_role("navigation", name="Main").get_by_role("link", name="Reconcile a list").click()
    expect(tab.page.get_by_role("heading", level=1)).to_have_text("Reconcile a list")
    check_page(tab.page)
    payload: FilePayload = {"name": "from-a.csv", "mimeType": "text/csv", "buffer": A_LIST.encode()}
    tab.page.get_by_label("List file").set_input_files(files=[payload])
    tab.page.get_by_role("button", name="Reconcile").click()
    expect(tab.page.locator("#reconcile-outcome")).to_contain_text("6 rows against 4 records")
    for bucket, count in EXPECTED.items():
        expect(tab.page.locator(f"#tab-{bucket} .badge")).to_have_text(str(count))
        expect(tab.page.locator(f"#bucket-{bucket} tbody tr")).to_have_count(count)
    error = tab.page.locator("#bucket-probable_data_error tbody tr")
    expect(error).to_contain_text("Марченко")
    expect(error).to_contain_text("date of birth differs")
    expect(tab.page.locator("#bucket-duplicate_in_list tbody tr")).to_contain_text("same person as row 2")
    check_page(tab.page)
    tab.shot("reconciliation")
    with tab.page.expect_download() as download:
        tab.page.locator("#reconcile-csv").click()
    path = download.value.path()
    text = path.read_text(encoding="utf-8-sig")
    assert text.count("\n") == 7 and "already_returned" in text
    # Tabs jump to their bucket; the page holds at tablet width.
    tab.page.locator("#tab-civilian").click()
    expect(tab.page).to_have_url(re.compile("#bucket-civilian$"))
    tab.page.set_viewport_size(TABLET)
    check_page(tab.page)
