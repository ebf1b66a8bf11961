"""Patronymics from a father's given name, Ukrainian and Russian rules with hand-checked exceptions.

Used only by tools/build_names.py (offline); the runtime reads the patronymics from given_names.json.
"""

from __future__ import annotations

from homebound.core.matching.normalize import normalize_name

# Irregular patronymics, checked by hand: given name → (male forms, female forms).
UK_IRREGULAR: dict[str, tuple[list[str], list[str]]] = {
    "микола": (["Миколайович"], ["Миколаївна"]),
    "ілля": (["Ілліч"], ["Іллівна"]),
    "кузьма": (["Кузьмич"], ["Кузьмівна"]),
    "лука": (["Лукич"], ["Луківна"]),
    "хома": (["Хомич", "Хомович"], ["Хомівна"]),
    "яків": (["Якович"], ["Яківна"]),
    "федір": (["Федорович"], ["Федорівна"]),
    "сидір": (["Сидорович"], ["Сидорівна"]),
    "прокіп": (["Прокопович"], ["Прокопівна"]),
    "лев": (["Левович", "Львович"], ["Левівна", "Львівна"]),
    "григорій": (["Григорович", "Григорійович"], ["Григорівна", "Григоріївна"]),
    "василь": (["Васильович"], ["Василівна", "Васильївна"]),
    "антін": (["Антонович"], ["Антонівна"]),
}
RU_IRREGULAR: dict[str, tuple[list[str], list[str]]] = {
    "лев": (["Львович"], ["Львовна"]),
    "павел": (["Павлович"], ["Павловна"]),
    "петр": (["Петрович"], ["Петровна"]),
    "яков": (["Яковлевич", "Якович"], ["Яковлевна"]),
    "михаил": (["Михайлович"], ["Михайловна"]),
    "даниил": (["Даниилович", "Данилович"], ["Данииловна", "Даниловна"]),
    "гавриил": (["Гавриилович", "Гаврилович"], ["Гаврииловна", "Гавриловна"]),
    "илья": (["Ильич"], ["Ильинична"]),
    "кузьма": (["Кузьмич"], ["Кузьминична"]),
    "фома": (["Фомич"], ["Фоминична"]),
    "лука": (["Лукич"], ["Лукинична"]),
    "никита": (["Никитич"], ["Никитична"]),
    "савва": (["Саввич"], ["Саввична"]),
    "данила": (["Данилович"], ["Даниловна"]),
    "гаврила": (["Гаврилович"], ["Гавриловна"]),
    "дмитрий": (["Дмитриевич"], ["Дмитриевна"]),
    "георгий": (["Георгиевич"], ["Георгиевна"]),
}


def ukrainian_patronymics(name: str) -> tuple[list[str], list[str]]:
    """Male and female Ukrainian patronymics from a father's Ukrainian given name (first = primary)."""
    n = normalize_name(name)
    if n in UK_IRREGULAR:
        male, female = UK_IRREGULAR[n]
        return [normalize_name(m) for m in male], [normalize_name(f) for f in female]
    if n.endswith("ій"):
        return [n[:-2] + "ійович"], [n[:-2] + "іївна"]
    if n.endswith("й"):
        return [n + "ович"], [n[:-1] + "ївна"]
    if n.endswith("ь"):
        return [n + "ович"], [n[:-1] + "івна", n[:-1] + "ьївна"]
    if n.endswith(("о", "а", "я")):
        return [n[:-1] + "ович"], [n[:-1] + "івна"]
    return [n + "ович"], [n + "івна"]


def russian_patronymics(name: str) -> tuple[list[str], list[str]]:  # noqa: PLR0911 - one rule per ending
    """Male and female Russian patronymics from a father's Russian given name (first = primary)."""
    n = normalize_name(name)
    if n in RU_IRREGULAR:
        male, female = RU_IRREGULAR[n]
        return [normalize_name(m) for m in male], [normalize_name(f) for f in female]
    if n.endswith("ий"):
        stem = n[:-2]
        return [stem + "ьевич", stem + "иевич"], [stem + "ьевна", stem + "иевна"]
    if n.endswith(("ей", "ай")):
        return [n[:-1] + "евич"], [n[:-1] + "евна"]
    if n.endswith("ь"):
        # Игорь → Игоревич, but Эмиль → Эмильевич: after л the soft sign stays.
        hard, soft = n[:-1], n
        first, second = (soft, hard) if n.endswith("ль") else (hard, soft)
        return [first + "евич", second + "евич"], [first + "евна", second + "евна"]
    if n.endswith(("а", "я")):
        stem = n[:-1]
        return [stem + "ич", stem + "ович"], [stem + "ична", stem + "овна"]
    if n.endswith(("ж", "ш", "ч", "щ", "ц")):
        return [n + "евич"], [n + "евна"]
    return [n + "ович"], [n + "овна"]
