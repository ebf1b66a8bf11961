"""The negotiating side of the agreement editor: amendments (add, remove, replace a named person, each with
its reason), counter-proposals of the terms, the differences between any two versions, and re-entering the
password (and code) before a binding step. A refused form comes back with its values and each problem
beside its field; nothing is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import DomainError, ValidationFailed
from homebound.core.exchange.agreement import AddPerson, Amendment, RemovePerson, ReplacePerson
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.categories import (
    Category,
    Civilians,
    LongCaptivity,
    SeriouslyWoundedOrSick,
    Women,
)
from homebound.core.exchange.documents import listed_from_document, terms_from_document
from homebound.core.exchange.errors import ExchangeError
from homebound.core.exchange.formula import (
    AllForAllInCategory,
    DeclaredRatio,
    Formula,
    ListedPerson,
    NForN,
    WeightedEquivalence,
)
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.services import agreement_views as views
from homebound.services import agreements, registry
from homebound.services.sign_in import Reauthentication
from homebound.web.deps import Uows
from homebound.web.numbers import MAX_VERSION, is_plain_number
from homebound.web.ui.i18n import N_, Translator
from homebound.web.ui.render import UiRoute, redirect, render
from homebound.web.ui.session import PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)
AMEND_ROWS = 4
MAX_TRANCHES = 10
# The categories the counter-proposal form can switch on or off; others in the terms are kept as they are.
STANDARD_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("seriously_wounded_or_sick", N_("seriously wounded or sick")),
    ("civilians", N_("civilians")),
    ("women", N_("women")),
    ("long_captivity", N_("long captivity")),
)
# How the parts of the terms, the kinds of version and of change read on the page (the stored keys stay).
TERM_LABELS: dict[str, str] = {
    "reference_date": N_("Reference date"),
    "formulas": N_("Formula"),
    "max_persons": N_("Persons under parity, both sides together"),
    "categories": N_("Categories defined in the agreement"),
    "tranches": N_("Tranches"),
    "priority": N_("Priority order"),
    "outside_parity_tranche": N_("Tranche for persons outside parity"),
    "eligibility": N_("Eligibility gates"),
    "red_lines": N_("Red lines"),
    "legal_hold_overrides": N_("Legal hold overrides"),
    "remains_formula": N_("Remains formula"),
}
KIND_LABELS: dict[str, str] = {
    "proposal": N_("proposal"),
    "counter_proposal": N_("counter-proposal"),
    "amendment": N_("amendment"),
    "added": N_("added"),
    "removed": N_("removed"),
    "replaced": N_("replaced"),
    "terms": N_("terms"),
}
FORMULAS: tuple[tuple[str, str], ...] = (
    ("n_for_n", N_("N for N")),
    ("declared_ratio", N_("declared package (A for B)")),
    ("weighted_equivalence", N_("weighted equivalence (1862 Dix–Hill points)")),
)


def person_labels(uows: Uows, actor: Actor, ids: Iterable[str]) -> dict[str, str]:
    """Names the actor may read, through the registry's own policy; anyone else stays a record number."""
    labels: dict[str, str] = {}
    for person_id in dict.fromkeys(ids):
        try:
            fields = registry.get_person(uows, actor, person_id).fields
        except DomainError:
            continue
        parts = (fields.family_name, fields.given_name, fields.patronymic)
        labels[person_id] = " ".join(p for p in parts if p)
    return labels


# --- re-authentication -----------------------------------------------------------------------------------


def binding_proof(password: str, totp_code: str) -> Reauthentication:
    """The password and, for an enrolled account, the code typed into a binding form (spaces dropped: apps
    show codes as "123 456"). The service checks them, throttled like sign-in, before the step."""
    return Reauthentication(password, "".join(totp_code.split()) or None)


def reauthentication_errors(t: Translator) -> dict[str, str]:
    return {"password": t.gettext("The password or the code is not right. Nothing was recorded.")}


# --- the agreement page ------------------------------------------------------------------------------------


def _formula_text(t: Translator, formula: Mapping[str, Any], parties: tuple[str, str]) -> str:
    kind = formula.get("kind")
    if kind == "n_for_n":
        return t.gettext("N for N")
    if kind == "declared_ratio":
        return t.gettext("%(a)d for %(b)d") % {"a": formula["a_count"], "b": formula["b_count"]}
    if kind == "weighted_equivalence":
        return t.gettext("weighted equivalence (points by rank class)")
    if kind == "all_for_all":
        return t.gettext("all for all: %(category)s") % {"category": formula["category"]}
    if kind == "humanitarian":
        side = parties[0] if formula.get("releasing_side") == "a" else parties[1]
        return t.gettext("humanitarian release by %(party)s") % {"party": side}
    return json.dumps(formula, ensure_ascii=False, sort_keys=True)


