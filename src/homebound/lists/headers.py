"""Column headers as lists write them (English, Ukrainian, Russian) mapped to our field names, and back."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from homebound.core.errors import FieldProblem
from homebound.core.person_input import IMPORT_COLUMNS, REQUIRED_COLUMNS

HEADER_ROW = 1


class HeaderLanguage(StrEnum):
    """How exported headers are written: our field names, or labels a reader of that language expects."""

    CANONICAL = "canonical"
    EN = "en"
    UK = "uk"
    RU = "ru"


@dataclass(frozen=True)
class ColumnNames:
    """The export label of one column in each language, and the other ways lists head that column."""

    en: str
    uk: str
    ru: str
    aliases: tuple[str, ...] = ()


COLUMN_NAMES: dict[str, ColumnNames] = {
    "record_id": ColumnNames(
        "Record ID",
        "Ідентифікатор запису",
        "Идентификатор записи",
        (
            "id",
            "source id",
            "external id",
            "ідентифікатор",
            "id запису",
            "код запису",
            "номер запису",
            "идентификатор",
            "id записи",
            "код записи",
            "номер записи",
        ),
    ),
    "family_name": ColumnNames("Family name", "Прізвище", "Фамилия", ("surname", "last name", "lastname")),
    "given_name": ColumnNames(
        "Given name",
        "Ім'я",
        "Имя",
        ("given names", "first name", "first names", "firstname", "forename", "імена"),
    ),
    "patronymic": ColumnNames("Patronymic", "По батькові", "Отчество", ("middle name", "побатькові")),
    "sex": ColumnNames("Sex", "Стать", "Пол", ("gender",)),
    "date_of_birth": ColumnNames(
        "Date of birth",
        "Дата народження",
        "Дата рождения",
        (
            "dob",
            "birth date",
            "birthdate",
            "born",
            "year of birth",
            "д н",
            "дн",
            "рік народження",
            "д р",
            "др",
            "год рождения",
        ),
    ),
    "father_given_name": ColumnNames(
        "Father's given name",
        "Ім'я батька",
        "Имя отца",
        ("father's name", "father's first name", "father name"),
    ),
    "mother_maiden_name": ColumnNames(
        "Mother's maiden name",
        "Дівоче прізвище матері",
        "Девичья фамилия матери",
        ("mother maiden name", "mother's maiden surname"),
    ),
    "place_of_birth": ColumnNames(
        "Place of birth", "Місце народження", "Место рождения", ("birthplace", "birth place")
    ),
    "party_depended_on": ColumnNames(
        "Party depended on",
        "Сторона, від якої залежить",
        "Сторона, от которой зависит",
        ("power depended on", "party", "citizenship", "громадянство", "сторона", "гражданство"),
    ),
    "rank": ColumnNames("Rank", "Військове звання", "Воинское звание", ("military rank", "звання", "звание")),
    "service_number": ColumnNames(
        "Service number",
        "Особистий номер",
        "Личный номер",
        (
            "serial number",
            "personal number",
            "service no",
            "military id",
            "особовий номер",
            "номер жетона",
            "личный номер жетона",
        ),
    ),
    "unit": ColumnNames(
        "Unit",
        "Військова частина",
        "Воинская часть",
        ("military unit", "в ч", "вч", "підрозділ", "часть", "подразделение"),
    ),
    "category": ColumnNames("Category", "Категорія", "Категория"),
    "status": ColumnNames("Status", "Статус", "Статус"),
    "capture_date": ColumnNames(
        "Capture date",
        "Дата полону",
        "Дата пленения",
        (
            "date of capture",
            "date captured",
            "дата захоплення",
            "дата потрапляння в полон",
            "дата захвата",
            "дата попадания в плен",
        ),
    ),
    "capture_place": ColumnNames(
        "Capture place",
        "Місце полону",
        "Место пленения",
        (
            "place of capture",
            "місце захоплення",
            "місце потрапляння в полон",
            "место захвата",
            "место попадания в плен",
        ),
    ),
    "detention_place": ColumnNames(
        "Place of detention",
        "Місце утримання",
        "Место содержания",
        ("detention place", "place of internment", "місце тримання", "место заключения"),
    ),
    "capture_card_sent_on": ColumnNames(
        "Capture card sent on",
        "Дата надсилання картки полоненого",
        "Дата отправки карточки военнопленного",
        ("capture card sent", "capture card date", "дата картки полоненого", "дата карточки военнопленного"),
    ),
    "health": ColumnNames(
        "Health",
        "Стан здоров'я",
        "Состояние здоровья",
        ("state of health", "health status", "здоров'я", "здоровье"),
    ),
    "legal_hold": ColumnNames(
        "Legal hold",
        "Кримінальне провадження",
        "Уголовное преследование",
        ("criminal proceedings", "proceedings", "уголовное дело"),
    ),
    "legal_hold_note": ColumnNames(
        "Legal hold note",
        "Примітка щодо провадження",
        "Примечание по делу",
        ("proceedings note", "примітка до провадження", "примечание к уголовному делу"),
    ),
    "will_to_return": ColumnNames(
        "Will to return",
        "Згода на повернення",
        "Согласие на возвращение",
        (
            "wish to return",
            "consent to return",
            "бажання повернутися",
            "згода на обмін",
            "желание вернуться",
            "согласие на обмен",
        ),
    ),
    "will_verified_by": ColumnNames(
        "Will verified by",
        "Ким перевірено згоду",
        "Кем проверено согласие",
        ("verified by", "ким перевірено", "кем проверено"),
    ),
    "will_verified_on": ColumnNames(
        "Will verified on",
        "Дата перевірки згоди",
        "Дата проверки согласия",
        ("verified on", "date verified", "дата перевірки", "дата проверки"),
    ),
    "last_seen_date": ColumnNames(
        "Last seen date",
        "Дата зникнення",
        "Дата исчезновения",
        ("date last seen", "last seen on", "дата останнього зв'язку", "дата последней связи", "дата пропажи"),
    ),
    "last_seen_place": ColumnNames(
        "Last seen place",
        "Місце зникнення",
        "Место исчезновения",
        ("place last seen", "місце останнього зв'язку", "место последней связи", "место пропажи"),
    ),
    "nationality": ColumnNames(
        # «Громадянство»/«гражданство» headers already mean the party depended on (above), as bureaus
        # use them.
        "Nationality",
        "Національність",
        "Национальность",
        ("nation", "нац.", "нац"),
    ),
    "next_of_kin": ColumnNames(
        "Next of kin",
        "Особа, яку слід повідомити",
        "Лицо, которое следует уведомить",
        (
            "person to inform",
            "next-of-kin",
            "родич",
            "родственник",
            "найближчий родич",
            "ближайший родственник",
        ),
    ),
    "next_of_kin_address": ColumnNames(
        "Next of kin address",
        "Адреса родича",
        "Адрес родственника",
        ("address of next of kin", "адреса найближчого родича", "адрес ближайшего родственника"),
    ),
}

# A running number ("№ з/п") is in most official lists; it carries nothing we keep, so it is dropped silently.
IGNORED_HEADERS: frozenset[str] = frozenset(
    {"no", "n", "nn", "no п п", "no з п", "п п", "з п", "порядковий номер", "порядковый номер", "row", "seq"}
)
# Headers that fold to nothing but still name a running number.
_IGNORED_SYMBOLS = frozenset({"#", "№", "No."})

_APOSTROPHES = re.compile("['\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032]")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_header(text: str) -> str:
    """Fold a header so spelling variants meet: case, ё, apostrophes, brackets, punctuation and spacing."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    folded = _APOSTROPHES.sub("", folded)
    folded = _BRACKETED.sub(" ", folded)
    return _NOT_WORD.sub(" ", folded).strip()


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in IMPORT_COLUMNS:
        names = COLUMN_NAMES[column]
        for spelling in (column, names.en, names.uk, names.ru, *names.aliases):
            key = normalise_header(spelling)
            # Two columns claiming one spelling would make a header's meaning depend on table order.
            assert lookup.setdefault(key, column) == column, f"header {spelling!r} claimed twice"
    return lookup


