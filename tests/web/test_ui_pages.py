"""UI pages: no personal data in URLs, no inline code, party isolation, import preview, family look-ups."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select

from homebound.config import Settings
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.web.app import create_app
from tests.browser.seed import held_csv, seed_registries, sought_csv
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.web.ui_support import PAGE_POLICY, csrf_of, sign_in, ui_app, ui_client
from tests.world import World

# The pages hold no SQL of their own (the services are tested on both databases): SQLite is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
URL_ATTRIBUTES = {"href", "src", "action", "hx-get", "hx-post", "hx-push-url"}


class _Page(HTMLParser):
    """Every URL a page names, and every inline script, style or event handler (which the CSP would block)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.links: list[str] = []  # what a GET can follow
        self.inline: list[str] = []
        self.get_forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [v for k, v in attrs if k in URL_ATTRIBUTES and v and v != "true"]
        self.links += [v for k, v in attrs if k in ("href", "hx-get") and v]
        if tag == "script" and not found.get("src"):
            self.inline.append("script")
        if tag == "style" or "style" in found:
            self.inline.append(f"style on {tag}")
        self.inline += [f"{k} on {tag}" for k in found if k.startswith("on")]
        if tag == "form" and (found.get("method") or "get").lower() == "get":
            self.get_forms.append(found.get("action") or "")


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture
def app(backend: Backend, connection: Connection, world: World) -> FastAPI:
    seed_registries(UnitOfWorkFactory(connection, key_custody_of_tests()), world, dt.date.today())
    return ui_app(backend.url, connection)


@pytest.fixture
def operator(app: FastAPI) -> Iterator[TestClient]:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        yield client


def _names() -> set[str]:
    """Every name cell of the seeded lists, in the forms a URL could carry it."""
    names: set[str] = set()
    for data in (held_csv(dt.date.today()), sought_csv()):
        for line in data.decode().splitlines()[1:]:
            cells = line.split(",")
            names.update(c for c in cells[1:4] if len(c) > 2)
    return names | {n.casefold() for n in names}


def _crawl(client: TestClient, start: list[str], limit: int = 60) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        seen[url] = page.text
        for link in _parse(page.text).links:
            target = urlsplit(link)
            if not target.netloc and link.startswith("/") and not link.startswith("/static/"):
                queue.append(link)
    return seen


def test_no_personal_data_in_any_url(operator: TestClient) -> None:
    pages = _crawl(operator, ["/", "/party/held", "/party/sought", "/party/overdue", "/party/inquiries"])
    assert any(url.startswith("/party/records/") for url in pages)  # the crawl reached record pages
    names = _names()
    for url, html in pages.items():
        parsed = _parse(html)
        for link in [url, *parsed.urls]:
            text = unquote(link)
            assert not [n for n in names if n in text or n in text.casefold()], (url, link)
        # A form that could carry a name must be POST; GET forms only carry filters.
        assert all(re.fullmatch(r"/party/(held|sought)", action) for action in parsed.get_forms), url


def test_search_posts_names_in_the_body_and_answers_in_place(operator: TestClient) -> None:
    token = csrf_of(operator.get("/party/held"))
    found = operator.post("/party/held/search", data={"csrf_token": token, "family_name_prefix": "СМИР"})
    assert found.status_code == 200
    assert "Смирнов" in found.text
    assert "Кузнецова" not in found.text
    assert "location" not in found.headers


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sign-in",
        "/family",
        "/ledger",
        "/party/held",
        "/party/import",
        "/party/overdue",
        "/party/inquiries",
        "/party/records/none",
    ],
)
def test_pages_carry_no_inline_code_and_a_strict_policy(operator: TestClient, path: str) -> None:
    page = operator.get(path)
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert page.headers["cache-control"] == "no-store"
    assert _parse(page.text).inline == []


def test_static_files_are_ours(operator: TestClient) -> None:
    page = operator.get("/ledger").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts
    assert all(s.startswith("/static/") for s in scripts)
    for script in scripts:
        assert operator.get(script).status_code == 200


def test_another_partys_record_is_not_found(app: FastAPI, operator: TestClient) -> None:
    record = re.search(r'href="(/party/records/[^"]+)"', operator.get("/party/held").text)
    assert record
    assert operator.get(record.group(1)).status_code == 200
    with ui_client(app) as other:
        sign_in(other, "b_operator")
        assert other.get(record.group(1)).status_code == 404
        assert other.get("/party/records/no-such-id").status_code == 404


