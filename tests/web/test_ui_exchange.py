"""UI agreements and handover console: compose, accept with the password, conclude, record lines with htmx,
CSRF on every new form, and another party or the public never seeing an agreement they are not party to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.core.access import OrganisationKind, Role
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, agreement_views, agreements
from tests.conftest import Backend
from tests.exchange_support import Registries, seed_registries
from tests.keys import key_custody_of_tests
from tests.settings import TEST_PASSWORD_COST
from tests.web.ui_support import csrf_of, sign_in, ui_app, ui_client
from tests.world import PASSWORD, World


@dataclass
class Setup:
    app: FastAPI
    agreement_id: str
    registries: Registries | None


def _opened(backend: Backend, connection: Connection, world: World, registries: Registries | None) -> Setup:
    uows = UnitOfWorkFactory(connection, key_custody_of_tests())
    # A third party that is not part of the agreement.
    accounts.create_organisation(uows, "pc", "Party C", OrganisationKind.PARTY)
    accounts.create_user(
        uows,
        "test-setup",
        username="c_admin",
        display_name="c_admin",
        organisation_code="pc",
        role=Role.PARTY_ADMIN,
        password=PASSWORD,
        cost=TEST_PASSWORD_COST,
    )
    opened = agreements.create_agreement(
        uows, world.actors["mediator"], title="Test exchange", party_a="pa", party_b="pb", venue="Crossing 1"
    )
    return Setup(ui_app(backend.url, connection), opened.id, registries)


@pytest.fixture
def setup(backend: Backend, connection: Connection, world: World) -> Setup:
    """Eligible records on both sides, ready to compose."""
    registries = seed_registries(
        UnitOfWorkFactory(connection, key_custody_of_tests()), world, held_a=12, held_b=12, seed=3
    )
    return _opened(backend, connection, world, registries)


@pytest.fixture
def bare(backend: Backend, connection: Connection, world: World) -> Setup:
    """An agreement with no records behind it: enough for CSRF and isolation."""
    return _opened(backend, connection, world, None)


@pytest.fixture
def clients(setup: Setup) -> Iterator[dict[str, TestClient]]:
    opened: dict[str, TestClient] = {}
    with ui_client(setup.app) as m, ui_client(setup.app) as a, ui_client(setup.app) as b:
        for who, client in (("mediator", m), ("a_admin", a), ("b_admin", b)):
            sign_in(client, who)
            opened[who] = client
        yield opened


def _post(client: TestClient, page_url: str, action: str, data: dict[str, str], **kw: str) -> object:
    token = csrf_of(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **data}, **kw)  # type: ignore[arg-type]


def _assert_reading_order(page: str) -> None:
    """The reasons table: those in first, then by reason and side, each by priority rank. (N for N here: the
    ranked rows are one reason per decision, by priority and below the cut-off.)"""
    table = page.split('id="decisions"')[1]
    rows = re.findall(
        r'<tr class="decision-(in|out)"><td>[^<]*</td><td>([^<]*)</td>.*?"num">(\d*)</td>', table
    )
    assert rows and [r[0] for r in rows] == sorted((r[0] for r in rows), key=lambda x: x != "in")
    groups: dict[tuple[str, str], list[int]] = {}
    for decision, side, rank in rows:
        if rank:
            groups.setdefault((decision, side), []).append(int(rank))
    assert len(groups) == 4 and all(ranks == sorted(ranks) for ranks in groups.values()), groups


def _compose_and_conclude(setup: Setup, clients: dict[str, TestClient]) -> str:
    url = f"/agreements/{setup.agreement_id}"
    m = clients["mediator"]
    composed = _post(
        m,
        url,
        f"{url}/compose",
        {
            "max_persons": "8",
            "reference_date": "2023-01-08",
            "tranches": "4/4",
            "expected_version": "0",
            "share": "true",
        },
    )
    assert composed.status_code == 200, composed.text  # type: ignore[attr-defined]
    assert "decision-out" in composed.text and "decision-in" in composed.text  # type: ignore[attr-defined]
    _assert_reading_order(composed.text)  # type: ignore[attr-defined]
    for admin in ("a_admin", "b_admin"):
        page = clients[admin].get(url)
        assert 'id="accept-form"' in page.text
        wrong = _post(clients[admin], url, f"{url}/versions/1/accept", {"password": "wrong"})
        assert wrong.status_code == 403  # type: ignore[attr-defined]
        right = _post(clients[admin], url, f"{url}/versions/1/accept", {"password": PASSWORD})
        assert right.status_code == 303  # type: ignore[attr-defined]
    concluded = _post(m, url, f"{url}/conclude", {})
    assert concluded.status_code == 303  # type: ignore[attr-defined]
    return url


def test_compose_accept_conclude_then_hash_shown_to_both(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    url = _compose_and_conclude(setup, clients)
    hashes = set()
    for who in ("mediator", "a_admin", "b_admin"):
        page = clients[who].get(url)
        assert 'id="content-hash"' in page.text, who
        hashes.add(page.text.split('id="content-hash">')[1].split("<")[0])
    assert len(hashes) == 1 and len(hashes.pop()) >= 32


def test_console_line_by_htmx_updates_line_and_balance(setup: Setup, clients: dict[str, TestClient]) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    page = m.get(console)
    assert page.status_code == 200
    first = page.text.split('id="line-')[1].split('"')[0]
    answer = _post(
        m, console, f"{console}/1/lines/{first}", {"action": "deliver"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert f'id="line-{first}" data-state="delivered"' in answer.text.replace(  # type: ignore[attr-defined]
        'class="line state-delivered" ', ""
    )
    assert 'hx-swap-oob="true"' in answer.text  # type: ignore[attr-defined]
    # Party A's admin sees the console but may not close the tranche.
    assert 'id="close-tranche"' not in clients["a_admin"].get(console).text


def _balance_sentence(page: str) -> str:
    balance = page.split('id="balance"')[1].split("</div>", maxsplit=1)[0]
    return " ".join(balance.split("<p>")[1].split("</p>")[0].split())


def test_console_balance_is_worded_in_the_reader_language(
    setup: Setup, clients: dict[str, TestClient]
) -> None:
    """The balance is worded from its figures (plural forms included), not the core's English sentence."""
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    page = m.get(console).text
    first = page.split('id="line-')[1].split('"')[0]
    _post(m, console, f"{console}/1/lines/{first}", {"action": "deliver"})
    english = _balance_sentence(m.get(console).text)
    one_side = ("1 person for 0 persons", "0 persons for 1 person")
    assert english.startswith(one_side) and "imbalance" in english, english
    _post(m, console, "/language", {"language": "uk"})
    ukrainian = _balance_sentence(m.get(console).text)
    assert ukrainian.startswith(("1 особа : 0 осіб", "0 осіб : 1 особа")), ukrainian
    assert "дисбаланс" in ukrainian and "person" not in ukrainian, ukrainian


