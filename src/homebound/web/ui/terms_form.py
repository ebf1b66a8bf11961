"""The terms forms (counter-proposal, composition) read into the terms document the API takes, checked by
the one parser every edge uses (`web.schemas.terms.parse_terms`), and its problems placed beside the form
fields they concern, by the path each problem names.

The form only reads its own text into the document's shape ("6/6, 4/4" into two tranches); every limit and
rule is the parser's, the same for the API, the CLI and this page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from homebound.core.errors import FieldProblem
from homebound.core.exchange.terms import Terms
from homebound.web.schemas.terms import parse_terms
from homebound.web.ui.i18n import N_, Translator

# The categories the counter-proposal form can switch on or off; others in the terms are kept as they are.
STANDARD_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("seriously_wounded_or_sick", N_("seriously wounded or sick")),
    ("civilians", N_("civilians")),
    ("women", N_("women")),
    ("long_captivity", N_("long captivity")),
)
CUSTODY_RULES: tuple[tuple[str, str], ...] = (
    ("either", N_("the holding party or the ICRC")),
    ("holding_party", N_("the holding party")),
    ("icrc", N_("the ICRC")),
    ("both", N_("both the holding party and the ICRC")),
)
PRIORITY_CRITERIA: tuple[tuple[str, str], ...] = (
    ("medical_severity", N_("medical severity")),
    ("captivity_length", N_("length of captivity")),
    ("categories", N_("agreed categories")),
)
FORMULAS: tuple[tuple[str, str], ...] = (
    ("n_for_n", N_("N for N")),
    ("declared_ratio", N_("declared package (A for B)")),
    ("weighted_equivalence", N_("weighted equivalence (1862 Dix–Hill points)")),
)
# What a form field wants, said when the parser refuses what was typed there (the core's own objections,
# tranches that do not add up for instance, are shown as the core words them).
HINTS: dict[str, str] = {
    "reference_date": N_("Write a date."),
    "max_persons": N_("Write a number of persons, 1 or more, or leave it empty."),
    "tranches": N_("Write tranches as 6/6, 4/4."),
    "declared_a": N_("A declared package names how many each side releases."),
    "long_captivity_days": N_("Write a number of days, 1 or more."),
    "all_for_all": N_("All for all needs that category among the agreed ones."),
    "parity_category": N_("The parity lists can be drawn only from a category among the agreed ones."),
    "eligibility": N_("Choose a custody rule and the gates."),
    "priority": N_("Rank each priority criterion once."),
}


@dataclasses.dataclass(frozen=True)
class TermsForm:
    reference_date: str
    formula: str
    declared_a: str
    declared_b: str
    max_persons: str
    tranches: str
    categories: tuple[str, ...]
    long_captivity_days: str
    all_for_all: str
    parity_category: str = ""  # draw the parity lists from this category only
    gates: tuple[str, str, str] | None = None  # custody rule, identity gate, interview gate ("on"/"off")
    priority: tuple[str, ...] | None = None  # criteria, most important first; None: as they were
    priority_categories: tuple[str, ...] = ()  # categories that rank priority, in order


def tranche_documents(text: str) -> list[dict[str, Any]] | None:
    """'6/6, 4/4' -> two tranches (counts as typed: the parser checks them); None if it is not that shape."""
    tranches: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        a, slash, b = part.partition("/")
        if not slash or not a.strip() or not b.strip():
            return None
        tranches.append({"a_count": a.strip(), "b_count": b.strip()})
    return tranches


def _parity(form: TermsForm) -> dict[str, Any]:
    if form.formula == "declared_ratio":
        return {"kind": "declared_ratio", "a_count": form.declared_a, "b_count": form.declared_b}
    if form.formula == "weighted_equivalence":
        return {"kind": "weighted_equivalence"}
    return {"kind": "n_for_n"}


def _categories(old: Sequence[Mapping[str, Any]], form: TermsForm) -> list[dict[str, Any]]:
    standard = {key for key, _ in STANDARD_CATEGORIES}
    chosen: list[dict[str, Any]] = []
    for key in form.categories:
        if key == "long_captivity":
            chosen.append({"kind": key, "more_than_days": form.long_captivity_days or None})
        else:
            chosen.append({"kind": key})
    return [*chosen, *(dict(c) for c in old if c.get("key") not in standard)]


def counter_document(old: Mapping[str, Any], form: TermsForm) -> dict[str, Any] | None:
    """The terms document of the version on screen with the parts the form changes (None: the tranches are
    not written as the form asks)."""
    tranches = tranche_documents(form.tranches)
    if tranches is None:
        return None
    categories = _categories(old.get("categories", []), form)
    keys = {c.get("key", c["kind"]) for c in categories}
    formulas = [_parity(form)]
    if form.all_for_all:
        formulas.append({"kind": "all_for_all", "category": form.all_for_all})
    formulas += [
        dict(f)
        for f in old.get("formulas", [])
        if f.get("kind") == "humanitarian" and f.get("category") in (None, *keys)
    ]
    priority = dict(old.get("priority") or {})
    priority["categories"] = [k for k in priority.get("categories", []) if k in keys]
    if form.priority is not None:
        priority["criteria"] = list(form.priority)
        priority["categories"] = [k for k in form.priority_categories if k in keys]
    eligibility = dict(old.get("eligibility") or {})
    if form.gates is not None:
        custody, identity, interview = form.gates
        eligibility = {"custody": custody, "require_confirmed_identity": identity != "off",
                       "require_will_interview": interview != "off"}  # fmt: skip
    return {
        **old,
        "reference_date": form.reference_date,
        "formulas": formulas,
        "max_persons": form.max_persons or None,
        "categories": categories,
        "priority": priority,
        "tranches": tranches,
        "outside_parity_tranche": min(old.get("outside_parity_tranche", 0), max(len(tranches) - 1, 0)),
        "parity_category": form.parity_category or None,
        **({"eligibility": eligibility} if eligibility else {}),
    }


def _form_field(problem: FieldProblem, form: TermsForm, document: Mapping[str, Any]) -> str:
    """The form field a problem of the terms document concerns, from the path the parser gives."""
    parts = problem.field.split(".")[1:]  # after "terms"
    head = parts[0] if parts else ""
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if head == "formulas":
        kind = document["formulas"][index]["kind"] if index is not None else None
        if kind == "all_for_all":
            return "all_for_all"
        return "declared_a" if form.formula == "declared_ratio" else "formula"
    if head == "categories":
        kind = document["categories"][index]["kind"] if index is not None else None
        return "long_captivity_days" if kind == "long_captivity" else "formula"
    if head in ("tranches", "outside_parity_tranche"):
        return "tranches"
    if head in ("reference_date", "max_persons", "parity_category", "eligibility", "priority"):
        return head
    return "formula"


def form_errors(
    problems: Sequence[FieldProblem], form: TermsForm, document: Mapping[str, Any], t: Translator
) -> dict[str, str]:
    """Each problem beside its form field: the field's hint for what the parser could not read, the core's
    own words for a rule the terms break."""
    errors: dict[str, str] = {}
    for problem in problems:
        name = _form_field(problem, form, document)
        core_rule = "." in problem.code  # the core's codes are dotted; the schema's are not
        text = problem.message if core_rule or name not in HINTS else t.gettext(HINTS[name])
        errors.setdefault(name, text)
    return errors


def new_terms(old: Mapping[str, Any], form: TermsForm, t: Translator) -> tuple[Terms | None, dict[str, str]]:
    """The terms of the version on screen (its terms document) with the parts the form changes; each
    problem named by form field."""
    document = counter_document(old, form)
    if document is None:
        return None, {"tranches": t.gettext(HINTS["tranches"])}
    terms, problems = parse_terms(document)
    if terms is None:
        return None, form_errors(problems, form, document, t)
    return terms, {}


def form_defaults(document: Mapping[str, Any]) -> dict[str, Any]:
    """The counter-proposal form starts from the terms of the version on screen."""
    terms = document.get("terms") or {}
    formulas = terms.get("formulas", [])
    parity = next((f for f in formulas if f["kind"] in {k for k, _ in FORMULAS}), {"kind": "n_for_n"})
    keys = {c["key"] for c in terms.get("categories", [])}
    long = next((c for c in terms.get("categories", []) if c["kind"] == "long_captivity"), None)
    all_for_all = next((f["category"] for f in formulas if f["kind"] == "all_for_all"), "")
    return {
        "reference_date": terms.get("reference_date", ""),
        "formula": parity["kind"],
        "declared_a": parity.get("a_count", ""),
        "declared_b": parity.get("b_count", ""),
        "max_persons": terms.get("max_persons") or "",
        "tranches": ", ".join(f"{x['a_count']}/{x['b_count']}" for x in terms.get("tranches", [])),
        "categories": sorted(keys),
        "long_captivity_days": (long or {}).get("more_than_days") or 365,
        "all_for_all": all_for_all,
        "parity_category": terms.get("parity_category") or "",
    }
