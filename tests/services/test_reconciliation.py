"""List reconciliation through the service: every bucket, the log entry (counts only), refusals, isolation,
the mediator's registry-to-registry run, and the CSV report."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from homebound.core.errors import NotFound, PermissionDenied, ValidationFailed
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Registry
from homebound.db.log_store import log_action
from homebound.db.uow import UnitOfWorkFactory
from homebound.linkage.reconciliation import fitted_prior
from homebound.services import candidates, lists
from homebound.services import log as log_service
from homebound.services import reconciliation as service
from tests.reconciliation_support import BAD_LIST, EXPECTED, LIST, write_ours
from tests.world import World

Logged = list[tuple[Any, ...]]


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Logged:
    """Every reconciliation log call (party, payload), passed on to the real log."""
    calls: Logged = []
    real = log_action

    def spy(session: Any, actor: Any, tag: ActionTag, kind: str, oid: str, payload: Any, **kw: Any) -> Any:
        calls.append((tag, kw.get("party"), payload))
        return real(session, actor, tag, kind, oid, payload, **kw)

    monkeypatch.setattr("homebound.services.reconciliation.log_action", spy)
    return calls


def _tags(uows: UnitOfWorkFactory, world: World, who: str) -> list[str]:
    page = log_service.list_entries(uows, world.actors[who], limit=1000)
    return [e.tag for e in page.entries if e.tag == ActionTag.MATCH_RECONCILE.value]


def test_every_bucket_from_a_russian_list(uows: UnitOfWorkFactory, world: World, logged: Logged) -> None:
    ids = write_ours(uows, world)
    report = service.reconcile_file(uows, world.actors["a_operator"], LIST.encode("cp1251"), "list.csv")
    placed = {r.row: (r.bucket.value, r.record_id) for r in report.rows}
    assert placed == {row: (bucket, ids.get(src or "")) for row, (bucket, src) in EXPECTED.items()}
    assert report.list_rows == 6 and report.records == 5
    assert report.counts == {
        "duplicate_in_list": 1,
        "already_returned": 1,
        "civilian": 1,
        "confirmed_ours": 1,
        "probable_data_error": 1,
        "not_found": 1,
    }
    by_row = {r.row: r for r in report.rows}
    assert "date of birth differs in year and month and day" in by_row[5].reason
    assert by_row[7].duplicate_of == 3 and "row 3" in by_row[7].reason
    assert "confirmed_ours" in by_row[6].secondary  # a civilian who is also ours
    assert by_row[3].score is not None and by_row[3].score >= 0.95
    assert by_row[3].family_name == "КОВАЛЕНКО"  # as the list wrote it
    # One log entry in A's own log: counts and the file hash, nothing personal.
    ((tag, party, payload),) = logged
    assert tag is ActionTag.MATCH_RECONCILE and party == world.actors["a_operator"].party_id
    assert payload["counts"] == report.counts and payload["source"] == "file"
    text = str(payload)
    assert not any(word in text for word in ("КОВАЛЕНКО", "Мельник", "RU-1", *ids.values()))
    assert _tags(uows, world, "a_admin") == [ActionTag.MATCH_RECONCILE.value]
    assert _tags(uows, world, "b_admin") == []
    assert log_service.verify_log(uows).ok


def test_a_bad_row_is_located_and_nothing_is_done(
    uows: UnitOfWorkFactory, world: World, logged: Logged
) -> None:
    write_ours(uows, world)
    with pytest.raises(ValidationFailed) as caught:
        service.reconcile_file(uows, world.actors["a_operator"], BAD_LIST.encode(), "list.csv")
    problems = {(p.row, p.column, p.field, p.code) for p in caught.value.problems}
    assert (2, "Дата рождения", "date_of_birth", "invalid_value") in problems
    assert (3, "Фамилия", "family_name", "required") in problems
    assert all("31.02" not in p.message for p in caught.value.problems)
    assert logged == [] and _tags(uows, world, "a_admin") == []
    with pytest.raises(ValidationFailed):
        service.reconcile_file(uows, world.actors["a_operator"], b"", "list.csv")


@pytest.mark.parametrize("who", ["a_observer", "mediator", "med_observer"])
def test_who_may_not_reconcile_a_file(uows: UnitOfWorkFactory, world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        service.reconcile_file(uows, world.actors[who], LIST.encode(), "list.csv")


def test_a_party_reconciles_against_its_own_records_only(uows: UnitOfWorkFactory, world: World) -> None:
    a_ids = write_ours(uows, world)
    # B runs the same list: B has no sought records, so A's records can never appear in B's report.
    report = service.reconcile_file(uows, world.actors["b_operator"], LIST.encode(), "list.csv")
    assert report.records == 0
    assert {r.record_id for r in report.rows} == {None}
    assert not set(a_ids.values()) & {r.record_id for r in report.rows}
    assert report.counts["civilian"] == 1 and report.counts["duplicate_in_list"] == 1
    assert report.counts["not_found"] == 4
    # And B cannot name A's registry: the registry run is the mediator's alone.
    for who in ("b_operator", "b_admin", "a_admin"):
        with pytest.raises(PermissionDenied):
            service.reconcile_registries(uows, world.actors[who], "pb", "pa")
    assert _tags(uows, world, "a_admin") == []


def test_the_mediator_reconciles_b_held_against_a_sought(
    uows: UnitOfWorkFactory, world: World, logged: Logged
) -> None:
    a_ids = write_ours(uows, world)
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, LIST.encode(), "held.csv")
    # A person who died in custody is in B's held registry, but not on a list B would hand over.
    died = "record_id;Фамилия;Имя;Статус\nRU-9;Кравченко;Олег;deceased\n"
    lists.import_list(uows, world.actors["b_operator"], Registry.HELD, died.encode(), "died.csv")
    mediator = world.actors["mediator"]
    report = service.reconcile_registries(uows, mediator, "pb", "pa")
    held_ids = {r.list_record_id: r for r in report.rows}
    assert report.list_rows == 6 and report.records == 5
    buckets = {r.family_name: r.bucket.value for r in report.rows}
    assert buckets["Мельник"] == "probable_data_error"
    assert buckets["Бондаренко"] == "already_returned"
    assert (
        sorted(buckets.values()).count("confirmed_ours") + sorted(buckets.values()).count("duplicate_in_list")
        == 2
    )
    # A reviewer confirms the Мельник pair despite the dates: the next run knows it is ours.
    melnyk = next(r for r in held_ids.values() if r.family_name == "Мельник")
    confirmation = candidates.IdentityConfirmation(melnyk.list_record_id, a_ids["S-3"], "unit roster")
    candidates.confirm_identities(uows, mediator, [confirmation])
    again = service.reconcile_registries(uows, mediator, "pb", "pa")
    row = next(r for r in again.rows if r.list_record_id == melnyk.list_record_id)
    # Now ours for certain, and still a record to correct: the dates disagree.
    assert row.bucket.value == "probable_data_error" and row.record_id == a_ids["S-3"]
    assert "confirmed pair" in row.reason and "confirmed_ours" in row.secondary
    # The mediator's own entries: neither party's log shows them.
    assert [party for _, party, _ in logged] == [None, None]
    assert _tags(uows, world, "a_admin") == [] and _tags(uows, world, "b_admin") == []


def test_registry_run_refusals(uows: UnitOfWorkFactory, world: World) -> None:
    mediator = world.actors["mediator"]
    with pytest.raises(NotFound):
        service.reconcile_registries(uows, mediator, "pb", "nowhere")
    with pytest.raises(NotFound):
        service.reconcile_registries(uows, mediator, "med", "pa")
    with pytest.raises(ValidationFailed):
        service.reconcile_registries(uows, mediator, "pa", "pa")


def test_csv_report(uows: UnitOfWorkFactory, world: World) -> None:
    write_ours(uows, world)
    formula = LIST.replace("RU-6;Петренко", "RU-6;=HYPERLINK(1)")
    report = service.reconcile_file(uows, world.actors["a_operator"], formula.encode(), "list.csv")
    data = service.report_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == service.CSV_COLUMNS
    assert [(int(r["row"]), r["bucket"]) for r in rows] == [(n, b) for n, (b, _) in EXPECTED.items()]
    assert rows[-1]["family_name"] == "'=HYPERLINK(1)"  # guarded as list exports guard formulas
    assert rows[4]["duplicate_of"] == "3" and rows[0]["score"].startswith(("0.9", "1.0"))


def test_the_prior_is_fitted_to_the_lists_at_hand() -> None:
    """As batch matching's fit_prior: pairs agreeing on skeleton, name key and full date, over the rule's
    recall, among all pairs; a list against itself leaves out each row's pair with itself."""
    import pandas as pd

    from homebound.linkage.batch import PRIOR_RULE_RECALL
    from homebound.linkage.features import frame_from_rows, prepare_features
    from homebound.linkage.model import default_model

    def keys(*rows: tuple[str, str, str]) -> pd.DataFrame:
        return prepare_features(
            frame_from_rows(
                {"record_id": str(n), "family_name": f, "given_name": g, "date_of_birth": d}
                for n, (f, g, d) in enumerate(rows)
            )
        )

    kovalenko = ("Коваленко", "Олександр", "1994-03-12")
    listed = keys(("КОВАЛЕНКО", "АЛЕКСАНДР", "12.03.1994"), ("Петренко", "Василий", "1979"))
    ours = keys(kovalenko, ("Шевчук", "Ганна", "1988-01-05"), ("Мельник", "Тарас", "1985-07-20"))
    fitted = fitted_prior(default_model(), listed, ours)
    assert fitted.prior == pytest.approx(1 / PRIOR_RULE_RECALL / 6)
    assert fitted.levels == default_model().levels
    # Nothing agrees: one match among all pairs (at most even odds); a list against itself: its repeated
    # row, both ways, and no row against itself.
    assert fitted_prior(default_model(), listed.iloc[1:], ours).prior == pytest.approx(1 / 3)
    assert fitted_prior(default_model(), listed.iloc[1:], ours.iloc[1:]).prior == 0.5
    others = [
        ("Шевчук", "Ганна", "1988-01-05"),
        ("Мельник", "Тарас", "1985-07-20"),
        ("Бондар", "Ігор", "1990"),
    ]
    twice = keys(kovalenko, kovalenko, *others)
    assert fitted_prior(default_model(), twice).prior == pytest.approx(2 / PRIOR_RULE_RECALL / 20)
