"""The API end to end: sign-in, tokens, registries, ETags, imports, inquiries, the log and the public
ledger.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.world import PASSWORD, World, idempotent

PERSON = {
    "registry": "sought",
    "record_id": "S-1",
    "family_name": "Коваленко",
    "given_name": "Олександр",
    "patronymic": "Миколайович",
    "sex": "male",
    "date_of_birth": "1994-03-12",
}


def test_sign_in_and_me(client: TestClient, world: World) -> None:
    answer = client.post("/api/v1/auth/sign-in", json={"username": "a_operator", "password": PASSWORD})
    assert answer.status_code == 200
    token = answer.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "party_operator"
    assert "party:person:read" in me["permissions"]


def test_unknown_user_and_wrong_password_answer_alike(client: TestClient, world: World) -> None:
    wrong = client.post("/api/v1/auth/sign-in", json={"username": "a_operator", "password": "not it at all"})
    unknown = client.post(
        "/api/v1/auth/sign-in", json={"username": "nobody-here", "password": "not it at all"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_a_session_alone_cannot_mint_a_token(client: TestClient, world: World) -> None:
    unproven = client.post("/api/v1/tokens", json={"name": "x"}, headers=world.writes("a_admin"))
    assert unproven.status_code == 422 and unproven.json()["field"] == "password"
    wrong = client.post(
        "/api/v1/tokens", json={"name": "x", "password": "not the password"}, headers=world.writes("a_admin")
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "auth.reauthentication_failed"
    listed = client.get("/api/v1/tokens", headers=world.headers("a_admin")).json()
    assert [t["name"] for t in listed] == ["tests"]  # the fixture's own token only


def test_token_shown_once_then_revoked(client: TestClient, world: World) -> None:
    created = client.post(
        "/api/v1/tokens",
        json={"name": "nightly import", "password": PASSWORD},
        headers=world.writes("a_admin"),
    )
    assert created.status_code == 201
    assert created.json()["expires_at"] is not None  # never for ever: 90 days unless fewer are asked for
    secret, token_id = created.json()["token"], created.json()["id"]
    listed = client.get("/api/v1/tokens", headers=world.headers("a_admin")).json()
    assert token_id in {t["id"] for t in listed}
    assert all("token" not in t for t in listed)
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=world.writes("a_admin")).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_person_lifecycle_with_etags(client: TestClient, world: World) -> None:
    created = client.post("/api/v1/persons", json=PERSON, headers=world.writes("a_operator"))
    assert created.status_code == 201, created.json()
    person_id, etag = created.json()["id"], created.headers["ETag"]
    patched = client.patch(
        f"/api/v1/persons/{person_id}",
        json={"rank": "солдат"},
        headers=world.writes("a_operator", if_match=etag),
    )
    assert patched.status_code == 200 and patched.json()["fields"]["rank"] == "солдат"
    stale = client.patch(
        f"/api/v1/persons/{person_id}",
        json={"rank": "сержант"},
        headers=world.writes("a_operator", if_match=etag),
    )
    assert stale.status_code == 412 and stale.json()["field"] == "If-Match"
    moved = client.post(
        f"/api/v1/persons/{person_id}/status",
        json={"status": "believed_captive"},
        headers=world.writes("a_operator", if_match=patched.headers["ETag"]),
    )
    assert moved.json()["status"] == "believed_captive"
    illegal = client.post(
        f"/api/v1/persons/{person_id}/status",
        json={"status": "exchanged"},
        headers=world.writes("a_operator", if_match=moved.headers["ETag"]),
    )
    assert illegal.status_code == 409 and illegal.json()["code"] == "status.invalid_transition"
    history = client.get(f"/api/v1/persons/{person_id}/history", headers=world.headers("a_operator")).json()
    assert [e["tag"] for e in history["items"]] == [
        "registry:person:create",
        "registry:person:update",
        "registry:person:status",
    ]


def test_names_never_in_url_search_is_a_post(client: TestClient, world: World) -> None:
    client.post("/api/v1/persons", json=PERSON, headers=world.writes("a_operator"))
    found = client.post(
        "/api/v1/persons/search", json={"family_name_prefix": "Ковал"}, headers=world.headers("a_operator")
    ).json()
    assert found["total"] == 1
    none = client.post(
        "/api/v1/persons/search", json={"family_name_prefix": "Ковал"}, headers=world.headers("b_operator")
    ).json()
    assert none["total"] == 0


def test_list_paging_and_filters(client: TestClient, world: World) -> None:
    for i in range(7):
        client.post(
            "/api/v1/persons", json={**PERSON, "record_id": f"S-{i}"}, headers=world.writes("a_operator")
        )
    page = client.get(
        "/api/v1/persons?registry=sought&limit=5&offset=5", headers=world.headers("a_operator")
    ).json()
    assert page["total"] == 7 and len(page["items"]) == 2
    held = client.get("/api/v1/persons?registry=held", headers=world.headers("a_operator")).json()
    assert held["total"] == 0


def test_inquiry_by_case_code_only(client: TestClient, world: World) -> None:
    person = client.post("/api/v1/persons", json=PERSON, headers=world.writes("a_operator")).json()
    filed = client.post(
        "/api/v1/inquiries",
        headers=idempotent(),
        json={
            "party": "pa",
            "inquirer_name": "Марія Коваленко",
            "inquirer_contact": "+380 00 000 0000",
            "relationship": "mother",
            "consent": True,
            "sought": {"family_name": "Коваленко", "given_name": "Олександр"},
        },
    )
    assert filed.status_code == 201
    code, secret = filed.json()["case_code"], filed.json()["secret"]
    status = client.post("/api/v1/inquiries/status", json={"case_code": code, "secret": secret}).json()
    assert status["stage"] == "received"
    queue = client.get("/api/v1/inquiries?unattached=true", headers=world.headers("a_operator")).json()
    inquiry_id = next(i["id"] for i in queue if i["case_code"] == code)
    attached = client.post(
        f"/api/v1/inquiries/{inquiry_id}/attach",
        json={"person_id": person["id"]},
        headers=world.writes("a_operator"),
    )
    assert attached.status_code == 204
    confirmed = client.post(
        f"/api/v1/persons/{person['id']}/status",
        json={"status": "confirmed_held"},
        headers=world.writes("a_operator", if_match=f'"{person["id"]}.{person["version"]}"'),
    )
    assert confirmed.status_code == 200
    status = client.post("/api/v1/inquiries/status", json={"case_code": code, "secret": secret}).json()
    assert status == {**status, "stage": "confirmed_held"}
    assert set(status) == {"case_code", "stage", "updated_at"}
    wrong = client.post("/api/v1/inquiries/status", json={"case_code": code, "secret": "guessing-it"})
    unknown = client.post(
        "/api/v1/inquiries/status", json={"case_code": "AAAA-BBBB-CCCC", "secret": "guessing-it"}
    )
    assert wrong.status_code == unknown.status_code == 401 and wrong.json() == unknown.json()
    other = client.get("/api/v1/inquiries", headers=world.headers("b_operator")).json()
    assert code not in {i["case_code"] for i in other}


def test_inquiry_needs_consent(client: TestClient, world: World) -> None:
    answer = client.post(
        "/api/v1/inquiries",
        headers=idempotent(),
        json={
            "party": "pa",
            "inquirer_name": "X",
            "inquirer_contact": "+380",
            "consent": False,
            "sought": {"family_name": "Коваленко"},
        },
    )
    assert answer.status_code == 422 and answer.json()["field"] == "consent"


def test_log_verify_and_public_ledger(client: TestClient, world: World) -> None:
    client.post("/api/v1/persons", json=PERSON, headers=world.writes("a_operator"))
    verified = client.get("/api/v1/log/verify", headers=world.headers("mediator")).json()
    assert verified["ok"] and verified["entries_checked"] > 0
    assert client.get("/api/v1/log/verify", headers=world.headers("a_operator")).status_code == 403
    ledger = client.get("/api/v1/public/ledger").json()
    assert ledger["log_size"] == verified["entries_checked"]
    assert "Коваленко" not in str(ledger)
    entries = client.get("/api/v1/log/entries", headers=world.headers("b_operator")).json()
    assert all(e["party"] in (world.party_ids["pb"], None) for e in entries["items"])
    assert "Коваленко" not in str(client.get("/api/v1/log/entries", headers=world.headers("mediator")).json())
