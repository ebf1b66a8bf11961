"""`homebound link`: two list files in, proposed pairs out, no database; list headers and encodings vary."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homebound.cli.main import app
from homebound.core.person_input import IMPORT_COLUMNS
from homebound.linkage.evaluate import score_pairs
from homebound.linkage.model import LinkageModel
from homebound.lists.headers import HeaderLanguage, label
from homebound.synthetic.scenario import ListPair
from tests.linkage.conftest import KeyedLists

runner = CliRunner()
LINK_SIZE = 600


def _write_list(path: Path, rows: list[dict[str, str]], language: HeaderLanguage, encoding: str) -> None:
    columns = [c for c in IMPORT_COLUMNS if c not in ("status",)]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([label(c, language) for c in columns])
        writer.writerows([[row.get(c, "") for c in columns] for row in rows])


def _slice(lists: ListPair) -> tuple[list[dict[str, str]], list[dict[str, str]], set[tuple[str, str]]]:
    sought, held = lists.sought[:LINK_SIZE], lists.held[:LINK_SIZE]
    ids = {r["record_id"] for r in sought} | {r["record_id"] for r in held}
    return sought, held, {(a, b) for a, b in lists.truth if a in ids and b in ids}


def _read_output(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def list_files(tmp_path_factory: pytest.TempPathFactory, keyed_lists: KeyedLists) -> tuple[Path, Path, set]:
    folder = tmp_path_factory.mktemp("lists")
    sought, held, truth = _slice(keyed_lists.lists)
    left, right = folder / "розшук.csv", folder / "содержащиеся.csv"
    _write_list(left, sought, HeaderLanguage.UK, "utf-8-sig")
    _write_list(right, held, HeaderLanguage.RU, "cp1251")
    return left, right, truth


def test_link_trains_on_the_lists_and_writes_pairs(
    tmp_path: Path, list_files: tuple[Path, Path, set]
) -> None:
    left, right, truth = list_files
    output, model = tmp_path / "pairs.csv", tmp_path / "model.json"
    result = runner.invoke(
        app, ["link", str(left), str(right), "--output", str(output), "--save-model", str(model)]
    )
    assert result.exit_code == 0, result.output
    rows = _read_output(output)
    assert list(rows[0]) == ["left_id", "right_id", "match_probability", "decision", "problems"]
    assert {r["decision"] for r in rows} <= {"match", "review"}
    assert all(0.02 <= float(r["match_probability"]) <= 1.0 for r in rows)  # the review floor
    scores = score_pairs(((r["left_id"], r["right_id"]) for r in rows), truth)
    assert scores.f1 >= 0.95
    assert model.exists()

    # The saved model links the same lists without training, to the same pairs.
    again = tmp_path / "again.csv"
    reused = runner.invoke(
        app, ["link", str(left), str(right), "-o", str(again), "--model", str(model), "--explain"]
    )
    assert reused.exit_code == 0, reused.output
    explained = _read_output(again)
    assert [(r["left_id"], r["right_id"]) for r in explained] == [(r["left_id"], r["right_id"]) for r in rows]
    assert all("family_name:" in r["explanation"] for r in explained)


def test_bad_rows_stop_the_run(tmp_path: Path, list_files: tuple[Path, Path, set]) -> None:
    _, right, _ = list_files
    broken = tmp_path / "broken.csv"
    broken.write_text("record_id,family_name,sex\nA1,Коваленко,не знаю\nA2,Шевченко,ч\n", encoding="utf-8")
    output = tmp_path / "pairs.csv"
    refused = runner.invoke(app, ["link", str(broken), str(right), "-o", str(output)])
    assert refused.exit_code == 2
    assert "row 2" in refused.output
    assert not output.exists()


def test_missing_model_file_is_an_error(tmp_path: Path, list_files: tuple[Path, Path, set]) -> None:
    left, right, _ = list_files
    result = runner.invoke(
        app,
        [
            "link",
            str(left),
            str(right),
            "-o",
            str(tmp_path / "x.csv"),
            "--model",
            str(tmp_path / "none.json"),
        ],
    )
    assert result.exit_code == 2


def test_skip_invalid_links_the_other_rows(
    tmp_path: Path, list_files: tuple[Path, Path, set], trained_model: LinkageModel
) -> None:
    _, right, _ = list_files
    broken = tmp_path / "broken.csv"
    broken.write_text("record_id,family_name\nA1,Коваленко\nA2,\n", encoding="utf-8")
    output, model = tmp_path / "pairs.csv", tmp_path / "model.json"
    trained_model.save(model)
    result = runner.invoke(
        app, ["link", str(broken), str(right), "-o", str(output), "--model", str(model), "--skip-invalid"]
    )
    assert result.exit_code == 0, result.output
    assert "skipping" in result.output
    assert {r["left_id"] for r in _read_output(output)} <= {"A1"}


def test_a_date_that_is_no_date_is_linked_on_the_rest_and_flagged(
    tmp_path: Path, keyed_lists: KeyedLists, list_files: tuple[Path, Path, set], trained_model: LinkageModel
) -> None:
    _, right, truth = list_files
    sought = {r["record_id"]: r for r in keyed_lists.lists.sought[:LINK_SIZE]}
    # Sought records of true pairs with a full date and a patronymic; their dates become impossible ones.
    chosen = [
        a
        for a, _ in sorted(truth)
        if sought[a].get("patronymic") and len(sought[a].get("date_of_birth", "")) == 10
    ][:5]
    held_of = dict(truth)
    rows = []
    for k, record_id in enumerate(chosen):
        year = sought[record_id]["date_of_birth"][-4:]
        impossible = f"31.04.{year}" if k % 2 else f"{year}-0?-1?"
        rows.append({**sought[record_id], "date_of_birth": impossible})
    left = tmp_path / "left.csv"
    _write_list(left, rows, HeaderLanguage.UK, "utf-8")
    output, model = tmp_path / "pairs.csv", tmp_path / "model.json"
    trained_model.save(model)
    result = runner.invoke(app, ["link", str(left), str(right), "-o", str(output), "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert "5 with a date of birth kept as written" in result.output
    found = {(r["left_id"], r["right_id"]): r for r in _read_output(output)}
    linked = [a for a in chosen if (a, held_of[a]) in found]
    assert len(linked) >= 4
    for record_id in linked:
        problems = found[(record_id, held_of[record_id])]["problems"]
        assert problems.startswith("left: date_of_birth (row ")
        assert "compared as written" in problems