ROUTES = (
    ("/agreements", {}),
    ("/agreements/{id}/compose", {"max_persons": "4", "reference_date": "2023-01-08"}),
    ("/agreements/{id}/versions/1/share", {}),
    ("/agreements/{id}/versions/1/accept", {"password": PASSWORD}),
    ("/agreements/{id}/conclude", {}),
    ("/agreements/{id}/handover/1/lines/x", {"action": "deliver"}),
    ("/agreements/{id}/handover/1/close", {"password": PASSWORD}),
    ("/agreements/{id}/amend", {"expected_version": "1", "record": "x", "reason": "y"}),
    ("/agreements/{id}/counter", {"expected_version": "1", "note": "n"}),
    ("/agreements/{id}/handover/1/remains", {"releasing_side": "a", "count": "1"}),
    ("/agreements/{id}/handover/1/remains/T1-R1/identify", {"status": "identified"}),
)


def test_every_new_form_needs_its_csrf_token(bare: Setup) -> None:
    """One signed-in client for all routes: each POST without the token, or with a forged one, is refused."""
    with ui_client(bare.app) as client:
        sign_in(client, "mediator")
        for route, data in ROUTES:
            for token in ("", "forged"):
                answer = client.post(route.format(id=bare.agreement_id), data={"csrf_token": token, **data})
                assert answer.status_code == 403, (route, token)
                assert "This form has expired" in answer.text
        assert bare.agreement_id in client.get("/agreements").text  # nothing was concluded or closed


@pytest.mark.parametrize("who", ["c_admin", None])
def test_others_never_see_the_agreement(bare: Setup, who: str | None) -> None:
    setup = bare
    with ui_client(setup.app) as client:
        if who:
            sign_in(client, who)
        for path in ("", "/handover"):
            answer = client.get(f"/agreements/{setup.agreement_id}{path}")
            assert answer.status_code == (404 if who else 303), path
        listing = client.get("/agreements")
        if who:
            assert setup.agreement_id not in listing.text and "Test exchange" not in listing.text