def test_record_page_shows_its_history(operator: TestClient) -> None:
    record = re.search(r'href="(/party/records/[^"]+)"', operator.get("/party/held").text)
    assert record
    page = operator.get(record.group(1)).text
    assert re.search(r'<table id="history">.*record created', page, re.S)


@pytest.mark.parametrize(("who", "status"), [("a_observer", 403), ("mediator", 403), ("a_operator", 200)])
def test_import_page_is_for_importers(app: FastAPI, who: str, status: int) -> None:
    with ui_client(app) as client:
        sign_in(client, who)
        assert client.get("/party/import").status_code == status


def _count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(PersonRow)).scalar_one()


BAD_LIST = "record_id,family_name,date_of_birth\nX-1,Петренко,1990\nX-2,,1991\nX-3,,1990-13-40\n".encode()
GOOD_LIST = "record_id,family_name,date_of_birth\nX-1,Петренко,1990\nX-2,Сидоренко,1991\n".encode()


def _preview(client: TestClient, data: bytes) -> tuple[int, str]:
    token = csrf_of(client.get("/party/import"))
    answer = client.post(
        "/party/import/preview",
        data={"csrf_token": token, "registry": "held"},
        files={"file": ("list.csv", data, "text/csv")},
    )
    return answer.status_code, answer.text


def test_import_with_errors_shows_rows_and_columns_and_writes_nothing(
    operator: TestClient, connection: Connection
) -> None:
    before = _count(connection)
    status, html = _preview(operator, BAD_LIST)
    assert status == 422
    cells = re.findall(r'<td class="num">(\d+)</td><td class="code">([^<]+)</td>', html)
    assert ("3", "family_name") in cells
    assert ("4", "date_of_birth") in cells
    assert _count(connection) == before


def test_import_preview_then_confirm(operator: TestClient, connection: Connection) -> None:
    before = _count(connection)
    status, html = _preview(operator, GOOD_LIST)
    assert status == 200
    assert _count(connection) == before  # the preview is a dry run
    upload = re.search(r'name="upload_id" value="([^"]+)"', html)
    assert upload
    token = csrf_of(operator.get("/party/import"))
    done = operator.post("/party/import/confirm", data={"csrf_token": token, "upload_id": upload.group(1)})
    assert done.status_code == 200
    assert _count(connection) == before + 2
    again = operator.post("/party/import/confirm", data={"csrf_token": token, "upload_id": upload.group(1)})
    assert again.status_code == 422  # one use only


def test_an_upload_is_confirmed_only_by_its_own_session(app: FastAPI, operator: TestClient) -> None:
    _status, html = _preview(operator, GOOD_LIST)
    upload = re.search(r'name="upload_id" value="([^"]+)"', html)
    assert upload
    with ui_client(app) as other:
        sign_in(other, "a_operator")
        token = csrf_of(other.get("/party/import"))
        stolen = other.post("/party/import/confirm", data={"csrf_token": token, "upload_id": upload.group(1)})
        assert stolen.status_code == 422


def _file(client: TestClient) -> tuple[str, str]:
    token = csrf_of(client.get("/family"))
    filed = client.post(
        "/family/inquiries",
        data={
            "csrf_token": token,
            "party": "pa",
            "inquirer_name": "Ірина",
            "inquirer_contact": "+380 00 000 00 00",
            "relationship": "сестра",
            "consent": "yes",
            "family_name": "Коваленко",
            "given_name": "Олександр",
        },
    )
    assert filed.status_code == 200, filed.text
    code = re.search(r'id="filed-case-code">([^<]+)<', filed.text)
    secret = re.search(r'id="filed-secret">([^<]+)<', filed.text)
    assert code
    assert secret
    return code.group(1), secret.group(1)


def test_family_files_and_looks_up_by_code_and_secret(app: FastAPI) -> None:
    with ui_client(app) as family:
        code, secret = _file(family)
        token = csrf_of(family.get("/family"))
        found = family.post("/family/status", data={"csrf_token": token, "case_code": code, "secret": secret})
        assert 'data-stage="received"' in found.text
        assert "Коваленко" not in found.text  # the status page tells the stage, nothing else
        wrong = family.post(
            "/family/status", data={"csrf_token": token, "case_code": code, "secret": "guess"}
        )
        unknown = family.post(
            "/family/status", data={"csrf_token": token, "case_code": "AAAA-BBBB-CCCC", "secret": "guess"}
        )
        assert wrong.status_code == unknown.status_code == 422
        assert wrong.text == unknown.text


