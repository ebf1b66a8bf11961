"""Build given_names.json from our hand-checked table and names-translator's uk→ru tables (offline tool).

Run from the repository root::

    PYTHONPATH=src:. .venv/bin/python tools/build_names.py

Never imported at runtime: the runtime reads only the JSON it writes. Rebuild whenever hand_names.tsv,
the patronymic rules below or ``normalize_name`` change.
"""

from __future__ import annotations

import datetime
import json
import sys
import unicodedata
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import translitua as tu
from names_translator.dicts import default_dicts

from homebound.core.matching.normalize import normalize_name
from tools.patronymic_rules import russian_patronymics, ukrainian_patronymics

HERE = Path(__file__).resolve().parents[1] / "src" / "homebound" / "core" / "matching" / "data"
HAND_TABLE = HERE / "hand_names.tsv"
OUTPUT = HERE / "given_names.json"

Table = type[tu.TransliterationTable]
# Tables whose output is seen in passports, consular and mediator lists; the scholarly ISO 9 tables
# and the combining-breve ALA-LC variant are left out.
UK_TABLES_ALL: tuple[Table, ...] = (
    tu.UkrainianKMU,
    tu.UkrainianPassport2007,
    tu.UkrainianPassport2004Alt,
    tu.UkrainianNational1996,
    tu.UkrainianBGN,
    tu.UkrainianGOST1986,
    tu.UkrainianGOST1971,
    tu.UkrainianSimple,
    tu.UkrainianWWS,
    tu.UkrainianBritish,
    tu.UkrainianFrench,
    tu.UkrainianGerman,
    tu.UkrainianDSTU9112B,
    tu.UkrainianALALCModified,
)
RU_TABLES_ALL: tuple[Table, ...] = (
    tu.RussianGOST2006,
    tu.RussianICAO,
    tu.RussianInternationalPassport1997,
    tu.RussianInternationalPassport1997Reduced,
    tu.RussianDriverLicense,
    tu.RussianTelegram,
    tu.RussianSimple,
    tu.RussianISO9SystemB,
    tu.UkrainianKMU,
)
UK_TABLES_FEW: tuple[Table, ...] = (tu.UkrainianKMU, tu.UkrainianPassport2007, tu.UkrainianNational1996)
RU_TABLES_FEW: tuple[Table, ...] = (tu.RussianGOST2006, tu.RussianICAO, tu.RussianInternationalPassport1997)

FULL, DIMINUTIVE = "full", "dim"


@dataclass
class NameClass:
    """One given name across languages: its Cyrillic forms and where they came from."""

    class_id: str
    sex: str
    uk: list[str]
    ru: list[str]
    latin: list[str] = field(default_factory=list)
    diminutives: list[str] = field(default_factory=list)
    source: str = "hand"


@dataclass
class FormIndex:
    """Normalised spelling → classes it belongs to, in priority order (hand-checked classes first)."""

    forms: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, spelling: str, class_id: str, kind: str, *, yield_to_hand: set[str] | None = None) -> None:
        key = normalize_name(spelling)
        if not key:
            return
        owners = self.forms.setdefault(key, {})
        if yield_to_hand is not None and any(owner in yield_to_hand for owner in owners):
            return
        # A full form beats a diminutive reading of the same spelling within one class.
        if owners.get(class_id) != FULL:
            owners[class_id] = kind

    def owners(self, spelling: str) -> dict[str, str]:
        return self.forms.get(normalize_name(spelling), {})


def split_cell(cell: str) -> list[str]:
    return [value.strip() for value in cell.split("|") if value.strip()]


