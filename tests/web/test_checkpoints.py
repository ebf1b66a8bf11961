"""Checkpoints over the API: the mediator publishes, each party cosigns after its consistency check (on the
server, or on its own machine with an external key), the final head reaches the public ledger, and proofs
verify against it."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, update

from homebound.core.log.export import audit_export
from homebound.core.log.merkle import verify_consistency, verify_inclusion
from homebound.core.log.signing import (
    generate_key_pair,
    public_key_from_text,
    public_key_to_text,
    sign,
    verify,
)
from homebound.db.tables import LogEntryRow
from tests.world import World

CHECKPOINTS = "/api/v1/log/checkpoints"
PERSON = {"registry": "held", "record_id": "H-7", "family_name": "Бондаренко"}


def _publish(client: TestClient, world: World) -> dict[str, Any]:
    answer = client.post(CHECKPOINTS, headers=world.writes("mediator"))
    assert answer.status_code == 201, answer.json()
    return answer.json()  # type: ignore[no-any-return]


def _cosign(client: TestClient, world: World, who: str, checkpoint: dict[str, Any]) -> Any:
    return client.post(f"{CHECKPOINTS}/{checkpoint['id']}/cosign", headers=world.writes(who))


def _final_checkpoint(client: TestClient, world: World) -> dict[str, Any]:
    client.post("/api/v1/persons", json=PERSON, headers=world.writes("a_operator"))
    published = _publish(client, world)
    assert _cosign(client, world, "a_admin", published).status_code == 200
    final = _cosign(client, world, "b_admin", published).json()
    assert final["final"] and final["missing"] == []
    return final  # type: ignore[no-any-return]


def test_published_then_cosigned_by_both_parties_is_final(client: TestClient, world: World) -> None:
    published = _publish(client, world)
    assert [s["signer"] for s in published["signatures"]] == [world.party_ids["med"]]  # the publisher
    assert sorted(published["required"]) == sorted([world.party_ids["pa"], world.party_ids["pb"]])
    assert not published["final"] and len(published["missing"]) == 2
    half = _cosign(client, world, "a_admin", published).json()
    assert half["missing"] == [world.party_ids["pb"]] and not half["final"]
    assert client.get("/api/v1/public/ledger").json()["checkpoint"] is None
    final = _cosign(client, world, "b_admin", published).json()
    assert final["final"] and final["final_at"] is not None and len(final["signatures"]) == 3
    report = client.get("/api/v1/log/verify", headers=world.headers("mediator")).json()
    assert report["ok"], report


def test_the_public_ledger_shows_a_final_head_anyone_can_check(client: TestClient, world: World) -> None:
    final = _final_checkpoint(client, world)
    ledger = client.get("/api/v1/public/ledger").json()["checkpoint"]
    assert (ledger["tree_size"], ledger["root_hash"]) == (final["tree_size"], final["root_hash"])
    keys = {key["key_id"]: key for key in ledger["keys"]}
    message = bytes.fromhex(ledger["signed_bytes"])
    owners = set()
    for signature in ledger["signatures"]:
        key = keys[signature["key_id"]]
        assert key["owner"] == signature["signer"]
        assert verify(public_key_from_text(key["public_key"]), message, bytes.fromhex(signature["signature"]))
        owners.add(key["owner"])
    assert owners == set(world.party_ids.values())


def test_who_may_publish_and_cosign(client: TestClient, world: World) -> None:
    assert client.post(CHECKPOINTS, headers=world.writes("a_admin")).status_code == 403
    published = _publish(client, world)
    for who in ("a_operator", "a_observer", "mediator", "med_observer"):
        assert _cosign(client, world, who, published).status_code == 403, who
    assert _cosign(client, world, "a_admin", published).status_code == 200
    twice = _cosign(client, world, "a_admin", published)
    assert twice.status_code == 409 and twice.json()["code"] == "checkpoint.signed"
    missing = client.post(f"{CHECKPOINTS}/no-such-id/cosign", headers=world.writes("a_admin"))
    assert missing.status_code == 404


def test_a_party_refuses_a_head_inconsistent_with_the_last_it_signed(
    client: TestClient, world: World, connection: Connection
) -> None:
    first = _final_checkpoint(client, world)
    # Someone with database access rewrites an old entry's leaf: the next head no longer extends the first.
    connection.execute(update(LogEntryRow).where(LogEntryRow.seq == 2).values(leaf_hash="ab" * 32))
    second = _publish(client, world)
    assert second["tree_size"] > first["tree_size"]
    refused = _cosign(client, world, "a_admin", second)
    assert refused.status_code == 409 and refused.json()["code"] == "checkpoint.inconsistent"


def test_a_party_cosigns_with_a_key_it_holds_itself(client: TestClient, world: World) -> None:
    own = generate_key_pair()
    registered = client.post(
        "/api/v1/log/keys",
        json={"public_key": public_key_to_text(own.public_key)},
        headers=world.writes("a_admin"),
    )
    assert registered.status_code == 201 and registered.json()["custody"] == "external"
    published = _publish(client, world)
    url = f"{CHECKPOINTS}/{published['id']}/signatures"
    forged = {"key_id": own.key_id, "signature": sign(generate_key_pair().private_key, b"x").hex()}
    bad = client.post(url, json=forged, headers=world.writes("a_admin"))
    assert bad.status_code == 422 and bad.json()["field"] == "signature"
    signature = sign(own.private_key, bytes.fromhex(published["signed_bytes"])).hex()
    good = client.post(
        url, json={"key_id": own.key_id, "signature": signature}, headers=world.writes("a_admin")
    )
    assert good.status_code == 200 and world.party_ids["pa"] not in good.json()["missing"]
    other = client.post(
        url, json={"key_id": own.key_id, "signature": signature}, headers=world.writes("b_admin")
    )
    assert other.status_code == 404 and other.json()["field"] == "key_id"
    assert client.get("/api/v1/log/verify", headers=world.headers("mediator")).json()["ok"]


def test_after_a_rotation_an_older_head_needs_a_new_checkpoint(client: TestClient, world: World) -> None:
    published = _publish(client, world)
    rotated = client.post("/api/v1/log/keys/rotate", headers=world.writes("a_admin")).json()
    assert rotated["retired"]["valid_until"] == rotated["current"]["valid_from"] + 1
    late = _cosign(client, world, "a_admin", published)
    assert late.status_code == 409 and late.json()["code"] == "checkpoint.key_not_valid"
    fresh = _publish(client, world)
    assert _cosign(client, world, "a_admin", fresh).status_code == 200
    keys = client.get("/api/v1/log/keys", headers=world.headers("b_operator")).json()
    assert {k["key_id"] for k in keys} >= {rotated["retired"]["key_id"], rotated["current"]["key_id"]}


def test_proofs_verify_against_the_final_head(client: TestClient, world: World) -> None:
    first = _final_checkpoint(client, world)
    second = _final_checkpoint(client, world)
    proof = client.get(
        "/api/v1/log/proofs/inclusion", params={"seq": 3, "tree_size": second["tree_size"]},
        headers=world.headers("a_operator"),
    ).json()  # fmt: skip
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]), proof["leaf_index"], second["tree_size"],
        [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(second["root_hash"]),
    )  # fmt: skip
    step = client.get(
        "/api/v1/log/proofs/consistency", params={"first": first["tree_size"], "second": second["tree_size"]},
        headers=world.headers("b_admin"),
    ).json()  # fmt: skip
    verify_consistency(
        first["tree_size"], second["tree_size"], [bytes.fromhex(h) for h in step["proof"]],
        bytes.fromhex(first["root_hash"]), bytes.fromhex(second["root_hash"]),
    )  # fmt: skip
    beyond = client.get(
        "/api/v1/log/proofs/inclusion", params={"seq": 10**6}, headers=world.headers("mediator")
    )
    assert beyond.status_code == 422 and beyond.json()["field"] == "seq"


def test_a_party_downloads_its_export_and_verifies_it(client: TestClient, world: World) -> None:
    final = _final_checkpoint(client, world)
    client.post("/api/v1/persons", json={**PERSON, "record_id": "H-8"}, headers=world.writes("b_operator"))
    answer = client.get("/api/v1/log/export", headers=world.headers("a_admin"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    report = audit_export(files)
    assert report.ok, report.failure
    assert report.final_checkpoint is not None and report.final_checkpoint.tree_size == final["tree_size"]
    assert "Бондаренко" in files["payloads.jsonl"].decode()  # party A's own record
    assert report.payloads_checked < report.entries_checked  # party B's payloads stay with party B