def term_text(t: Translator, key: str, value: Any, parties: tuple[str, str]) -> str:
    """One part of the terms as a reader says it (the stored document stays the reference)."""
    if value in (None, [], {}):
        return "—"
    if key == "formulas":
        return "; ".join(_formula_text(t, f, parties) for f in value)
    if key == "categories":
        return ", ".join(str(c.get("label") or c.get("key")) for c in value)
    if key == "tranches":
        return ", ".join(f"{x['a_count']}/{x['b_count']}" for x in value)
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def compare_documents(older: Mapping[str, Any], newer: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from one version document to another: terms by part, persons per releasing side."""
    old_terms, new_terms = older.get("terms", {}), newer.get("terms", {})
    terms = [
        (key, old_terms.get(key), new_terms.get(key))
        for key in sorted(set(old_terms) | set(new_terms))
        if old_terms.get(key) != new_terms.get(key)
    ]
    persons: dict[str, dict[str, list[str]]] = {}
    for side in ("a", "b"):
        before = [p["candidate_id"] for p in older.get(f"list_{side}", [])]
        after = [p["candidate_id"] for p in newer.get(f"list_{side}", [])]
        persons[side] = {
            "added": [i for i in after if i not in set(before)],
            "removed": [i for i in before if i not in set(after)],
        }
    return {"terms": terms, "persons": persons}


def _reasons(versions: Iterable[views.VersionView]) -> dict[tuple[str, str], str]:
    """(side, person) -> the reason given, the latest version's reason winning."""
    reasons: dict[tuple[str, str], str] = {}
    for version in versions:
        for change in version.changes:
            for person in (change.get("candidate_id"), change.get("replacement_id")):
                if person and change.get("side"):
                    reasons[(str(change["side"]), str(person))] = str(change.get("reason") or "")
    return reasons


def may_negotiate(actor: Actor, agreement: views.AgreementView) -> bool:
    if agreement.content_hash:
        return False
    if can(actor, Permission.ANY_AGREEMENT_MANAGE):
        return True
    return can(actor, Permission.PARTY_AGREEMENT_NEGOTIATE) and agreement.seat in ("party_a", "party_b")


def _comparison(
    uows: Uows,
    actor: Actor,
    agreement_id: str,
    versions: list[views.VersionView],
    number: int,
    against: int | None,
) -> dict[str, Any] | None:
    numbers = [v.number for v in versions]
    if against is None or against not in numbers or against == number:
        return None
    low, high = sorted((against, number))
    older = views.get_version(uows, actor, agreement_id, low).document or {}
    newer = views.get_version(uows, actor, agreement_id, high).document or {}
    between = [views.get_version(uows, actor, agreement_id, n) for n in numbers if low < n <= high]
    return {"from": low, "to": high, **compare_documents(older, newer), "reasons": _reasons(between)}


def _form_defaults(document: Mapping[str, Any]) -> dict[str, Any]:
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
    }


