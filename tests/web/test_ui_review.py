"""The matching review queue in the UI: only the mediator reads it; a verdict is recorded once however often
its form arrives; a confirmation reaches the seeking party's disclosures and no one else's."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select

from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import LogEntryRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import accounts, lists, review_queue
from homebound.services.review_queue import DecisionFilter, QueueFilter
from homebound.web.ui import review as review_ui
from tests.browser.seed import seed_registries
from tests.conftest import Backend
from tests.keys import key_custody_of_tests
from tests.review_support import HELD_BY_B, seed_pairs
from tests.web.test_ui_pages import _names, _parse
from tests.web.ui_support import PAGE_POLICY, csrf_of, sign_in, ui_app, ui_client
from tests.world import World

_PAIR_LINK = re.compile(r'href="/mediator/review/([0-9a-f-]{36})')


@pytest.fixture
def uows(connection: Connection) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(connection, key_custody_of_tests())


@pytest.fixture
def app(backend: Backend, connection: Connection, uows: UnitOfWorkFactory, world: World) -> FastAPI:
    seed_registries(uows, world, dt.date.today())
    seed_pairs(uows, world)
    return ui_app(backend.url, connection)


@pytest.fixture
def mediator(app: FastAPI) -> Iterator[TestClient]:
    with ui_client(app) as client:
        sign_in(client, "mediator")
        yield client


def _pair_of(uows: UnitOfWorkFactory, world: World, sought_family: str) -> str:
    page = review_queue.read_queue(uows, world.actors["mediator"], QueueFilter(decision=DecisionFilter.ALL))
    return next(i.id for i in page.items if i.sought_name.startswith(sought_family))


def _count(connection: Connection, tag: ActionTag, candidate_id: str) -> int:
    query = select(func.count()).where(LogEntryRow.tag == tag.value, LogEntryRow.object_id == candidate_id)
    return int(connection.execute(query).scalar_one())


def test_the_queue_lists_the_pairs_with_filters_and_pages(
    mediator: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = mediator.get("/mediator/review")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert _parse(page.text).inline == []
    # Each pair on two lines, the deciding fields side by side as written, differences marked.
    for written in ("Коваленко", "Олександр", "Миколайович", "Melnyk", "Nadiia", "Yuriivna", "1993-07-01"):
        assert f">{written}<" in page.text or f">{written} <" in page.text
    assert 'class="name cell-same">1993-07-01</td>' in page.text
    total = len(set(_PAIR_LINK.findall(page.text)))
    assert total >= 3
    assert 'href="/mediator/review" aria-current="page"' in page.text
    desk = mediator.get("/mediator").text
    assert f'<p id="open-pairs"><strong>{total} pairs waiting for a decision</strong></p>' in desk
    strong = len(set(_PAIR_LINK.findall(mediator.get("/mediator/review?band=match").text)))
    weak = len(set(_PAIR_LINK.findall(mediator.get("/mediator/review?band=review").text)))
    assert strong >= 3 and strong + weak == total
    assert "No pairs here" in mediator.get("/mediator/review?decision=confirmed").text
    assert mediator.get("/mediator/review?decision=maybe").status_code == 422
    assert mediator.get("/mediator/review?band=strong").status_code == 422
    monkeypatch.setattr(review_ui, "PAGE_SIZE", total - 1)
    first = mediator.get("/mediator/review?decision=all")
    assert len(set(_PAIR_LINK.findall(first.text))) == total - 1
    assert 'href="/mediator/review?decision=all&amp;page=2" rel="next"' in first.text
    second = mediator.get("/mediator/review?decision=all&page=2")
    assert len(set(_PAIR_LINK.findall(second.text))) == 1
    assert "Page 2 of 2" in second.text
    assert set(_PAIR_LINK.findall(first.text)).isdisjoint(_PAIR_LINK.findall(second.text))


def test_the_pair_page_shows_both_scripts_the_score_and_its_explanation(
    mediator: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    pair = _pair_of(uows, world, "Коваленко")
    page = mediator.get(f"/mediator/review/{pair}")
    assert page.status_code == 200
    assert _parse(page.text).inline == []
    text = page.text
    for written in ("Олександр", "Александр", "Миколайович", "Николаевич"):
        assert written in text
    assert "Oleksandr" in text and "Aleksandr" in text  # the Latin beneath each
    assert text.count('class="diff-') >= 7  # every field marked same / similar / different / missing
    assert 'tr class="diff-same"' in text and 'tr class="diff-close"' in text
    assert '<canvas id="waterfall-chart" data-waterfall-for="waterfall-table"' in text
    steps = re.findall(r'<tr data-kind="(\w+)" data-start="([-0-9.]+)" data-end="([-0-9.]+)"', text)
    assert [k for k, _s, _e in steps] == ["prior", *["evidence"] * 7, "total"]
    evidence_end = float(steps[-2][2])
    assert abs(evidence_end - float(steps[-1][2])) < 0.01  # the prior plus each weight gives the total
    assert "name shared by 1 in" in text  # the rare-name weight the pair used, with its share
    assert (
        'aria-keyshortcuts="c"' in text
        and 'aria-keyshortcuts="r"' in text
        and 'aria-keyshortcuts="n"' in text
    )
    assert 'name="csrf_token"' in text and 'name="seen" value="pending@-"' in text
    for url in _parse(text).urls:  # records and pairs are addressed by id, never by a name
        assert not [n for n in _names() if n in unquote(url)], url


@pytest.mark.parametrize("username", ["a_operator", "a_admin", "b_operator"])
def test_a_party_never_reaches_the_queue(
    app: FastAPI, uows: UnitOfWorkFactory, world: World, username: str
) -> None:
    pair = _pair_of(uows, world, "Коваленко")
    with ui_client(app) as party:
        sign_in(party, username)
        assert party.get("/mediator/review").status_code == 403
        assert party.get(f"/mediator/review/{pair}").status_code == 403
        token = csrf_of(party.get("/party/held"))
        posted = party.post(f"/mediator/review/{pair}", data={"csrf_token": token, "verdict": "confirm"})
        assert posted.status_code == 403
        nav = party.get("/party/held").text
        assert "/mediator/review" not in nav
    with ui_client(app) as public:  # the public and families: the sign-in page, nothing of the queue
        for path in ("/mediator/review", f"/mediator/review/{pair}"):
            answer = public.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/sign-in"
        token = csrf_of(public.get("/family"))
        answer = public.post(f"/mediator/review/{pair}", data={"csrf_token": token, "verdict": "confirm"})
        assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    untouched = review_queue.read_queue(
        uows, world.actors["mediator"], QueueFilter(decision=DecisionFilter.ALL)
    )
    assert {i.status for i in untouched.items} == {"pending"}


def test_an_observer_of_the_mediator_reads_nothing(
    app: FastAPI, uows: UnitOfWorkFactory, world: World
) -> None:
    pair = _pair_of(uows, world, "Коваленко")
    with ui_client(app) as observer:
        sign_in(observer, "med_observer")
        assert observer.get("/mediator/review").status_code == 403
        assert observer.get(f"/mediator/review/{pair}").status_code == 404


def test_a_form_sent_twice_records_one_decision(
    mediator: TestClient, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    pair = _pair_of(uows, world, "Коваленко")
    form = {"csrf_token": csrf_of(mediator.get(f"/mediator/review/{pair}")), "seen": "pending@-"}
    first = mediator.post(f"/mediator/review/{pair}", data={**form, "verdict": "confirm"})
    again = mediator.post(f"/mediator/review/{pair}", data={**form, "verdict": "confirm"})
    assert first.status_code == again.status_code == 303
    assert "decided=confirm" in first.headers["location"]
    assert "decided=already" in again.headers["location"]
    assert _count(connection, ActionTag.MATCH_CONFIRM, pair) == 1
    # A different verdict sent from the same stale page is no second decision either.
    late = mediator.post(f"/mediator/review/{pair}", data={**form, "verdict": "reject"})
    assert "decided=already" in late.headers["location"]
    assert _count(connection, ActionTag.MATCH_REJECT, pair) == 0
    status = connection.execute(select(MatchCandidateRow.status).where(MatchCandidateRow.id == pair))
    assert status.scalar_one() == "confirmed"


def test_not_sure_twice_is_deferred_once_and_the_reviewer_moves_on(
    mediator: TestClient, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    pair = _pair_of(uows, world, "Мельник")
    page = mediator.get(f"/mediator/review/{pair}?band=match")
    assert '<span class="written" lang="uk">Надія</span>' in page.text  # read out as Ukrainian
    form = {"csrf_token": csrf_of(page), "seen": "pending@-", "verdict": "not_sure", "band": "match"}
    first = mediator.post(f"/mediator/review/{pair}", data={**form, "note": "a unit roster would settle it"})
    mediator.post(f"/mediator/review/{pair}", data=form)
    assert _count(connection, ActionTag.MATCH_DEFER, pair) == 1
    target = first.headers["location"]
    assert target.startswith("/mediator/review/") and pair not in target and "band=match" in target
    follow = mediator.get(f"/mediator/review/{pair}")
    assert "a unit roster would settle it" in follow.text
    seen = re.search(r'name="seen" value="([^"]+)"', follow.text)
    assert seen and seen.group(1).startswith("not_sure@")  # still open: a later verdict is a new decision
    done = mediator.post(
        f"/mediator/review/{pair}", data={**form, "seen": seen.group(1), "verdict": "reject"}
    )
    assert "decided=reject" in done.headers["location"]
    assert _count(connection, ActionTag.MATCH_REJECT, pair) == 1


def test_a_confirmation_reaches_the_seeking_party_only(
    app: FastAPI, mediator: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    pair = _pair_of(uows, world, "Коваленко")
    token = csrf_of(mediator.get(f"/mediator/review/{pair}"))
    mediator.post(
        f"/mediator/review/{pair}", data={"csrf_token": token, "seen": "pending@-", "verdict": "confirm"}
    )
    with ui_client(app) as seeking:
        sign_in(seeking, "a_operator")
        page = seeking.get("/party/disclosures")
        assert page.status_code == 200
        assert "Коваленко" in page.text and "confirmed held" in page.text
        assert "Мельник" not in page.text  # still pending: nothing disclosed
        assert "Александр" not in page.text  # the holder's record stays the holder's
    with ui_client(app) as holding:
        sign_in(holding, "b_operator")
        page = holding.get("/party/disclosures")
        assert "Коваленко" not in page.text
        assert "None yet" in page.text
    assert mediator.get("/party/disclosures").status_code == 403
    assert HELD_BY_B  # the pairs above come from this list


@pytest.mark.parametrize(
    ("language", "headings"),
    [("uk", ("Черга перевірки", "Два записи поруч")), ("ru", ("Очередь проверки", "Две записи рядом"))],
)
def test_the_pages_speak_the_readers_language(
    app: FastAPI, uows: UnitOfWorkFactory, world: World, language: str, headings: tuple[str, str]
) -> None:
    queue_heading, records_heading = headings
    pair = _pair_of(uows, world, "Коваленко")
    accounts.set_language(uows, world.actors["mediator"], language)
    with ui_client(app) as client:
        sign_in(client, "mediator")
        queue = client.get("/mediator/review")
        assert f"<h1>{queue_heading}</h1>" in queue.text
        page = client.get(f"/mediator/review/{pair}")
        assert page.status_code == 200
        assert records_heading in page.text
        assert "Коваленко" in page.text  # names stay as written, whatever the page's language


def test_a_swapped_day_and_month_is_not_shown_as_same() -> None:
    from homebound.web.ui.review import _state

    swapped = {"level": "day and month swapped", "match_weight": 7.5}
    assert _state("1994-03-12", "1994-12-03", swapped) == "close"
    assert _state("1994-03-12", "1994-03-12", {"level": "same date", "match_weight": 9.0}) == "same"
    assert _state("1994-03-12", "1987-11-30", {"level": "different", "match_weight": -6.0}) == "different"
    assert _state("Коваленко", "КОВАЛЕНКО", None) == "same"


_TICK = re.compile(r'name="pair" form="bulk-selected" value="([0-9a-f-]{36}) ([^"]+)"')
_PAGE_PAIR = re.compile(r'<input type="hidden" name="pair" value="([0-9a-f-]{36}) ([^"]+)">')


def test_a_page_of_strong_matches_confirmed_in_one_action(
    mediator: TestClient, connection: Connection, uows: UnitOfWorkFactory, world: World
) -> None:
    page = mediator.get("/mediator/review?band=match")
    assert page.status_code == 200
    strong = _PAGE_PAIR.findall(page.text)
    assert len(strong) >= 3
    assert 'id="workload-open-match">' + str(len(strong)) in page.text
    # The ticked-pairs form names every open pair with the state it was shown in.
    assert {c for c, _ in _TICK.findall(page.text)} == {c for c, _ in strong}
    form = {"csrf_token": csrf_of(page), "scope": "page", "verdict": "confirm", "band": "match"}
    done = mediator.post(
        "/mediator/review-bulk",
        data={**form, "pair": [f"{c} {s}" for c, s in strong]},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert f"recorded={len(strong)}" in done.headers["location"]
    for candidate_id, _state in strong:
        assert _count(connection, ActionTag.MATCH_CONFIRM, candidate_id) == 1  # each its own entry
    after = mediator.get(done.headers["location"])
    assert f"Recorded: {len(strong)}; already decided: 0" in after.text
    assert 'id="workload-today">' + str(len(strong)) in after.text
    reviewers = after.text.split('id="workload-reviewers"')[1].split("</table>")[0]
    assert f'<td class="num">{len(strong)}</td><td class="num">{len(strong)}</td>' in reviewers
    # The same form again records nothing more.
    again = mediator.post("/mediator/review-bulk", data={**form, "pair": [f"{c} {s}" for c, s in strong]})
    assert f"already decided: {len(strong)}" in mediator.get(again.headers["location"]).text
    assert all(_count(connection, ActionTag.MATCH_CONFIRM, c) == 1 for c, _ in strong)


def test_ticked_pairs_rejected_and_filters_in_the_ui(
    mediator: TestClient, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    civilians = mediator.get("/mediator/review?category=civilian_internee")
    ticks = _TICK.findall(civilians.text)
    assert len(ticks) == 1 and "Melnyk" in civilians.text and "Коваленко" not in civilians.text
    assert mediator.get("/mediator/review?category=soldier").status_code == 422
    assert "Коваленко" in mediator.get("/mediator/review?party=pb").text
    assert "No pairs here" in mediator.get("/mediator/review?party=nobody").text
    form = {
        "csrf_token": csrf_of(civilians),
        "scope": "selected",
        "verdict": "reject",
        "category": "civilian_internee",
        "pair": [f"{c} {s}" for c, s in ticks],
    }
    done = mediator.post("/mediator/review-bulk", data=form)
    assert "Recorded: 1;" in mediator.get(done.headers["location"]).text
    assert _count(connection, ActionTag.MATCH_REJECT, ticks[0][0]) == 1
    nothing = mediator.post("/mediator/review-bulk", data={**form, "pair": []})
    assert nothing.status_code == 422
    # A whole filtered set, offered when it runs past the page: its token is refused once the set changed.
    monkeypatch.setattr(review_ui, "PAGE_SIZE", 1)
    page = mediator.get("/mediator/review?party=pb")
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page.text)
    assert token is not None
    stale = {"csrf_token": csrf_of(page), "scope": "filter", "verdict": "confirm", "party": "pb"}
    first = _PAGE_PAIR.findall(page.text)[0]
    mediator.post("/mediator/review-bulk", data={**stale, "scope": "page", "pair": [" ".join(first)]})
    refused = mediator.post("/mediator/review-bulk", data={**stale, "token": token.group(1)})
    assert refused.status_code == 409


def test_a_date_kept_as_written_is_flagged_on_the_queue_and_the_pair_page(
    mediator: TestClient, uows: UnitOfWorkFactory, world: World
) -> None:
    header = "record_id,family_name,given_name,patronymic,sex,date_of_birth,category"
    sought = f"{header}\nA-S-701,Вдовиченко,Ярема,Богданович,male,1986-04-13,pow\n"
    held = f"{header}\nB-H-701,Вдовиченко,Ярема,Богданович,male,31.04.1986,pow\n"
    lists.import_list(uows, world.actors["a_operator"], Registry.SOUGHT, sought.encode(), "a.csv")
    report = lists.import_list(uows, world.actors["b_operator"], Registry.HELD, held.encode(), "b.csv")
    assert report.dates_as_written == [2]
    pair = _pair_of(uows, world, "Вдовиченко")
    queue = mediator.get("/mediator/review").text
    line = queue.split(f'data-candidate="{pair}"')[1].split("</tbody>")[0]
    assert ">31.04.1986" in line and "date as written" in line
    page = mediator.get(f"/mediator/review/{pair}").text
    assert 'id="date-as-written-held"' in page and 'id="date-as-written-sought"' not in page
    assert "31.04.1986" in page
