"""Uploads cannot freeze the server: lists are read off the event loop, and a list past the row limit or
a workbook that unpacks like a zip bomb is refused with a problem naming the file and, for rows, the row.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.web.app import create_app
from tests.conftest import Backend
from tests.world import World

ROW_LIMIT = 200_000  # docs/security.md: a list holds at most 200,000 rows
HEALTH_DEADLINE = 3.0  # seconds: a liveness bound (a frozen loop took 20-126 s), room for a loaded CI


@pytest.fixture
def client(backend: Backend, connection: Connection) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=backend.url)
    with TestClient(create_app(settings, bind=connection), raise_server_exceptions=False) as test_client:
        yield test_client


def _long_csv(rows: int) -> bytes:
    lines = ["record_id,family_name,given_name,date_of_birth"]
    lines += [f"B-{n:07d},Коваленко,Олександр,1990-01-01" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _bomb(rows: int) -> bytes:
    """A workbook of identical rows: a few hundred kilobytes that unpack to tens of megabytes."""
    row = '<row><c t="inlineStr"><is><t>Коваленко</t></is></c><c t="inlineStr"><is><t>A</t></is></c></row>'
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>'
        '<row><c t="inlineStr"><is><t>family_name</t></is></c>'
        '<c t="inlineStr"><is><t>record_id</t></is></c></row>' + row * rows + "</sheetData></worksheet>"
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="held" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _upload(client: TestClient, world: World, path: str, name: str, data: bytes) -> Response:
    return client.post(path, files={"file": (name, data)}, headers=world.writes("a_operator"))


@pytest.mark.parametrize(
    "path", ["/api/v1/imports?registry=held&dry_run=true", "/api/v1/reconciliations?list_registry=held"]
)
def test_health_answers_while_a_long_list_is_read(client: TestClient, world: World, path: str) -> None:
    data = _long_csv(ROW_LIMIT + 50_000)
    with ThreadPoolExecutor(2) as pool:
        upload = pool.submit(_upload, client, world, path, "long.csv", data)
        answered_during = 0
        while not upload.done():
            health = pool.submit(client.get, "/api/v1/health")
            assert health.result(timeout=HEALTH_DEADLINE).status_code == 200  # TimeoutError: frozen
            answered_during += not upload.done()
            threading.Event().wait(0.1)
        answer = upload.result()
    assert answered_during >= 1  # the checks overlapped the upload, so they prove liveness
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == "file"
    assert [(e["code"], e["row"]) for e in problem["errors"]] == [("too_many_rows", ROW_LIMIT + 2)]


@pytest.mark.parametrize(
    "path", ["/api/v1/imports?registry=held", "/api/v1/reconciliations?list_registry=held"]
)
def test_a_workbook_that_unpacks_like_a_bomb_is_refused_unread(
    client: TestClient, world: World, path: str
) -> None:
    data = _bomb(300_000)
    assert len(data) < 1024 * 1024  # a small upload ...
    answer = _upload(client, world, path, "bomb.xlsx", data)
    assert answer.status_code == 413, answer.text  # ... that would unpack to about 40 MB
    assert (answer.json()["code"], answer.json()["field"]) == ("payload_too_large", "file")