def read_hand_table(path: Path) -> list[NameClass]:
    classes: list[NameClass] = []
    for line in path.read_text(encoding="utf8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        class_id, sex, uk, ru, latin, diminutives = line.split("\t")
        forms = split_cell(uk), split_cell(ru), split_cell(latin), split_cell(diminutives)
        classes.append(NameClass(class_id, sex, *forms))
    ids = [c.class_id for c in classes]
    if len(ids) != len(set(ids)):
        sys.exit("duplicate class ids in hand_names.tsv")
    return classes


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def latin_spellings(cyrillic: str, tables: tuple[Table, ...]) -> set[str]:
    spellings: set[str] = set()
    for table in tables:
        latin = str(tu.translit(cyrillic, table))
        spellings.add(latin)
        spellings.add(ascii_fold(latin))
    return spellings


# --- patronymics ----------------------------------------------------------------------------------
@dataclass
class PatronymicSource:
    """names-translator's patronymic table: Ukrainian key → Russian translations (normalised)."""

    uk_to_ru: dict[str, list[str]]
    ru_forms: set[str]


def load_patronymic_source() -> PatronymicSource:
    raw = default_dicts().as_dict("patronymic")
    uk_to_ru: dict[str, list[str]] = {}
    for uk, ru_list in raw.items():
        key = normalize_name(uk)
        if key and is_cyrillic_word(key):
            bucket = uk_to_ru.setdefault(key, [])
            bucket.extend(r for r in map(normalize_name, ru_list) if r and r not in bucket)
    ru_forms = {r for values in uk_to_ru.values() for r in values}
    return PatronymicSource(uk_to_ru, ru_forms)


def is_cyrillic_word(text: str) -> bool:
    return all("а" <= ch <= "я" or ch in "іїєґ-" for ch in text)


def choose(candidates: list[str], known: set[str] | dict[str, list[str]], *, keep_primary: bool) -> list[str]:
    """Candidates the data confirms; the primary rule output too when hand-checked and none is confirmed."""
    confirmed = [c for c in candidates if c in known]
    if not confirmed and keep_primary and candidates:
        return candidates[:1]
    return confirmed


def patronymic_forms(
    name_class: NameClass, source: PatronymicSource
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Ukrainian and Russian patronymics of a class, per sex ("m", "f")."""
    hand = name_class.source == "hand"
    uk_forms: dict[str, list[str]] = {"m": [], "f": []}
    ru_forms: dict[str, list[str]] = {"m": [], "f": []}
    for index, uk in enumerate(name_class.uk):
        for sex, candidates in zip("mf", ukrainian_patronymics(uk), strict=True):
            for form in choose(candidates, source.uk_to_ru, keep_primary=hand and index == 0):
                uk_forms[sex].append(form)
                ru_forms[sex].extend(source.uk_to_ru.get(form, []))
    for index, ru in enumerate(name_class.ru):
        for sex, candidates in zip("mf", russian_patronymics(ru), strict=True):
            ru_forms[sex].extend(choose(candidates, source.ru_forms, keep_primary=hand and index == 0))
    dedupe = {sex: list(dict.fromkeys(forms)) for sex, forms in uk_forms.items()}
    return dedupe, {sex: list(dict.fromkeys(forms)) for sex, forms in ru_forms.items()}


# --- names-translator first names → classes -------------------------------------------------------
class LabelledUnionFind:
    """Union-find over spellings that refuses to join two different hand-checked classes."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.parent: dict[str, str] = {}
        self.labels = dict(labels)
        self.refused: list[tuple[str, str]] = []

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, left: str, right: str) -> None:
        a, b = self.find(left), self.find(right)
        if a == b:
            return
        label_a, label_b = self.labels.get(a), self.labels.get(b)
        if label_a and label_b and label_a != label_b:
            self.refused.append((left, right))
            return
        self.parent[b] = a
        if label_b and not label_a:
            self.labels[a] = label_b

    def groups(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        for node in sorted(self.parent):
            members.setdefault(self.find(node), []).append(node)
        return members


def class_id_for(canonical: str, taken: set[str]) -> str:
    base = ascii_fold(str(tu.translit(canonical, tu.UkrainianKMU))).lower()
    base = "".join(ch for ch in base if ch.isalnum() or ch == "-") or "name"
    class_id, suffix = base, 2
    while class_id in taken:
        class_id, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(class_id)
    return class_id


def merge_first_names(hand: list[NameClass]) -> tuple[list[NameClass], LabelledUnionFind]:
    """Join names-translator's uk→ru first-name pairs to the hand classes, or into new classes."""
    by_id = {c.class_id: c for c in hand}
    hand_full = {normalize_name(f): c.class_id for c in hand for f in c.uk + c.ru}
    hand_any = set(hand_full) | {normalize_name(f) for c in hand for f in c.diminutives + c.latin}
    finder = LabelledUnionFind(hand_full)
    for form in hand_full:
        finder.find(form)
    uk_nodes: set[str] = set()
    ru_nodes: set[str] = set()

    def usable(form: str) -> bool:
        return bool(form) and is_cyrillic_word(form) and (form in hand_full or form not in hand_any)

    for uk, ru_list in default_dicts().as_dict("first").items():
        u = normalize_name(uk)
        if not usable(u):
            continue
        uk_nodes.add(u)
        finder.find(u)
        for v in map(normalize_name, ru_list):
            if usable(v):
                ru_nodes.add(v)
                finder.union(u, v)
    taken = set(by_id)
    auto: list[NameClass] = []
    for root, members in finder.groups().items():
        label = finder.labels.get(root)
        uk = [m for m in members if m in uk_nodes]
        ru = [m for m in members if m in ru_nodes]
        if label:
            target = by_id[label]
            known = {normalize_name(f) for f in target.uk + target.ru}
            target.uk.extend(m for m in uk if m not in known)
            target.ru.extend(m for m in ru if m not in known)
        elif uk:
            uk.sort(key=lambda m: (len(m), m))
            auto.append(NameClass(class_id_for(uk[0], taken), "u", uk, ru, source="names-translator"))
    return auto, finder


# --- assembling the index -------------------------------------------------------------------------
def add_given_forms(index: FormIndex, name_class: NameClass, hand_ids: set[str]) -> None:
    hand = name_class.source == "hand"
    uk_tables, ru_tables = (UK_TABLES_ALL, RU_TABLES_ALL) if hand else (UK_TABLES_FEW, RU_TABLES_FEW)
    yield_to = None if hand else hand_ids
    cid = name_class.class_id
    for forms, tables in ((name_class.uk, uk_tables), (name_class.ru, ru_tables)):
        for form in forms:
            for spelling in (form, *sorted(latin_spellings(form, tables))):
                index.add(spelling, cid, FULL, yield_to_hand=yield_to)
    for spelling in name_class.latin:
        index.add(spelling, cid, FULL, yield_to_hand=yield_to)
    for diminutive in name_class.diminutives:
        spellings = {diminutive}
        if not diminutive.isascii():
            spellings |= latin_spellings(diminutive, UK_TABLES_ALL + RU_TABLES_ALL)
        for spelling in sorted(spellings):
            index.add(spelling, cid, DIMINUTIVE, yield_to_hand=yield_to)


def add_patronymic_forms(
    index: FormIndex, name_class: NameClass, source: PatronymicSource, hand_ids: set[str]
) -> dict[str, list[str]]:
    """Index the class's patronymics; return the hand-checked ones no data confirmed, for review."""
    hand = name_class.source == "hand"
    if name_class.sex == "f":
        return {}
    uk_tables, ru_tables = (UK_TABLES_ALL, RU_TABLES_ALL) if hand else (UK_TABLES_FEW[:1], RU_TABLES_FEW[:2])
    yield_to = {f"{h}:{s}" for h in hand_ids for s in "mf"} if not hand else None
    uk_forms, ru_forms = patronymic_forms(name_class, source)
    unconfirmed: dict[str, list[str]] = {}
    for sex in "mf":
        pid = f"{name_class.class_id}:{sex}"
        for forms, tables in ((uk_forms[sex], uk_tables), (ru_forms[sex], ru_tables)):
            for form in forms:
                if hand and form not in source.uk_to_ru and form not in source.ru_forms:
                    unconfirmed.setdefault(pid, []).append(form)
                for spelling in (form, *sorted(latin_spellings(form, tables))):
                    index.add(spelling, pid, FULL, yield_to_hand=yield_to)
    return unconfirmed


def split_by_kind(index: FormIndex, kind: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for form in sorted(index.forms):
        owners = [cid for cid, k in index.forms[form].items() if k == kind]
        if owners:
            out[form] = owners
    return out


def header(hand: list[NameClass], auto: list[NameClass], refused: int) -> dict[str, object]:
    male = sum(c.sex == "m" for c in hand)
    return {
        "title": "Homebound given-name and patronymic classes (Ukrainian, Russian, Latin)",
        "format_version": 1,
        "built": datetime.date.today().isoformat(),
        "builder": "tools/build_names.py",
        "keys": "spellings normalised by homebound.core.matching.normalize.normalize_name",
        "sources": [
            {
                "name": "hand_names.tsv (this folder)",
                "licence": "Apache-2.0 (Homebound)",
                "hand_checked": (
                    f"{male} male and {len(hand) - male} female classes: Ukrainian and Russian forms, "
                    "Latin spellings no table gives, diminutives; irregular patronymics (UK_IRREGULAR, "
                    "RU_IRREGULAR in the builder). Each class has a row in tests/core/matching/test_names.py."
                ),
            },
            {
                "name": "names-translator",
                "version": metadata.version("names-translator"),
                "licence": "MIT",
                "url": "https://github.com/dchaplinsky/names-translator",
                "used": "first-name and patronymic Ukrainian→Russian tables (first.dawg, patronymic.dawg)",
                "not_checked_by_hand": f"{len(auto)} further classes taken as they are",
                "refused_links": refused,
            },
            {
                "name": "translitua",
                "version": metadata.version("translitua"),
                "licence": "MIT",
                "url": "https://github.com/dchaplinsky/translit-ua",
                "used": "Latin spellings of every Cyrillic form under KMU 2010, passport, BGN, GOST, ICAO "
                "and other tables (see UK_TABLES_* and RU_TABLES_* in the builder)",
            },
        ],
    }


def review(hand: list[NameClass], given: FormIndex, unconfirmed: dict[str, list[str]]) -> None:
    """Print what a person should look at after a rebuild."""
    hand_ids = {c.class_id for c in hand}
    shared = {
        form: owners
        for form, owners in given.forms.items()
        if len([o for o in owners if o in hand_ids and owners[o] == FULL]) > 1
    }
    print(f"full spellings shared by two hand classes: {len(shared)}")
    for form, owners in sorted(shared.items()):
        print(f"  {form}: {owners}")
    print(f"hand patronymics no data confirmed: {sum(map(len, unconfirmed.values()))}")
    for pid, forms in sorted(unconfirmed.items()):
        print(f"  {pid}: {', '.join(forms)}")
    for name_class in hand:
        print(f"  {name_class.class_id}: uk={name_class.uk} ru={name_class.ru}")


def build() -> dict[str, object]:
    hand = read_hand_table(HAND_TABLE)
    hand_ids = {c.class_id for c in hand}
    auto, finder = merge_first_names(hand)
    given = FormIndex()
    for name_class in hand + auto:
        add_given_forms(given, name_class, hand_ids)
    source = load_patronymic_source()
    patronymics = FormIndex()
    unconfirmed: dict[str, list[str]] = {}
    for name_class in hand + auto:
        unconfirmed.update(add_patronymic_forms(patronymics, name_class, source, hand_ids))
    review(hand, given, unconfirmed)
    print(f"refused names-translator links: {finder.refused}")
    return {
        "header": header(hand, auto, len(finder.refused)),
        "classes": {
            c.class_id: {"sex": c.sex, "uk": c.uk, "ru": c.ru, "source": c.source} for c in hand + auto
        },
        "given_names": split_by_kind(given, FULL),
        "diminutives": split_by_kind(given, DIMINUTIVE),
        "patronymics": split_by_kind(patronymics, FULL),
    }


def main() -> None:
    document = build()
    OUTPUT.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf8")
    sizes = {k: len(v) for k, v in document.items() if isinstance(v, dict) and k != "header"}
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes): {sizes}")


if __name__ == "__main__":
    main()
