"""Rebuild surnames_tail.json from the names-translator surname dictionary (provenance; not used at run time).

Run from the repository root: `.venv/bin/python src/homebound/synthetic/data/extract_tail.py`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from names_translator.dicts import NameDicts

HERE = Path(__file__).parent
SEED = 20240511
UKRAINIAN_TAIL, RUSSIAN_TAIL = 14_000, 7_000
RUSSIAN_TYPE = re.compile(r"(ов|ев|єв|ін|їн)$")
FEMININE = re.compile(r"(ова|ева|єва|іна|їна|ська|цька|зька|ая|яя)$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Distinctive surnames of public figures, left out of the tail: dictionary keys, and Russian translations.
PUBLIC_KEYS = _words(
    """зеленський порошенко путін шойгу кличко залужний буданов сирський пригожин кадиров навальний янукович
    кучма медведчук лубінець лукашенко резніков рєзніков суровікін мішустін бортніков пєсков песков москальков
    умєров умеров єрмак стефанчук арахамія сибіга кулеба патрушев наришкін мединський"""
)
PUBLIC_RUSSIAN = _words(
    """зеленский порошенко путин шойгу кличко залужный буданов сырский пригожин кадыров навальный янукович
    кучма медведчук лубинец лукашенко резников суровикин мишустин бортников песков москальков умеров ермак
    стефанчук арахамия сибига кулеба патрушев нарышкин мединский"""
)


def _keep(key: str, pool: dict[str, list[str]], known: set[str]) -> bool:
    if not re.fullmatch(r"[а-щьюяіїєґ']{4,14}", key) or FEMININE.search(key) or key in known:
        return False
    if key.endswith("на") and key[:-1] + "ий" in pool:  # feminine adjective: Заболотна
        return False
    if key.endswith("ня") and key[:-1] + "ій" in pool:
        return False
    return "'" not in key[:2] and key.count("'") <= 1 and key not in PUBLIC_KEYS


def main() -> None:
    pool = NameDicts().as_dict("last")
    top = json.loads((HERE / "surnames_top.json").read_text(encoding="utf-8"))
    known = {uk.lower() for uk, _ in top["ukrainian"]} | {uk.lower() for _, uk in top["russian"]}
    top_russian = {ru for ru, _ in top["russian"]} | {ru for _, ru in top["ukrainian"]}
    ukrainian, russian, seen = [], [], set()
    for key in sorted(pool):
        ru = pool[key][0]
        if (
            not _keep(key, pool, known)
            or ru.lower() in PUBLIC_RUSSIAN
            or not re.fullmatch(r"[А-Яа-яЁё]+", ru)
        ):
            continue
        uk = key[0].upper() + key[1:]
        if RUSSIAN_TYPE.search(key):
            if re.search(r"(ов|ев|ин|ын)$", ru) and ru not in top_russian and ru not in seen:
                seen.add(ru)
                russian.append([uk, ru])
        elif not re.search(r"(?<=[бвгдзклмнпрстфхц])є", key):  # є after a consonant: a Russian-style spelling
            ukrainian.append([uk, ru])
    rng = random.Random(SEED)  # noqa: S311 - a reproducible sample, not a secret
    ukrainian = rng.sample(ukrainian, UKRAINIAN_TAIL)
    russian = [[ru, uk] for uk, ru in rng.sample(russian, RUSSIAN_TAIL)]
    entries = [",\n".join(json.dumps(e, ensure_ascii=False) for e in part) for part in (ukrainian, russian)]
    lines = ['{"ukrainian": [', entries[0], '],\n"russian": [', entries[1], "]}"]
    (HERE / "surnames_tail.json").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
