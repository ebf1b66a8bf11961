"""Fuzzing the readers: whatever bytes arrive, reading and validating ends in rows or FieldProblems."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.persons import Registry
from homebound.lists.readers import ListTable, read_list
from homebound.lists.validate import validate_rows
from tests.lists.samples import HEADER_UK, PEOPLE, csv_text, encode

CSV_SEEDS = [
    encode(csv_text(HEADER_UK, PEOPLE, delimiter=d), e) for d, e in ((";", "utf-8-sig"), (",", "cp1251"))
]
CSV_SEEDS.append(encode(csv_text(HEADER_UK, PEOPLE, delimiter="\t"), "utf-16"))
TOKENS = [
    b'"',
    b";",
    b",",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"'=",
    "Ё".encode(),
    b"PK\x03\x04",
]
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _xlsx_seed() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER_UK)
    for person in PEOPLE:
        sheet.append(person)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_SEED = _xlsx_seed()


def read_and_validate(data: bytes, filename: str) -> None:
    """The property: a list either opens and validates, or is refused with FieldProblems."""
    table: ListTable | None = None
    try:
        table = read_list(data, filename)
    except ValidationFailed as exc:
        refused = exc.problems
    if table is None:
        assert refused
        assert all(isinstance(p, FieldProblem) for p in refused)
        return
    persons, problems = validate_rows(table, Registry.HELD)
    assert all(isinstance(p, FieldProblem) for p in problems)
    assert len(persons) <= sum(1 for _ in table.rows())


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["delete", "insert", "token", "flip", "truncate", "repeat"]))
        if kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["list.csv", "list.xlsx", "list.txt"]))
def test_random_bytes(data: bytes, filename: str) -> None:
    read_and_validate(data, filename)


@FUZZ
@given(st.sampled_from(CSV_SEEDS).flatmap(mutated))
def test_mutated_csv(data: bytes) -> None:
    read_and_validate(data, "list.csv")


@settings(FUZZ, max_examples=40)
@given(st.integers(0, len(XLSX_SEED)))
def test_truncated_xlsx(cut: int) -> None:
    read_and_validate(XLSX_SEED[:cut], "list.xlsx")


@settings(FUZZ, max_examples=40)
@given(mutated(XLSX_SEED))
def test_mutated_xlsx_bytes(data: bytes) -> None:
    read_and_validate(data, "list.xlsx")


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_xlsx_with_a_damaged_part_inside_a_sound_zip(data: st.DataObject) -> None:
    # Damage behind a valid zip (CRCs right) reaches the XML parser instead of stopping at the zip layer.
    with zipfile.ZipFile(io.BytesIO(XLSX_SEED)) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    target = data.draw(st.sampled_from(sorted(parts)))
    parts[target] = data.draw(mutated(parts[target]))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(rebuilt, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    read_and_validate(rebuilt.getvalue(), "list.xlsx")