HEADER_LOOKUP: dict[str, str] = _build_lookup()


def label(column: str, language: HeaderLanguage) -> str:
    """The header we write for a column in the given language."""
    if language is HeaderLanguage.CANONICAL:
        return column
    names = COLUMN_NAMES[column]
    return {HeaderLanguage.EN: names.en, HeaderLanguage.UK: names.uk, HeaderLanguage.RU: names.ru}[language]


def column_for(header: str) -> str | None:
    """Our field name for a header, or None if we do not know it."""
    return HEADER_LOOKUP.get(normalise_header(header))


@dataclass(frozen=True)
class HeaderMap:
    """The meaning of each column of a list: a field name, or None for a column whose values are dropped."""

    columns: tuple[str | None, ...]
    headers: tuple[str, ...]
    problems: tuple[FieldProblem, ...]
    # Positions (0-based) of columns with a blank header: a value under one would be lost, so it is a problem.
    unnamed: frozenset[int] = frozenset()

    @cached_property
    def positions(self) -> tuple[tuple[int, str], ...]:
        """(0-based position, field name) of every mapped column."""
        return tuple((p, c) for p, c in enumerate(self.columns) if c is not None)

    @cached_property
    def mapped_fields(self) -> tuple[str, ...]:
        return tuple(c for _, c in self.positions)

    @cached_property
    def every_column_mapped(self) -> bool:
        return len(self.positions) == len(self.columns)

    @property
    def known(self) -> int:
        return sum(1 for c in self.columns if c is not None)

    def missing(self) -> frozenset[str]:
        return frozenset(REQUIRED_COLUMNS) - set(self.columns)


def _is_ignored(text: str, key: str) -> bool:
    return key in IGNORED_HEADERS or text.strip() in _IGNORED_SYMBOLS


def map_headers(headers: Sequence[str | None], *, row: int = HEADER_ROW) -> HeaderMap:
    """Map a header row; every unknown, repeated or missing column is a problem located on that row."""
    columns: list[str | None] = []
    problems: list[FieldProblem] = []
    unnamed: set[int] = set()
    first_position: dict[str, int] = {}
    texts = tuple("" if h is None else str(h) for h in headers)
    for position, text in enumerate(texts, start=1):
        key = normalise_header(text)
        column = HEADER_LOOKUP.get(key)
        if column is None:
            if not text.strip():
                unnamed.add(position - 1)
            elif not _is_ignored(text, key):
                problems.append(
                    FieldProblem(text, "unknown_column", f"column {position}: not a known column", row, text)
                )
            columns.append(None)
        elif column in first_position:
            message = f"columns {first_position[column]} and {position} both mean {column}"
            problems.append(FieldProblem(column, "duplicate_column", message, row, text))
            columns.append(None)
        else:
            first_position[column] = position
            columns.append(column)
    if not first_position and len(problems) > 1:
        # A row naming none of our columns is data, not a header: echoing its cells would leak personal data.
        message = "no header row: the first row names none of the known columns (see an exported list)"
        problems = [FieldProblem("header", "no_header", message, row, None)]
    for column in REQUIRED_COLUMNS:
        if column not in first_position:
            problems.append(
                FieldProblem(column, "missing_column", "this required column is missing", row, column)
            )
    return HeaderMap(tuple(columns), texts, tuple(problems), frozenset(unnamed))
