"""The role x endpoint x object matrix, generated from the OpenAPI document and checked in full.

1. Every operation whose path names an object, as every role and the anonymous public: an object of
   another party that was not shared with the caller answers exactly as an id that exists nowhere (same
   status, same body), never 2xx; the anonymous public gets 401 everywhere. Request bodies are generated
   from each operation's schema so that the look-up is reached, not refused by validation first.
2. Person records in full: own, another party's unshared, another party's shared with the caller, the
   caller's own shared with the other party; read routes answer 200 exactly when the record is visible,
   every route answers 404 on another party's unshared record, and the receiving party cannot change a
   record shared with it.
3. Health fields: a receiving party sees a shared record's health as its owner recorded it (the GC III
   Art. 110 category is why a record is shared); another party's unshared record, health included, appears
   in no answer: not by id, not in a listing, not in a search.
4. Refused reads are logged (services/access_audit.py): a 404 on an existing object is a WARNING line with
   the actor, role, party, route template and a non-reversible object reference, and no personal data.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select

from homebound.core.access import OrganisationKind
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import SigningKeyRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, agreements, checkpoints
from homebound.services.access_audit import OBJECT_COLUMNS, object_ref
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.web.ui_support import sign_in, ui_app, ui_client
from tests.world import World, idempotent

API = "/api/v1"
PARTY_OF = {
    "a_admin": "pa",
    "a_operator": "pa",
    "a_observer": "pa",
    "b_admin": "pb",
    "b_operator": "pb",
}
MEDIATOR_ROLES = ("mediator", "med_observer")
ROLES: tuple[str | None, ...] = (*PARTY_OF, *MEDIATOR_ROLES, None)  # None: the anonymous public
OTHER = {"pa": "pb", "pb": "pa"}
HEALTH = "seriously_wounded_sick"


@dataclass
class Objects:
    """Ids of the objects the matrix uses, per owning party."""

    persons: dict[str, dict[str, str]] = field(default_factory=dict)  # party -> kind -> id
    inquiries: dict[str, str] = field(default_factory=dict)  # party -> id
    tokens: dict[str, str] = field(default_factory=dict)  # username -> a token id of that user
    agreements: dict[str, str] = field(default_factory=dict)  # party -> an agreement it is no party to
    common_agreement: str = ""  # between A and B: both parties' own
    checkpoint: str = ""  # published by the mediator: everyone's
    candidate: str = ""
    remains: dict[str, str] = field(default_factory=dict)  # party -> a remains record of its own


def _person(client: TestClient, world: World, who: str, record: str, share_with: str | None) -> str:
    created = client.post(
        f"{API}/persons",
        json={"registry": "held", "record_id": record, "family_name": f"Zyx{record}", "health": HEALTH},
        headers=world.writes(who),
    )
    assert created.status_code == 201, created.text
    person_id: str = created.json()["id"]
    if share_with is not None:
        admin = who.replace("operator", "admin")
        shared = client.post(
            f"{API}/persons/{person_id}/shares", json={"party": share_with}, headers=world.writes(admin)
        )
        assert shared.status_code == 200, shared.text
    return person_id


def _inquiry(client: TestClient, party: str) -> None:
    filed = client.post(
        f"{API}/inquiries",
        json={
            "party": party,
            "inquirer_name": "Synthetic Family",
            "inquirer_contact": "+10000000000",
            "consent": True,
            "sought": {"family_name": "Zyx"},
        },
        headers=idempotent(),
    )
    assert filed.status_code == 201, filed.text


@pytest.fixture
def objects(client: TestClient, world: World, connection: Connection) -> Objects:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    found = Objects()
    for party, operator in (("pa", "a_operator"), ("pb", "b_operator")):
        found.persons[party] = {
            "unshared": _person(client, world, operator, f"{party}-1", None),
            "shared": _person(client, world, operator, f"{party}-2", OTHER[party]),
        }
        _inquiry(client, party)
        recorded = client.post(
            f"{API}/remains", json={"reference": f"{party}-bag-1"}, headers=world.writes(operator)
        )
        assert recorded.status_code == 201, recorded.text
        found.remains[party] = recorded.json()["id"]
    for party, operator in (("pa", "a_operator"), ("pb", "b_operator")):
        listed = client.get(f"{API}/inquiries", headers=world.headers(operator))
        assert listed.status_code == 200, listed.text
        found.inquiries[party] = listed.json()[0]["id"]
    for username in (*PARTY_OF, *MEDIATOR_ROLES):
        found.tokens[username] = accounts.create_api_token(uows, "test-setup", username, "matrix").id
    # A third party, so that each of A and B has an agreement it is no party to.
    accounts.create_organisation(uows, "pc", "Party C", OrganisationKind.PARTY)
    mediator = world.actors["mediator"]
    for party, other in (("pa", "pb"), ("pb", "pa")):
        found.agreements[party] = agreements.create_agreement(
            uows, mediator, title=f"{other} and pc", party_a=other, party_b="pc", venue="Somewhere"
        ).id
    found.common_agreement = agreements.create_agreement(
        uows, mediator, title="pa and pb", party_a="pa", party_b="pb", venue="Somewhere"
    ).id
    found.checkpoint = checkpoints.publish_checkpoint(uows, mediator).id
    candidate = MatchCandidateRow(
        run_id=str(uuid.uuid4()),
        mediator_id=world.party_ids["med"],
        sought_party_id=world.party_ids["pb"],
        held_party_id=world.party_ids["pa"],
        sought_person_id=found.persons["pb"]["unshared"],
        held_person_id=found.persons["pa"]["unshared"],
        match_probability=0.9,
        match_weight=5.0,
        band="match",
        explanation={},
        status="pending",
    )
    with uows.writer() as uow:
        uow.session.add(candidate)
        uow.session.flush()
        found.candidate = candidate.id
        uow.commit()
    return found


# --- the OpenAPI side ---------------------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any]) -> Any:  # noqa: PLR0911 - one case per JSON type
    """A minimal value that the schema accepts: required properties only, the smallest sizes."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(spec, o).get("type") != "null"]
            return example(spec, options[0]) if options else None
    if "allOf" in schema:
        return example(spec, schema["allOf"][0])
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example(spec, props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [example(spec, schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind in {"integer", "number"}:
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "boolean":
        return True
    hex_digits = re.fullmatch(r"\^\[0-9a-f\]\{(\d+)\}\$", schema.get("pattern", ""))
    if hex_digits:
        return "0" * int(hex_digits.group(1))
    if schema.get("format") == "date":
        return "2024-01-01"
    if schema.get("format") == "date-time":
        return "2024-01-01T00:00:00Z"
    return "x" * max(int(schema.get("minLength", 1)), 1)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: tuple[str, ...]
    body: Any

    @property
    def object_parameter(self) -> str | None:
        return next((p for p in self.parameters if p in OBJECT_COLUMNS), None)


def operations(client: TestClient) -> list[Operation]:
    """Every operation whose path has a parameter, with a body its schema accepts."""
    spec = client.get(f"{API}/openapi.json").json()
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            names = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            if not names:
                continue
            content = op.get("requestBody", {}).get("content", {})
            body = (
                example(spec, content["application/json"]["schema"])
                if "application/json" in content
                else None
            )
            found.append(Operation(method, path, names, body))
    return found


FILLERS = {"registry": "held", "number": "1", "batch_id": "batch-1"}


def _url(op: Operation, object_id: str) -> str:
    url = op.path
    for name in op.parameters:
        url = url.replace(
            "{" + name + "}", object_id if name == op.object_parameter else FILLERS.get(name, "x")
        )
    return url


def _call(
    client: TestClient, world: World, who: str | None, op: Operation, object_id: str, body: Any = None
) -> Any:
    """One request; writes carry an Idempotency-Key and an If-Match naming the object's first version
    (persons and agreements take `"{id}.{version}"`), so only visibility can refuse them."""
    etag = f'"{object_id}.1"'
    headers: dict[str, str] = {}
    if who is not None:
        headers = world.headers(who) if op.method == "get" else world.writes(who, if_match=etag)
    elif op.method != "get":
        headers = idempotent(if_match=etag)
    sent = op.body if body is None else body
    return client.request(op.method.upper(), _url(op, object_id), json=sent, headers=headers)


def missing_id(parameter: str) -> str:
    """An id of the parameter's shape that names nothing."""
    return uuid.uuid4().hex if parameter == "key_id" else str(uuid.uuid4())


def _foreign(objects: Objects, who: str, parameter: str) -> str | None:
    """Another party's object that was not shared with the caller, if the parameter has one."""
    party = PARTY_OF.get(who)
    if parameter == "token_id":  # another organisation's user's token
        return objects.tokens["b_operator" if party == "pa" else "a_operator"]
    if party is None:  # the mediator's office reads every party's records, inquiries and agreements
        return None
    return {
        "person_id": objects.persons[OTHER[party]]["unshared"],
        "inquiry_id": objects.inquiries[OTHER[party]],
        "agreement_id": objects.agreements[party],
        "candidate_id": objects.candidate,  # the mediator's queue: no party reads it
        "remains_id": objects.remains[OTHER[party]],
    }.get(parameter)


def test_foreign_objects_answer_as_missing_ones_on_every_route(
    client: TestClient, world: World, objects: Objects
) -> None:
    ops = operations(client)
    assert len(ops) >= 30  # the document lists every object route
    checked: set[tuple[str, str]] = set()
    reached: set[tuple[str, str]] = set()  # operations where some caller got the not-found answer
    for op in ops:
        parameter = op.object_parameter
        if parameter is None:
            continue
        for who in ROLES:
            missing = _call(client, world, who, op, missing_id(parameter))
            if who is None:
                assert missing.status_code == 401, (op.method, op.path, missing.status_code)
                continue
            if missing.status_code == 404:
                reached.add((op.method, op.path))
            foreign_id = _foreign(objects, who, parameter)
            if foreign_id is None:
                continue
            foreign = _call(client, world, who, op, foreign_id)
            where = (who, op.method, op.path)
            assert foreign.status_code == missing.status_code, (
                *where,
                foreign.status_code,
                missing.status_code,
            )
            assert not 200 <= foreign.status_code < 300, where
            assert foreign.json() == missing.json(), where
            checked.add((op.method, op.path))
    object_ops = {(op.method, op.path) for op in ops if op.object_parameter in _FOREIGN_KINDS}
    assert object_ops <= checked  # every route naming a party's object was checked against its foreign one
    # and the look-up was reached on every object route (a body refused by validation would prove nothing)
    unreached = {(op.method, op.path) for op in ops if op.object_parameter} - reached
    assert unreached <= UNREACHED_BY_DESIGN, unreached


_FOREIGN_KINDS = ("person_id", "inquiry_id", "agreement_id", "candidate_id", "token_id", "remains_id")
# Routes whose unknown ids answer something other than 404 for every caller, by design (none today).
UNREACHED_BY_DESIGN: set[tuple[str, str]] = set()


def _own(objects: Objects, who: str, parameter: str) -> str | None:
    """An object of the caller's own (or one every role reads), if the parameter has one."""
    party = PARTY_OF.get(who)
    if parameter == "person_id" and party is not None:
        return objects.persons[party]["unshared"]
    if parameter == "remains_id" and party is not None:
        return objects.remains[party]
    if parameter == "agreement_id":  # the mediator's observers read the exchanges too
        return objects.common_agreement
    if parameter == "checkpoint_id":
        return objects.checkpoint
    if parameter == "candidate_id" and who == "mediator":
        return objects.candidate
    return None


# Read routes that answer 404 on an agreement the caller may see, until it is concluded (no handover yet).
NOT_YET = {f"{API}/agreements/{{agreement_id}}/totals"}


def test_own_objects_are_found_on_every_read_route(
    client: TestClient, world: World, objects: Objects
) -> None:
    reads = [op for op in operations(client) if op.method == "get" and len(op.parameters) == 1]
    assert reads
    cells = 0
    for op in reads:
        if op.object_parameter is None:
            assert op.parameters == ("registry",)  # exports: a party's own registry by kind, no object id
            continue
        for who in (*PARTY_OF, *MEDIATOR_ROLES):
            own = _own(objects, who, op.object_parameter)
            if own is None:
                continue
            answer = _call(client, world, who, op, own)
            expected = 404 if op.path in NOT_YET else 200
            assert answer.status_code == expected, (who, op.path, answer.status_code, answer.text[:200])
            cells += 1
    assert cells >= 3 * (len(reads) - 1)


# --- person records in full ---------------------------------------------------------------------------------

PERSON_READS = {("get", f"{API}/persons/{{person_id}}"), ("get", f"{API}/persons/{{person_id}}/history")}


def _person_kinds(objects: Objects, who: str) -> dict[str, str]:
    party = PARTY_OF.get(who)
    if party is None:
        return {"a_unshared": objects.persons["pa"]["unshared"], "b_shared": objects.persons["pb"]["shared"]}
    other = OTHER[party]
    return {
        "own": objects.persons[party]["unshared"],
        "own_shared": objects.persons[party]["shared"],
        "foreign_unshared": objects.persons[other]["unshared"],
        "shared_with_me": objects.persons[other]["shared"],
    }


def _person_expectation(who: str, kind: str, method: str, path: str) -> int:
    """The one status a (role, object, route) cell answers."""
    if kind == "foreign_unshared" or who == "med_observer":
        # Another party's unshared record: as if it did not exist. The mediator's observers read the log
        # and the exchanges, not the registries (docs/reliability.md): no record exists for them.
        return 404
    if (method, path) in PERSON_READS:
        return 200  # own, shared with the caller, or any record for the mediator
    if path.endswith("/shares"):
        # Admins share their own party's records, the mediator any; a caller who sees the record but may
        # not pass it on is told so (it knows the record exists).
        owners_admin = who.endswith("admin") and kind in {"own", "own_shared"}
        return 200 if owners_admin or who == "mediator" else 403
    # PATCH and status: the owning party's operator or admin changes its record. Everyone else (the
    # receiving party, an observer, the mediator's office, which reads but does not write registries)
    # writes among its own writable records only, where this one is not: 404.
    return 200 if kind in {"own", "own_shared"} and not who.endswith("observer") else 404


def _person_body(op: Operation, current_status: str) -> Any:
    if op.path.endswith("/shares"):
        return {"party": "pc"}  # a third party: the matrix's own visibility stays as it was
    if op.method == "patch":
        return {"rank": "sergeant"}
    if op.path.endswith("/will-interview"):  # witnessed by the mediator's office, a neutral organisation
        return {"interviewer": "d", "place": "p", "held_on": "2026-01-02", "language": "uk",
                "present": "none",
                "outcome": "wishes_to_return", "witness": "med"}  # fmt: skip
    if op.path.endswith("/status"):  # a move the held registry allows either way
        return {"status": "hospitalised" if current_status == "held" else "held"}
    return op.body


def _person_call(client: TestClient, world: World, who: str, op: Operation, person_id: str) -> Any:
    """One cell: a write names the record's current version (read by the mediator, who reads every
    record) with a change its status allows, so that only who is asking decides the answer, whatever
    the cells before it changed."""
    if op.method == "get":
        return _call(client, world, who, op, person_id)
    current = client.get(f"{API}/persons/{person_id}", headers=world.headers("mediator")).json()
    headers = world.writes(who, if_match=f'"{person_id}.{current["version"]}"')
    body = _person_body(op, current["status"])
    return client.request(op.method.upper(), _url(op, person_id), json=body, headers=headers)


def test_person_matrix_in_full(client: TestClient, world: World, objects: Objects) -> None:
    ops = [
        op
        for op in operations(client)
        if op.object_parameter == "person_id" and op.path.startswith(f"{API}/persons/")
    ]
    assert {op.path for op in ops} >= {f"{API}/persons/{{person_id}}", f"{API}/persons/{{person_id}}/shares"}
    cells = 0
    for who in (*PARTY_OF, *MEDIATOR_ROLES):
        for kind, person_id in _person_kinds(objects, who).items():
            for op in ops:
                answer = _person_call(client, world, who, op, person_id)
                expected = _person_expectation(who, kind, op.method, op.path)
                assert answer.status_code == expected, (who, kind, op.method, op.path, answer.status_code)
                if answer.status_code == 404:
                    assert answer.json()["code"] == "not_found"
                cells += 1
    assert cells == (5 * 4 + 2 * 2) * len(ops)


# --- health fields ------------------------------------------------------------------------------------------


def test_receiving_party_sees_shared_health_and_nothing_of_unshared(
    client: TestClient, world: World, objects: Objects
) -> None:
    shared, unshared = objects.persons["pa"]["shared"], objects.persons["pa"]["unshared"]
    owner_view = client.get(f"{API}/persons/{shared}", headers=world.headers("a_operator")).json()
    receiver_view = client.get(f"{API}/persons/{shared}", headers=world.headers("b_operator")).json()
    assert owner_view["fields"]["health"] == receiver_view["fields"]["health"] == HEALTH
    listed = client.get(f"{API}/persons", params={"limit": 500}, headers=world.headers("b_operator")).json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[shared]["fields"]["health"] == HEALTH
    assert unshared not in by_id
    found = client.post(
        f"{API}/persons/search", json={"family_name_prefix": "Zyxpa"}, headers=world.headers("b_operator")
    ).json()
    assert {item["id"] for item in found["items"]} == {shared}
    listed_text = client.get(
        f"{API}/persons", params={"limit": 500}, headers=world.headers("b_operator")
    ).text
    assert unshared not in listed_text and "Zyxpa-1" not in listed_text


# --- refused reads are logged -------------------------------------------------------------------------------


def test_refused_cross_party_read_is_logged_without_personal_data(
    client: TestClient, world: World, objects: Objects, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = objects.persons["pa"]["unshared"]
    with caplog.at_level(logging.INFO, logger="homebound.access"):
        refused = client.get(f"{API}/persons/{foreign}", headers=world.headers("b_operator"))
        missing = client.get(f"{API}/persons/{uuid.uuid4()}", headers=world.headers("b_operator"))
        allowed = client.get(
            f"{API}/persons/{objects.persons['pa']['shared']}", headers=world.headers("b_operator")
        )
    assert refused.status_code == missing.status_code == 404 and allowed.status_code == 200
    records = [r for r in caplog.records if r.name == "homebound.access"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.INFO]  # the allowed read logs nothing
    line = records[0].getMessage()
    actor = world.actors["b_operator"]
    assert f"actor={actor.user_id}" in line and f"party={actor.party_id}" in line
    assert "role=party_operator" in line and "route='GET /api/v1/persons/{person_id}'" in line
    assert f"object=person_id:{object_ref(foreign)}" in line and "exists=true" in line
    assert foreign not in line and "Zyx" not in line  # neither the id nor a name
    assert "exists=false" in records[1].getMessage()


def test_refused_reads_of_other_objects_are_logged(
    client: TestClient, world: World, objects: Objects, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="homebound.access"):
        agreement = client.get(
            f"{API}/agreements/{objects.agreements['pb']}", headers=world.headers("b_admin")
        )
        inquiry = client.post(
            f"{API}/inquiries/{objects.inquiries['pa']}/attach",
            json={"person_id": objects.persons["pb"]["unshared"]},
            headers=world.writes("b_operator"),
        )
    assert agreement.status_code == inquiry.status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "homebound.access"]
    assert any("object=agreement_id:" in x and "exists=true" in x for x in lines), lines
    assert any("object=inquiry_id:" in x and "exists=true" in x for x in lines), lines


def test_a_404_about_something_else_is_no_refused_read(
    client: TestClient, world: World, objects: Objects, caplog: pytest.LogCaptureFixture
) -> None:
    """Sharing one's own record with a party that does not exist is a 404 about the party, not the record."""
    own = objects.persons["pa"]["unshared"]
    with caplog.at_level(logging.INFO, logger="homebound.access"):
        answer = client.post(
            f"{API}/persons/{own}/shares", json={"party": "zz"}, headers=world.writes("a_admin")
        )
    assert answer.status_code == 404 and answer.json()["field"] == "party"
    assert [r for r in caplog.records if r.name == "homebound.access"] == []


def test_signing_keys_are_public_not_party_objects(
    client: TestClient, world: World, connection: Connection
) -> None:
    """Key ids are listed to everyone (docs/security.md): withdrawing another organisation's key is refused as
    no key *of the caller's organisation* (nothing the public list does not say), and changes nothing."""
    key_id = connection.execute(
        select(SigningKeyRow.key_id).where(
            SigningKeyRow.owner == world.party_ids["pa"], SigningKeyRow.valid_until.is_(None)
        )
    ).scalar_one()
    answer = client.post(f"{API}/log/keys/{key_id}/withdraw", json={}, headers=world.writes("b_admin"))
    assert answer.status_code == 404, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == ("not_found", "key_id")
    assert answer.json()["detail"] == "no such external key of this organisation"  # the key exists; not B's
    still = connection.execute(
        select(SigningKeyRow.valid_until).where(SigningKeyRow.key_id == key_id)
    ).scalar()
    assert still is None


# --- the second wall's wiring ------------------------------------------------------------------------------


def _bound_party(parameters: Any) -> str:
    """The one value bound to set_config: positional (pg8000) or named (psycopg)."""
    if isinstance(parameters, dict):
        (value,) = parameters.values()
        return str(value)
    return str(parameters[0] if isinstance(parameters, tuple | list) else parameters)


@pytest.mark.only_on("postgresql")
def test_each_read_transaction_carries_the_callers_party(
    backend: Backend, client: TestClient, world: World, objects: Objects, connection: Connection
) -> None:
    """On PostgreSQL every read-only transaction of a request names the caller's party for row-level
    security (tests/db/test_row_level_security.py shows what the policies then hide); the mediator's name
    none. Writes name none (docs/reliability.md says why)."""
    parties: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "set_config('homebound.party_id'" in statement:
            parties.append(_bound_party(parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        shared = objects.persons["pa"]["shared"]
        assert client.get(f"{API}/persons/{shared}", headers=world.headers("b_operator")).status_code == 200
        # the token's look-up runs before the caller is known (no party); the record's read runs as B; then
        # the record of that read is written (services/access_audit.py), as a write: no party
        assert parties[-2:] == [world.party_ids["pb"], ""] and set(parties) <= {"", world.party_ids["pb"]}
        parties.clear()
        assert client.get(f"{API}/persons/{shared}", headers=world.headers("mediator")).status_code == 200
        assert set(parties) <= {""}  # nothing, or a reset to no party
        parties.clear()
        patched = client.patch(
            f"{API}/persons/{shared}",
            json={"rank": "sergeant"},
            headers=world.writes("a_operator", if_match=f'"{shared}.1"'),
        )
        assert patched.status_code == 200, patched.text
        assert world.party_ids["pa"] not in parties
    finally:
        event.remove(connection, "before_cursor_execute", capture)


@pytest.mark.only_on("postgresql")
def test_browser_reads_carry_the_party_too(
    backend: Backend, world: World, objects: Objects, connection: Connection
) -> None:
    """The browser's session (not an API token) names the caller's party the same way."""
    parties: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if "set_config('homebound.party_id'" in statement:
            parties.append(_bound_party(parameters))

    with ui_client(ui_app(backend.url, connection)) as browser:
        sign_in(browser, "b_operator")
        event.listen(connection, "before_cursor_execute", capture)
        try:
            page = browser.get(f"/party/records/{objects.persons['pa']['shared']}")
            refused = browser.get(f"/party/records/{objects.persons['pa']['unshared']}")
        finally:
            event.remove(connection, "before_cursor_execute", capture)
    assert page.status_code == 200 and refused.status_code == 404
    assert world.party_ids["pb"] in parties and set(parties) <= {"", world.party_ids["pb"]}
