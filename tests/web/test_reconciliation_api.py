"""List reconciliation over HTTP: upload (CSV and XLSX), the CSV report, idempotency, located errors,
and who may do what."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from homebound.core.persons import Registry
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.headers import HeaderLanguage
from homebound.lists.readers import read_list
from homebound.lists.validate import validate_table
from homebound.lists.writers import person_values, write_xlsx
from tests.reconciliation_support import BAD_LIST, EXPECTED, LIST, write_ours
from tests.world import World

URL = "/api/v1/reconciliations"


def _upload(
    client: TestClient, world: World, who: str, data: bytes, name: str = "list.csv", **params: str
) -> Any:
    files = {"file": (name, data, "application/octet-stream")}
    return client.post(URL, files=files, params=params, headers=world.writes(who))


def test_upload_sorts_the_list_into_buckets(
    client: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    ids = write_ours(uows, world)
    answer = _upload(client, world, "a_operator", LIST.encode())
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["list_rows"] == 6 and body["against"] == "sought" and body["list_registry"] == "held"
    assert set(body["counts"].values()) == {1}
    placed = {r["row"]: (r["bucket"], r["record_id"]) for r in body["rows"]}
    assert placed == {row: (bucket, ids.get(src or "")) for row, (bucket, src) in EXPECTED.items()}


def test_xlsx_in_ukrainian_headers(client: TestClient, uows: UnitOfWorkFactory, world: World) -> None:
    write_ours(uows, world)
    rows = validate_table(read_list(LIST.encode(), "l.csv"), Registry.HELD).rows
    data = write_xlsx((person_values(p) for p in rows), language=HeaderLanguage.UK)
    answer = _upload(client, world, "a_operator", data, "list.xlsx")
    assert answer.status_code == 200, answer.json()
    # No title line in the workbook: the header is row 1 and the rows move up by one.
    got = [(r["row"], r["bucket"]) for r in answer.json()["rows"]]
    assert got == [(n - 1, b) for n, (b, _) in EXPECTED.items()]


def test_csv_report_and_replay(client: TestClient, uows: UnitOfWorkFactory, world: World) -> None:
    write_ours(uows, world)
    headers = world.writes("a_operator")
    files = {"file": ("list.csv", LIST.encode(), "text/csv")}
    first = client.post(URL, files=files, params={"format": "csv"}, headers=headers)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/csv")
    assert "attachment" in first.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(first.content.decode("utf-8-sig"))))
    assert [r["bucket"] for r in rows] == [b for b, _ in EXPECTED.values()]
    # A retry with the same key gets the same answer, and no second log entry.
    again = client.post(URL, files=files, params={"format": "csv"}, headers=headers)
    assert again.content == first.content
    entries = client.get("/api/v1/log/entries", params={"limit": "500"}, headers=world.headers("a_admin"))
    tags = [e["tag"] for e in entries.json()["items"]]
    assert tags.count("matching:list:reconcile") == 1


def test_a_write_without_an_idempotency_key_is_refused(client: TestClient, world: World) -> None:
    files = {"file": ("list.csv", LIST.encode(), "text/csv")}
    answer = client.post(URL, files=files, headers=world.headers("a_operator"))
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_bad_list_answers_with_every_problem_located(client: TestClient, world: World) -> None:
    answer = _upload(client, world, "a_operator", BAD_LIST.encode())
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    located = {(e["row"], e["column"], e["field"]) for e in answer.json()["errors"]}
    assert {(2, "Дата рождения", "date_of_birth"), (3, "Фамилия", "family_name")} <= located
    assert "31.02" not in answer.text
    entries = client.get("/api/v1/log/entries", params={"limit": "500"}, headers=world.headers("a_admin"))
    assert "matching:list:reconcile" not in {e["tag"] for e in entries.json()["items"]}


def test_who_may_do_what(client: TestClient, uows: UnitOfWorkFactory, world: World) -> None:
    write_ours(uows, world)
    assert _upload(client, world, "a_observer", LIST.encode()).status_code == 403
    assert _upload(client, world, "mediator", LIST.encode()).status_code == 403
    body = {"list_party": "pb", "against_party": "pa"}
    for who in ("a_operator", "b_operator", "b_admin"):
        refused = client.post(f"{URL}/registries", json=body, headers=world.writes(who))
        assert refused.status_code == 403, who
    answer = client.post(f"{URL}/registries", json=body, headers=world.writes("mediator"))
    assert answer.status_code == 200 and answer.json()["records"] == 5
    unknown = client.post(
        f"{URL}/registries", json={**body, "against_party": "zz"}, headers=world.writes("mediator")
    )
    assert unknown.status_code == 404
    no_file = client.post(URL, headers=world.writes("a_operator"))
    assert no_file.status_code == 422, no_file.text
