"""The issue's acceptance scenarios through the API: 8 January 2023 (50 for 50, the seriously wounded first, a
substitution rejected and replaced, a refusal), Ankara January 2023 (lists of 800 and 200, 40 amendments,
agreement on the amended lists), Istanbul 2025 (1000 for 1000 in tranches of 390/307/303, all for all for
the seriously wounded, remains with an asymmetric outcome). Each ends with the log verifying and the public
ledger showing the totals. Registries are imported with the list service (the fixture, not the subject)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from sqlalchemy import select

from homebound.core.persons import Health, Status
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.exchange_ledger import seed_reported
from tests.exchange_support import Api, listable, seed_registries
from tests.world import PASSWORD, World

SW = {"kind": "seriously_wounded_or_sick"}
# Persons in the publicly reported exchanges as the domain notes give them (inputs, not the code's output).
REPORTED_PERSONS = (215 + 55) + (50 + 50) + (207 + 195) + (390 + 307 + 303) * 2 + (157 + 157)
SW_KEY = "seriously_wounded_or_sick"


def _listed(version: dict[str, Any], side: str, basis: str | None = None) -> list[str]:
    return [
        p["candidate_id"] for p in version["document"][f"list_{side}"] if basis is None or p["basis"] == basis
    ]


def _statuses(uows: UnitOfWorkFactory, ids: list[str]) -> dict[str, str]:
    with uows.reader() as uow:
        return dict(
            uow.session.execute(select(PersonRow.id, PersonRow.status).where(PersonRow.id.in_(ids))).all()
        )


def _seriously_wounded(uows: UnitOfWorkFactory, ids: list[str]) -> set[str]:
    with uows.reader() as uow:
        rows = uow.session.execute(select(PersonRow).where(PersonRow.id.in_(ids))).scalars()
        return {row.id for row in rows if row.health == Health.SERIOUSLY_WOUNDED_SICK.value}  # sealed


def _hash_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


# --- (a) 8 January 2023 -------------------------------------------------------------------------------------


def test_8_january_2023_fifty_for_fifty(client: TestClient, world: World, uows: UnitOfWorkFactory) -> None:
    registries = seed_registries(uows, world, held_a=80, held_b=80, seed=20230108)
    api = Api(client, world)
    agreement_id = api.open("8 January 2023: 50 for 50", "a crossing point")
    url = f"/api/v1/agreements/{agreement_id}"
    terms = {
        "reference_date": "2023-01-08",
        "formulas": [{"kind": "n_for_n"}],
        "max_persons": 100,
        "categories": [SW],
        "priority": {"categories": [SW_KEY]},
    }
    composed = api.post(
        "mediator",
        f"{url}/compositions",
        {"terms": terms, "share": True},
        if_match=api.etag(agreement_id),
        expect=201,
    )
    version = composed["version"]
    assert version["list_sizes"] == [50, 50]
    decisions = {d["candidate_id"]: d for d in composed["decisions"]}
    for side, party in (("a", "pa"), ("b", "pb")):
        listed = _listed(version, side)
        held = registries.held[party]
        eligible_wounded = {
            p for p in _seriously_wounded(uows, held) if decisions[p]["code"] != "out.not_eligible"
        }
        assert eligible_wounded, "the draw has seriously wounded persons on both sides"
        assert set(listed[: len(eligible_wounded)]) == eligible_wounded  # the seriously wounded first

    # Both parties see the shared proposal; party A's admin accepts with the password, and so does B's.
    assert api.get("a_operator", f"{url}/versions/1")["document"]["list_b"] == version["document"]["list_b"]
    concluded = api.conclude(agreement_id, 1)
    assert concluded["status"] == "concluded"
    assert concluded["content_hash"] == _hash_of(api.get("b_admin", f"{url}/versions/1")["document"])

    list_a, list_b = _listed(version, "a"), _listed(version, "b")
    spare_a = [d for d, v in decisions.items() if v["side"] == "a" and v["code"] == "out.below_cutoff"]
    spare_b = [d for d, v in decisions.items() if v["side"] == "b" and v["code"] == "out.below_cutoff"]
    # Party B brings someone not agreed instead of list_b[0]; party A rejects, and the agreed man comes.
    substitute = {"candidate_id": spare_b[0], "description": "not on the agreed list"}
    api.lines(
        "b_operator",
        agreement_id,
        1,
        [{"action": "bring_substitute", "candidate_id": list_b[0], "substitute": substitute}],
    )
    api.lines(
        "a_operator",
        agreement_id,
        1,
        [
            {"action": "reject_substitute", "candidate_id": list_b[0]},
            {"action": "deliver", "candidate_id": list_b[0]},
        ],
    )
    # One of A's prisoners refuses repatriation in a private interview; A fills the place from its reserve.
    refusing = list_a[7]
    api.lines(
        "mediator",
        agreement_id,
        1,
        [
            {
                "action": "refuse_repatriation",
                "candidate_id": refusing,
                "by": "ICRC delegate",
                "stays_with": "a third state, under UNHCR",
            }
        ],
    )
    api.lines(
        "a_operator",
        agreement_id,
        1,
        [
            {
                "action": "bring_substitute",
                "candidate_id": refusing,
                "substitute": {"candidate_id": spare_a[0], "description": "from the reserve"},
            }
        ],
    )
    api.lines("b_operator", agreement_id, 1, [{"action": "accept_substitute", "candidate_id": refusing}])
    manifest = api.deliver_pending(agreement_id, 1)
    assert manifest["balance"]["a"] == manifest["balance"]["b"] == 50
    closed = api.close(agreement_id, 1)
    assert closed["closure"]["reconciled"] is True

    lines = {line["candidate_id"]: line for line in closed["lines"]}
    assert (
        lines[list_b[0]]["substitute"]["candidate_id"] == spare_b[0]
    )  # the rejected substitute stays visible
    assert [e["action"] for e in lines[list_b[0]]["history"]] == [
        "bring_substitute",
        "reject_substitute",
        "deliver",
    ]
    assert "UNHCR" in lines[refusing]["history"][0]["detail"]
    statuses = _statuses(uows, [*list_a, *list_b, spare_a[0], spare_b[0]])
    assert statuses[refusing] == Status.HELD.value and statuses[spare_a[0]] == Status.EXCHANGED.value
    assert statuses[spare_b[0]] != Status.EXCHANGED.value
    assert sum(s == Status.EXCHANGED.value for s in statuses.values()) == 100
    returned = [registries.answers[p] for p in [*list_b, spare_a[0]] if p in registries.answers]
    assert set(_statuses(uows, returned).values()) == {Status.RETURNED.value}
    totals = api.get("a_operator", f"{url}/totals")
    assert (totals["substitutions"], totals["refusals"], totals["reconciled_tranches"]) == (2, 1, 1)

    # The same exchange as publicly reported is on the ledger already; the recorded one replaces it.
    seed_reported(uows, "test", side_a="pa", side_b="pb")
    (reported,) = [e for e in api.ledger()["exchanges"] if e["title"] == "50 for 50"]
    assert api.ledger()["totals"]["persons"] == REPORTED_PERSONS
    api.publish(agreement_id, "8 January 2023: 50 for 50", supersedes=[reported["id"]])
    api.verify_log()
    ledger = api.ledger()
    (exchange,) = [e for e in ledger["exchanges"] if e["title"].startswith("8 January 2023")]
    assert exchange["reported"] is False and exchange["persons_returned"] == {"pa": 50, "pb": 50}
    assert exchange["categories"]["pb"]["substitutes_accepted"] is None  # 1: below the public minimum
    assert not [e for e in ledger["exchanges"] if e["title"] == "50 for 50"]  # counted once, not added
    assert ledger["totals"]["persons"] == REPORTED_PERSONS - 100 + 100
    (beside,) = ledger["superseded"]
    assert beside["reported"]["id"] == reported["id"]
    assert beside["difference"]["persons_returned"] == {"pa": 0, "pb": 0}
    assert "family_name" not in str(ledger)


# --- (b) Ankara, January 2023 -------------------------------------------------------------------------------


REMOVAL_REASONS = ("already returned", "never reported missing", "a civilian not in custody")


def _ankara_amendments(
    list_a: list[str], list_b: list[str], reserve_a: list[str], reserve_b: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """About forty amendments, each by whoever may make it: (author, amendment)."""
    amendments: list[tuple[str, dict[str, Any]]] = []
    for i in range(15):  # B finds people on A's request list it does not hold as claimed
        amendments.append(
            (
                "b_admin",
                {"op": "remove", "side": "b", "candidate_id": list_b[i], "reason": REMOVAL_REASONS[i % 3]},
            )
        )
    for i in range(10):  # the mediator matches wrongly written requests to the right held records
        amendments.append(
            (
                "mediator",
                {
                    "op": "replace",
                    "side": "b",
                    "candidate_id": list_b[100 + i],
                    "replacement_id": reserve_b[i],
                    "reason": "wrong date of birth",
                },
            )
        )
    for i in range(8):
        amendments.append(
            (
                "a_admin",
                {
                    "op": "add",
                    "side": "a",
                    "candidate_id": reserve_a[i],
                    "reason": "requested by party B through the mediator",
                },
            )
        )
    for i in range(7):
        amendments.append(
            (
                "a_admin",
                {
                    "op": "remove",
                    "side": "a",
                    "candidate_id": list_a[i],
                    "reason": "red line: under investigation",
                },
            )
        )
    return amendments


def test_ankara_january_2023_lists_of_800_and_200(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    registries = seed_registries(uows, world, held_a=240, held_b=840, seed=20230112)
    api = Api(client, world)
    agreement_id = api.open("Ankara, January 2023: the ombudsmen's lists", "Ankara")
    url = f"/api/v1/agreements/{agreement_id}"
    held_a, held_b = listable(uows, registries.held["pa"]), listable(uows, registries.held["pb"])
    list_a, list_b, reserve_a, reserve_b = held_a[:200], held_b[:800], held_a[200:], held_b[800:]
    terms = {
        "reference_date": "2023-01-12",
        "formulas": [{"kind": "declared_ratio", "a_count": 200, "b_count": 800}],
    }
    proposal = {
        "terms": terms,
        "list_a": [{"candidate_id": p} for p in list_a],
        "list_b": [{"candidate_id": p} for p in list_b],
        "note": "lists handed over",
        "share": True,
    }
    assert api.post("mediator", f"{url}/proposals", proposal, expect=201)["list_sizes"] == [200, 800]

    first = {"amendments": [{"op": "remove", "side": "a", "candidate_id": list_a[0], "reason": "x"}]}
    assert client.post(f"{url}/amendments", json=first, headers=world.writes("a_admin")).status_code == 428
    stale = client.post(
        f"{url}/amendments", json=first, headers=world.writes("a_admin", if_match=f'"{agreement_id}.0"')
    )
    assert stale.status_code == 412 and stale.json()["field"] == "If-Match"
    for author, amendment in _ankara_amendments(list_a, list_b, reserve_a, reserve_b):
        body = {"amendments": [amendment], "share": author == "mediator"}
        version = api.post(author, f"{url}/amendments", body, if_match=api.etag(agreement_id), expect=201)
        if not version["shared"]:  # the other party sees it once the mediator carries it over
            other = "a_admin" if author == "b_admin" else "b_admin"
            blocked = client.post(
                f"{url}/amendments", json=first, headers=world.writes(other, if_match=api.etag(agreement_id))
            )
            assert blocked.status_code == 409 and blocked.json()["code"] == "agreement.unshared_version"
            api.post("mediator", f"{url}/versions/{version['number']}/share")

    versions = api.get("a_operator", f"{url}/versions")
    assert len(versions) == 41 and all(
        len(v["changes"]) == 1 and v["changes"][0]["reason"] for v in versions[1:]
    )
    assert sum(v["changes"][0]["kind"] == "replaced" for v in versions[1:]) == 10
    assert versions[-1]["list_sizes"] == [201, 785]
    wrong = client.post(
        f"{url}/acceptances", json={"version": 41, "password": PASSWORD}, headers=world.writes("a_admin")
    )
    assert wrong.status_code == 409 and wrong.json()["code"] == "agreement.formula_not_kept"

    amended = api.get("mediator", f"{url}/versions/41")["document"]
    restated = {
        "terms": {**terms, "formulas": [{"kind": "declared_ratio", "a_count": 201, "b_count": 785}]},
        "list_a": amended["list_a"],
        "list_b": amended["list_b"],
        "share": True,
        "note": "the package restated on the amended lists",
    }
    counter = api.post(
        "mediator", f"{url}/counter-proposals", restated, if_match=api.etag(agreement_id), expect=201
    )
    assert [(c["kind"], c["field"]) for c in counter["changes"]] == [("terms", "formulas")]
    late = client.post(
        f"{url}/acceptances", json={"version": 41, "password": PASSWORD}, headers=world.writes("b_admin")
    )
    assert late.status_code == 409 and late.json()["code"] == "agreement.superseded_version"
    concluded = api.conclude(agreement_id, 42)
    assert concluded["concluded_version"] == 42

    manifest = api.deliver_pending(agreement_id, 1)
    assert (manifest["balance"]["a"], manifest["balance"]["b"]) == (201, 785)
    assert api.close(agreement_id, 1)["closure"]["reconciled"] is True
    removed = (
        [list_b[i] for i in range(15)] + [list_a[i] for i in range(7)] + [list_b[100 + i] for i in range(10)]
    )
    assert Status.EXCHANGED.value not in set(_statuses(uows, removed).values())
    api.publish(agreement_id, "Ankara 2023")
    api.verify_log()
    ledger = api.ledger()
    (exchange,) = [e for e in ledger["exchanges"] if e["title"] == "Ankara 2023"]
    assert exchange["persons_returned"] == {"pa": 785, "pb": 201}
    assert ledger["totals"]["persons"] == 986


# --- (c) Istanbul 2025 --------------------------------------------------------------------------------------

YOUNG = {
    "kind": "age_band",
    "key": "young",
    "label": "young",
    "holds": "a",
    "definition_a": {"lower": 18, "upper": 26, "label": "18–25"},
    "definition_b": {"upper": 25, "label": "under 25"},
}
DAYS = (("2025-05-23", 390), ("2025-05-24", 307), ("2025-05-25", 303))
REMAINS = (
    ("rb-1", "b", 909, "identified"),
    ("rb-2", "b", 5100, "pending_dna"),
    ("rb-3", "b", 48, "mixed_remains"),
    ("ra-1", "a", 78, "pending_dna"),
)


@pytest.mark.slow
def test_istanbul_2025_thousand_for_thousand_in_three_tranches(
    client: TestClient, world: World, uows: UnitOfWorkFactory
) -> None:
    registries = seed_registries(uows, world, held_a=1400, held_b=1400, seed=20250516)
    api = Api(client, world)
    agreement_id = api.open("Istanbul 2025: 1000 for 1000, all for all for the seriously wounded", "Belarus")
    url = f"/api/v1/agreements/{agreement_id}"
    terms = {
        "reference_date": "2025-05-23",
        "formulas": [{"kind": "n_for_n"}, {"kind": "all_for_all", "category": SW_KEY}],
        "max_persons": 2000,
        "categories": [SW, YOUNG],
        "priority": {"categories": ["young"]},
        "tranches": [{"a_count": n, "b_count": n, "scheduled_on": day} for day, n in DAYS],
    }
    composed = api.post(
        "mediator",
        f"{url}/compositions",
        {"terms": terms, "share": True, "decisions": "excluded"},
        if_match=f'"{agreement_id}.0"',
        expect=201,
    )
    version = composed["version"]
    wounded = {side: _listed(version, side, "all_for_all") for side in ("a", "b")}
    assert all(len(_listed(version, side, "parity")) == 1000 for side in ("a", "b"))
    not_eligible = {d["candidate_id"] for d in composed["decisions"] if d["code"] == "out.not_eligible"}
    for side, party in (("a", "pa"), ("b", "pb")):
        held = registries.held[party]
        eligible_wounded = _seriously_wounded(uows, held) - not_eligible
        assert set(wounded[side]) == eligible_wounded  # all for all: nobody eligible left out
    sw_a, sw_b = len(wounded["a"]), len(wounded["b"])
    assert sw_a > 0 and sw_b > 0
    api.conclude(agreement_id, 1)

    tranches = api.get("b_operator", f"{url}/tranches")
    assert [sum(t["outcomes"].values()) for t in tranches] == [780 + sw_a + sw_b, 614, 606]
    assert [t["scheduled_on"] for t in tranches] == [day for day, _ in DAYS]
    for number in (1, 2, 3):
        manifest = api.deliver_pending(agreement_id, number)
        n = DAYS[number - 1][1]
        assert (manifest["balance"]["a"], manifest["balance"]["b"]) == (n, n)
    for batch_id, side, count, status in REMAINS:
        body = {"batch_id": batch_id, "releasing_side": side, "count": count, "status": status}
        api.post("mediator", f"{url}/tranches/3/remains", body)
    for number in (1, 2, 3):
        assert api.close(agreement_id, number)["closure"]["reconciled"] is True
    later = api.post("mediator", f"{url}/tranches/3/remains/rb-2/identification", {"status": "identified"})
    assert {b["batch_id"]: b["status"] for b in later["remains"]}["rb-2"] == "identified"

    totals = api.get("a_admin", f"{url}/totals")
    assert totals["received"] == {"a": 1000 + sw_a, "b": 1000 + sw_b}
    assert totals["remains"]["b"] == {"identified": 909 + 5100, "pending_dna": 0, "mixed_remains": 48}
    assert totals["reconciled_tranches"] == 3
    api.publish(agreement_id, "Istanbul 2025")
    api.verify_log()
    ledger = api.ledger()
    days = [e for e in ledger["exchanges"] if e["title"].startswith("Istanbul 2025")]
    # One line per tranche handed over, dated by the crossing (here, all on the day the test ran).
    crossed = dt.datetime.now(dt.UTC).date().isoformat()
    assert [e["date"] for e in days] == [crossed] * 3 and not any(e["reported"] for e in days)
    assert [e["persons_returned"] for e in days] == [
        {"pa": 390 + sw_b, "pb": 390 + sw_a},
        {"pa": 307, "pb": 307},
        {"pa": 303, "pb": 303},
    ]
    assert [e["remains_returned"] for e in days][2] == {"pa": 909 + 5100 + 48, "pb": 78}
    assert days[0]["categories"]["pa"]["basis_all_for_all"] == sw_b
    assert [e["categories"]["pa"]["basis_parity"] for e in days] == [390, 307, 303]
    assert ledger["totals"]["persons"] == 2000 + sw_a + sw_b and ledger["totals"]["remains"] == 6057 + 78
