"""The reconciliation page: upload, buckets with counts and a table each, the CSV download for the same
session only, located problems, the mediator's registry form, and who may open it."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.db.uow import UnitOfWorkFactory
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.reconciliation_support import BAD_LIST, LIST, write_ours
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import World


@pytest.fixture
def app(backend: Backend, connection: Connection, world: World) -> FastAPI:
    write_ours(UnitOfWorkFactory(connection, key_custody_of_tests()), world)
    return ui_app(backend.url, connection)


def _upload(client: TestClient, data: bytes, language: str | None = None) -> tuple[int, str]:
    token = csrf_of(client.get("/reconciliation"))
    if language:
        client.post("/language", data={"csrf_token": token, "language": language})
        token = csrf_of(client.get("/reconciliation"))
    answer = client.post(
        "/reconciliation/file",
        data={"csrf_token": token, "list_registry": "held", "against": "sought"},
        files={"file": ("list.csv", data, "text/csv")},
    )
    return answer.status_code, answer.text


def _counts(html: str) -> dict[str, int]:
    found = re.findall(r'id="tab-([a-z_]+)">[^<]*<span class="badge">(\d+)</span>', html)
    return {bucket: int(n) for bucket, n in found}


def test_upload_shows_every_bucket_with_its_rows(app: FastAPI) -> None:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        status, html = _upload(client, LIST.encode())
        assert status == 200, html
        assert _counts(html) == {
            "confirmed_ours": 1,
            "not_found": 1,
            "already_returned": 1,
            "civilian": 1,
            "probable_data_error": 1,
            "duplicate_in_list": 1,
        }
        section = html.split('id="bucket-probable_data_error"')[1].split("</section>")[0]
        assert "Мельник" in section and "date of birth differs" in section
        link = re.search(r'href="(/reconciliation/report/[^"]+\.csv)"', html)
        assert link
        report = client.get(link.group(1))
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
        assert "probable_data_error" in report.content.decode("utf-8-sig")
    # Another session (even of the same user) cannot fetch the report.
    with ui_client(app) as other:
        sign_in(other, "a_operator")
        assert other.get(link.group(1)).status_code == 404


def test_the_page_speaks_the_reader_s_language(app: FastAPI) -> None:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        status, html = _upload(client, LIST.encode(), language="uk")
        assert status == 200
        assert "Імовірна помилка в даних" in html and "Дублікат у списку" in html


def test_a_bad_list_shows_rows_and_columns(app: FastAPI) -> None:
    with ui_client(app) as client:
        sign_in(client, "a_operator")
        status, html = _upload(client, BAD_LIST.encode())
        assert status == 422
        cells = re.findall(r'<td class="num">(\d+)</td><td class="code">([^<]+)</td>', html)
        assert ("2", "Дата рождения") in cells and ("3", "Фамилия") in cells
        assert 'id="tab-' not in html


def test_the_mediator_reconciles_registries(app: FastAPI) -> None:
    with ui_client(app) as client:
        sign_in(client, "mediator")
        page = client.get("/reconciliation")
        assert page.status_code == 200
        assert 'id="reconcile-registries"' in page.text and 'id="reconcile-file"' not in page.text
        token = csrf_of(page)
        answer = client.post(
            "/reconciliation/registries",
            data={"csrf_token": token, "list_party": "pb", "against_party": "pa"},
        )
        assert answer.status_code == 200
        assert sum(_counts(answer.text).values()) == 0  # B holds nobody yet


@pytest.mark.parametrize(("who", "status"), [("a_operator", 200), ("a_observer", 403), ("med_observer", 403)])
def test_who_may_open_the_page(app: FastAPI, who: str, status: int) -> None:
    with ui_client(app) as client:
        sign_in(client, who)
        assert client.get("/reconciliation").status_code == status
        if status == 200:
            assert 'id="reconcile-registries"' not in client.get("/reconciliation").text