def page_context(
    uows: Uows,
    visit: Visit,
    agreement_id: str,
    chosen: int | None,
    against: int | None = None,
    *,
    errors: Mapping[str, str] | None = None,
    posted: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the agreement page shows: facts, versions, the chosen version with its changes and lists,
    a comparison with another version, and the forms the reader's seat may use."""
    actor = visit.signed_in().actor
    agreement = views.get_agreement(uows, actor, agreement_id)
    versions = views.list_versions(uows, actor, agreement_id)
    accepted_latest = {role for number, role in agreement.acceptances if number == agreement.latest_version}
    context: dict[str, Any] = {
        "agreement": agreement,
        "versions": versions,
        "manages": can(actor, Permission.ANY_AGREEMENT_MANAGE),
        "may_accept": can(actor, Permission.PARTY_AGREEMENT_ACCEPT)
        and agreement.seat in ("party_a", "party_b"),
        "accepted_latest": accepted_latest,
        "version": None,
        "lists": {},
        "names": {},
        "previous": None,
        "comparison": None,
        "terms_rows": [],
        "sees_latest": bool(versions) and versions[-1].number == agreement.latest_version,
        "may_negotiate": may_negotiate(actor, agreement),
        "errors": dict(errors or {}),
        "posted": dict(posted or {}),
        "amend_rows": range(1, AMEND_ROWS + 1),
        "formulas": FORMULAS,
        "standard_categories": STANDARD_CATEGORIES,
        "term_labels": TERM_LABELS,
        "kind_labels": KIND_LABELS,
        "second_factor": bool(visit.user and visit.user.second_factor),
        "today": dt.date.today().isoformat(),
        "back": "/agreements",
    }
    if not versions:
        return context
    numbers = [v.number for v in versions]
    number = chosen if chosen in numbers else numbers[-1]
    version = views.get_version(uows, actor, agreement_id, number)
    document = version.document or {}
    lists = {"a": document.get("list_a", []), "b": document.get("list_b", [])}
    comparison = _comparison(uows, actor, agreement_id, versions, number, against)
    ids = [p["candidate_id"] for side in lists.values() for p in side]
    ids += [c["candidate_id"] for c in version.changes if c.get("candidate_id")]
    ids += [c["replacement_id"] for c in version.changes if c.get("replacement_id")]
    if comparison:
        ids += [i for side in comparison["persons"].values() for group in side.values() for i in group]
    earlier = [n for n in numbers if n < number]
    parties = (agreement.party_a, agreement.party_b)
    terms = document.get("terms") or {}
    context.update(
        version=version,
        lists=lists,
        names=person_labels(uows, actor, ids),
        previous=earlier[-1] if earlier else None,
        comparison=comparison,
        terms_rows=[
            (key, term_text(visit.t, key, terms.get(key), parties))
            for key in ("reference_date", "formulas", "max_persons", "categories", "tranches")
        ],
        term_text=lambda key, value: term_text(visit.t, key, value, parties),
        defaults={**_form_defaults(document), **(posted or {})},
    )
    return context


def agreement_response(
    request: Request,
    uows: Uows,
    visit: Visit,
    agreement_id: str,
    chosen: int | None = None,
    against: int | None = None,
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    posted: Mapping[str, Any] | None = None,
) -> Response:
    context = page_context(uows, visit, agreement_id, chosen, against, errors=errors, posted=posted)
    return render(request, visit, "exchange/agreement.html", status=status, **context)


# --- amendments ---------------------------------------------------------------------------------------------


Listed = Mapping[str, tuple[str, ListedPerson]]


def _amendment(
    uows: Uows,
    actor: Actor,
    agreement_id: str,
    listed: Listed,
    n: int,
    row: tuple[str, str, str],
    t: Translator,
) -> tuple[Amendment | None, dict[str, str]]:
    """One filled row: a listed person alone is taken off, a record alone is put on, both together is a
    replacement; every change states its reason."""
    person, record, reason = row
    if not (person or record):
        return None, {f"person_{n}": t.gettext("Choose a person on the lists, or enter a record to add.")}
    if person and person not in listed:
        return None, {f"person_{n}": t.gettext("This person is not on the lists of this version.")}
    errors: dict[str, str] = {}
    if not reason:
        errors[f"reason_{n}"] = t.gettext("Every change states its reason.")
    incoming: tuple[str, str] | None = None
    if record:
        try:
            incoming = views.find_held_record(uows, actor, agreement_id, record, field=f"record_{n}")
        except ValidationFailed:
            errors[f"record_{n}"] = t.gettext("No held record of either party has this number or ID.")
    if person and incoming and incoming[1] != listed[person][0]:
        errors[f"record_{n}"] = t.gettext("A replacement is released by the same side.")
    if errors:
        return None, errors
    if person and incoming:
        return ReplacePerson(Side(listed[person][0]), person, ListedPerson(incoming[0]), reason), {}
    if person:
        return RemovePerson(Side(listed[person][0]), person, reason), {}
    assert incoming is not None
    return AddPerson(Side(incoming[1]), ListedPerson(incoming[0]), reason), {}


def _amendments(
    uows: Uows,
    actor: Actor,
    agreement_id: str,
    document: Mapping[str, Any],
    rows: list[tuple[str, str, str]],
    t: Translator,
) -> tuple[list[Amendment], dict[str, str]]:
    listed = {
        p["candidate_id"]: (side, listed_from_document(p))
        for side in ("a", "b")
        for p in document.get(f"list_{side}", [])
    }
    amendments: list[Amendment] = []
    errors: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if not any(row):
            continue
        amendment, problems = _amendment(uows, actor, agreement_id, listed, n, row, t)
        errors |= problems
        if amendment is not None:
            amendments.append(amendment)
    if not amendments and not errors:
        errors["person_1"] = t.gettext("Fill in at least one change.")
    return amendments, errors


def _service_errors(exc: ValidationFailed, fields: Mapping[str, str], fallback: str) -> dict[str, str]:
    """A service's field problems placed beside the form field they concern (else on `fallback`)."""
    placed: dict[str, str] = {}
    for problem in exc.problems:
        placed.setdefault(fields.get(problem.field, fallback), problem.message)
    return placed or {fallback: exc.message}


@router.post("/agreements/{agreement_id}/amend")
def amend(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    expected_version: Annotated[int, Form(ge=0, le=MAX_VERSION)],
    person: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006 - FastAPI reads the default
    record: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006
    reason: Annotated[list[str], Form(max_length=AMEND_ROWS)] = [],  # noqa: B006
    note: Annotated[str, Form(max_length=500)] = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    rows = [(_at(person, i)[:64], _at(record, i)[:64], _at(reason, i)[:200]) for i in range(AMEND_ROWS)]
    posted: dict[str, Any] = {
        f"{k}_{n}": v
        for n, row in enumerate(rows, 1)
        for k, v in zip(("person", "record", "reason"), row, strict=True)
    }
    posted |= {"amend_note": note, "share": share}
    current = views.get_version(uows, actor, agreement_id, expected_version) if expected_version else None
    document = current.document if current and current.document else {"list_a": [], "list_b": []}
    changes, errors = _amendments(uows, actor, agreement_id, document, rows, visit.t)
    if not errors:
        try:
            written = agreements.amend(
                uows,
                actor,
                agreement_id,
                changes,
                note=note.strip(),
                share=share,
                expected_version=expected_version,
            )
        except ValidationFailed as exc:
            rows_by_field = {f"amendments[{i}]": f"person_{i + 1}" for i in range(AMEND_ROWS)}
            errors = _service_errors(exc, rows_by_field, "amend_note")
        else:
            return redirect(
                visit, f"/agreements/{agreement_id}?v={written.number}&against={expected_version}"
            )
    return agreement_response(
        request, uows, visit, agreement_id, expected_version or None, status=422, errors=errors, posted=posted
    )


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


# --- counter-proposals --------------------------------------------------------------------------------------


def _tranche_specs(text: str) -> tuple[TrancheSpec, ...] | None:
    specs: list[TrancheSpec] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        a, _, b = part.partition("/")
        if not (is_plain_number(a) and is_plain_number(b)) or len(specs) >= MAX_TRANCHES:
            return None
        if int(a) + int(b) == 0:
            return None
        specs.append(TrancheSpec(int(a), int(b)))
    return tuple(specs)


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


def _categories(old: Terms, form: TermsForm, errors: dict[str, str], t: Translator) -> tuple[Category, ...]:
    standard = {key for key, _ in STANDARD_CATEGORIES}
    kept = [c for c in old.categories if c.key not in standard]
    chosen: list[Category] = []
    for key in form.categories:
        if key == "seriously_wounded_or_sick":
            chosen.append(SeriouslyWoundedOrSick())
        elif key == "civilians":
            chosen.append(Civilians())
        elif key == "women":
            chosen.append(Women())
        elif key == "long_captivity":
            days = form.long_captivity_days
            if not is_plain_number(days) or not 0 < int(days) <= 36_500:
                errors["long_captivity_days"] = t.gettext("Write a number of days, 1 or more.")
                continue
            chosen.append(LongCaptivity(more_than_days=int(days)))
    return (*chosen, *kept)


def _parity(form: TermsForm, errors: dict[str, str], t: Translator) -> Formula | None:
    if form.formula == "declared_ratio":
        if not (is_plain_number(form.declared_a) and is_plain_number(form.declared_b)) or (
            int(form.declared_a) + int(form.declared_b) == 0
        ):
            errors["declared_a"] = t.gettext("A declared package names how many each side releases.")
            return None
        return DeclaredRatio(int(form.declared_a), int(form.declared_b))
    if form.formula == "weighted_equivalence":
        return WeightedEquivalence()
    return NForN()


def new_terms(old: Terms, form: TermsForm, t: Translator) -> tuple[Terms | None, dict[str, str]]:
    """The terms of the version on screen with the parts the form changes; each problem named by field."""
    errors: dict[str, str] = {}
    try:
        reference = dt.date.fromisoformat(form.reference_date)
    except ValueError:
        errors["reference_date"] = t.gettext("Write a date.")
        reference = old.reference_date
    cap = None
    if form.max_persons:
        if not is_plain_number(form.max_persons) or not 0 < int(form.max_persons) <= 100_000:
            errors["max_persons"] = t.gettext("Write a number of persons, 1 or more, or leave it empty.")
        else:
            cap = int(form.max_persons)
    tranches = _tranche_specs(form.tranches)
    if tranches is None:
        errors["tranches"] = t.gettext("Write tranches as 6/6, 4/4.")
    categories = _categories(old, form, errors, t)
    keys = {c.key for c in categories}
    parity = _parity(form, errors, t)
    formulas: list[Formula] = [parity] if parity else []
    if form.all_for_all:
        if form.all_for_all not in keys:
            errors["all_for_all"] = t.gettext("All for all needs that category among the agreed ones.")
        else:
            formulas.append(AllForAllInCategory(form.all_for_all))
    formulas += [h for h in old.humanitarian if h.category is None or h.category in keys]
    if errors:
        return None, errors
    priority = dataclasses.replace(
        old.priority, categories=tuple(k for k in old.priority.categories if k in keys)
    )
    try:
        terms = dataclasses.replace(
            old,
            reference_date=reference,
            formulas=tuple(formulas),
            max_persons=cap,
            categories=categories,
            priority=priority,
            tranches=tranches or (),
            outside_parity_tranche=min(old.outside_parity_tranche, max(len(tranches or ()) - 1, 0)),
        )
    except ExchangeError as exc:
        field = "tranches" if tranches and "tranche" in exc.message else "formula"
        return None, {field: exc.message}
    return terms, {}


@router.post("/agreements/{agreement_id}/counter")
def counter_propose(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    agreement_id: str,
    expected_version: Annotated[int, Form(ge=1, le=MAX_VERSION)],
    reference_date: Annotated[str, Form(max_length=10)] = "",
    formula: Annotated[str, Form(max_length=40)] = "n_for_n",
    declared_a: Annotated[str, Form(max_length=7)] = "",
    declared_b: Annotated[str, Form(max_length=7)] = "",
    max_persons: Annotated[str, Form(max_length=7)] = "",
    tranches: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[list[str], Form(max_length=len(STANDARD_CATEGORIES))] = [],  # noqa: B006
    long_captivity_days: Annotated[str, Form(max_length=6)] = "",
    all_for_all: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    share: Annotated[bool, Form()] = False,
) -> Response:
    actor = visit.signed_in().actor
    form = TermsForm(
        reference_date.strip(),
        formula if formula in {k for k, _ in FORMULAS} else "n_for_n",
        declared_a.strip(),
        declared_b.strip(),
        max_persons.strip(),
        tranches.strip(),
        tuple(c for c in category if c in {k for k, _ in STANDARD_CATEGORIES}),
        long_captivity_days.strip(),
        all_for_all.strip(),
    )
    posted = {**dataclasses.asdict(form), "categories": list(form.categories), "note": note, "share": share}
    current = views.get_version(uows, actor, agreement_id, expected_version)
    document = current.document or {}
    terms, errors = new_terms(terms_from_document(document["terms"]), form, visit.t)
    if not note.strip():
        errors["note"] = visit.t.gettext("Say why: the reason goes with every change of this version.")
    if terms is not None and not errors:
        list_a = [listed_from_document(p) for p in document["list_a"]]
        list_b = [listed_from_document(p) for p in document["list_b"]]
        try:
            written = agreements.propose(
                uows,
                actor,
                agreement_id,
                terms,
                list_a,
                list_b,
                note=note.strip(),
                counter=True,
                share=share,
                expected_version=expected_version,
            )
        except ValidationFailed as exc:
            errors = _service_errors(exc, {}, "note")
        else:
            return redirect(
                visit, f"/agreements/{agreement_id}?v={written.number}&against={expected_version}"
            )
    return agreement_response(
        request, uows, visit, agreement_id, expected_version, status=422, errors=errors, posted=posted
    )