def test_closed_tranche_reaches_the_public_ledger(setup: Setup, clients: dict[str, TestClient]) -> None:
    _compose_and_conclude(setup, clients)
    console = f"/agreements/{setup.agreement_id}/handover"
    m = clients["mediator"]
    before = _total_persons(m.get("/ledger").text)
    lines = m.get(console).text.split('id="line-')[1:]
    for chunk in lines:
        line = chunk.split('"')[0]
        assert _post(m, console, f"{console}/1/lines/{line}", {"action": "deliver"}).status_code == 303  # type: ignore[attr-defined]
    assert _post(m, console, f"{console}/1/close", {"password": PASSWORD}).status_code == 303  # type: ignore[attr-defined]
    assert 'id="tranche-closed"' in m.get(f"{console}?tranche=1").text
    with ui_client(setup.app) as public:
        assert _total_persons(public.get("/ledger").text) == before  # closed, not yet published
        body = {"agreement_id": setup.agreement_id, "public_label": "A published exchange"}
        assert _post(m, "/publications", "/publications/exchange", body).status_code == 303  # type: ignore[attr-defined]
        page = public.get("/ledger").text
    assert 'id="table-per-exchange"' in page and "A published exchange" in page
    assert "Test exchange" not in page  # the internal title is never published
    assert _total_persons(page) == before + len(lines)


def _total_persons(html: str) -> int:
    if 'id="total-persons">' not in html:
        return 0
    return int(html.split('id="total-persons">')[1].split("<", maxsplit=1)[0])


def test_the_compose_form_offers_every_formula_and_a_parity_category(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = f"/agreements/{setup.agreement_id}"
    m = clients["mediator"]
    form = m.get(url).text.split('id="compose-form"')[1].split("</form>")[0]
    for formula in ("n_for_n", "declared_ratio", "weighted_equivalence"):
        assert f'value="{formula}"' in form
    assert 'name="parity_category"' in form and 'name="all_for_all"' in form
    assert '<input type="checkbox" id="share" name="share" value="true">' in form  # not ticked
    declared = _post(m, url, f"{url}/compose", {
        "reference_date": "2023-01-08", "formula": "declared_ratio", "declared_a": "3", "declared_b": "2",
        "category": "seriously_wounded_or_sick", "expected_version": "0",
    })  # fmt: skip
    assert declared.status_code == 200, declared.text  # type: ignore[attr-defined]
    uows, mediator = UnitOfWorkFactory(connection, key_custody_of_tests()), world.actors["mediator"]
    version = agreement_views.get_version(uows, mediator, setup.agreement_id, 1)
    assert version.kind == "composition" and version.list_sizes == (3, 2) and not version.shared
    assert version.document is not None
    assert version.document["terms"]["formulas"] == [{"kind": "declared_ratio", "a_count": 3, "b_count": 2}]
    restricted = _post(m, url, f"{url}/compose", {
        "reference_date": "2023-01-08", "formula": "n_for_n", "category": "seriously_wounded_or_sick",
        "parity_category": "seriously_wounded_or_sick", "expected_version": "1",
    })  # fmt: skip
    assert restricted.status_code == 200, restricted.text  # type: ignore[attr-defined]
    assert "not in the category the parity lists are drawn from" in restricted.text  # type: ignore[attr-defined]
    terms = agreement_views.get_version(uows, mediator, setup.agreement_id, 2).document["terms"]  # type: ignore[index]
    assert terms["parity_category"] == "seriously_wounded_or_sick"


def test_the_compose_form_sets_gates_and_priority_and_an_empty_result_is_not_shared(
    setup: Setup, clients: dict[str, TestClient], connection: Connection, world: World
) -> None:
    url = f"/agreements/{setup.agreement_id}"
    m = clients["mediator"]
    form = m.get(url).text.split('id="compose-form"')[1].split("</form>")[0]
    assert 'name="custody"' in form and 'name="priority"' in form and 'name="interview_gate"' in form
    ordered = _post(m, url, f"{url}/compose", {
        "reference_date": "2023-01-08", "max_persons": "4", "expected_version": "0", "share": "true",
        "priority": ["captivity_length", "medical_severity", "categories"], "interview_gate": "off",
    })  # fmt: skip
    assert ordered.status_code == 200, ordered.text  # type: ignore[attr-defined]
    uows, mediator = UnitOfWorkFactory(connection, key_custody_of_tests()), world.actors["mediator"]
    terms = agreement_views.get_version(uows, mediator, setup.agreement_id, 1).document["terms"]  # type: ignore[index]
    assert terms["priority"]["criteria"] == ["captivity_length", "medical_severity", "categories"]
    assert terms["eligibility"]["require_will_interview"] is False
    assert terms["eligibility"]["require_confirmed_identity"] is True
    # Custody confirmed by the ICRC for nobody here: no one is listed, the version is kept unshared.
    empty = _post(m, url, f"{url}/compose", {
        "reference_date": "2023-01-08", "max_persons": "4", "expected_version": "1", "share": "true",
        "custody": "icrc",
    })  # fmt: skip
    assert empty.status_code == 200, empty.text  # type: ignore[attr-defined]
    page = empty.text  # type: ignore[attr-defined]
    assert 'id="empty-reason"' in page and "custody not confirmed" in page
    assert re.search(r'id="composition-shared">no<', page)
    assert not agreement_views.get_version(uows, mediator, setup.agreement_id, 2).shared