def test_family_inquiry_without_consent_files_nothing(app: FastAPI) -> None:
    with ui_client(app) as family:
        token = csrf_of(family.get("/family"))
        answer = family.post(
            "/family/inquiries",
            data={
                "csrf_token": token,
                "party": "pa",
                "inquirer_name": "Ірина",
                "inquirer_contact": "+380 00",
                "family_name": "Коваленко",
            },
        )
        assert answer.status_code == 422
        assert "filed-case-code" not in answer.text
        assert 'value="Коваленко"' in answer.text  # the form keeps what was typed


def test_bureau_attaches_an_inquiry_and_the_family_sees_the_stage(app: FastAPI, operator: TestClient) -> None:
    with ui_client(app) as family:
        code, secret = _file(family)
        queue = operator.get("/party/inquiries").text
        assert code in queue
        token = csrf_of(operator.get("/party/sought"))
        found = operator.post(
            "/party/sought/search", data={"csrf_token": token, "family_name_prefix": "Коваленко"}
        )
        record = re.search(r'href="/party/records/([^"]+)"', found.text)
        assert record
        page = operator.get(f"/party/records/{record.group(1)}").text
        inquiry = re.search(r'<option value="([^"]+)">' + code, page)
        assert inquiry
        attached = operator.post(
            "/party/inquiries/attach",
            data={"csrf_token": token, "inquiry_id": inquiry.group(1), "person_id": record.group(1)},
        )
        assert attached.status_code == 303
        token = csrf_of(family.get("/family"))
        status = family.post(
            "/family/status", data={"csrf_token": token, "case_code": code, "secret": secret}
        )
        assert 'data-stage="searching"' in status.text


def test_ledger_counts_match_the_registries_once_published(
    app: FastAPI, backend: Backend, connection: Connection
) -> None:
    with ui_client(app) as public:
        unpublished = public.get("/ledger").text
        assert sum(int(n) for n in re.findall(r'data-total="(\d+)"', unpublished)) == 0
        for admin in ("a_admin", "b_admin"):
            with ui_client(app) as party:
                sign_in(party, admin)
                token = csrf_of(party.get("/publications"))
                own = re.findall(r'<option value="([a-z]+)">', party.get("/publications").text)
                every = re.findall(r'name="figures" value="([a-z_]+)"', party.get("/publications").text)
                assert len(own) == 1 and "held_deceased" in every
                body = {"csrf_token": token, "party": own[0], "figures": every}
                assert party.post("/publications/registry-counts", data=body).status_code == 303
        page = public.get("/ledger").text
    totals = [int(n) for n in re.findall(r'data-total="(\d+)"', page)]
    assert sum(totals) == 0 and 'data-suppressed="true"' in page  # a few records each: all below 5
    exact = create_app(
        Settings(environment="test", database_url=backend.url, public_min_count=1), bind=connection
    )
    with ui_client(exact) as public:
        page = public.get("/ledger").text
    totals = [int(n) for n in re.findall(r'data-total="(\d+)"', page)]
    assert sum(totals) == _count(connection)
    assert "Смирнов" not in page


def test_import_preview_shows_how_the_columns_were_read(operator: TestClient) -> None:
    ukrainian = "Ідентифікатор запису;Прізвище;Ім'я\nU-1;Ткаченко;Ірина\n".encode("cp1251")
    status, html = _preview(operator, ukrainian)
    assert status == 200
    read = dict(re.findall(r'<tr><td>([^<]+)</td><td class="code">([^<]+)</td></tr>', html))
    assert read == {"Ідентифікатор запису": "record_id", "Прізвище": "family_name", "Ім&#39;я": "given_name"}
    assert "CSV, cp1251" in html


def test_one_partys_previews_do_not_cancel_anothers_import(
    app: FastAPI, operator: TestClient, world: World
) -> None:
    """Each party's previews stay within its own quota: party B previewing again and again evicts its own
    oldest files, never party A's (before, 32 previews by one party cancelled the other's import)."""
    _status, html = _preview(operator, GOOD_LIST)
    upload = re.search(r'name="upload_id" value="([^"]+)"', html)
    assert upload
    with ui_client(app) as party_b:
        sign_in(party_b, "b_operator")
        for _ in range(40):  # beyond any quota
            assert _preview(party_b, GOOD_LIST)[0] == 200
    stash = app.state.ui_uploads
    assert stash.usage(world.party_ids["pb"])[0] == stash.per_party_items  # bounded: its own oldest went
    token = csrf_of(operator.get("/party/import"))
    done = operator.post("/party/import/confirm", data={"csrf_token": token, "upload_id": upload.group(1)})
    assert done.status_code == 200, done.text[:300]
