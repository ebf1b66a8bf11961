"""One agreement's page: its facts, its versions, the chosen version with its changes and lists, the
differences between any two versions, and the negotiating forms the reader's seat may use."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request, Response

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import DomainError, ValidationFailed
from homebound.services import agreement_views as views
from homebound.services import registry
from homebound.services.documents.exchange import printable_tranches
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_, Translator
from homebound.web.ui.render import render
from homebound.web.ui.session import Visit
from homebound.web.ui.terms_form import (
    CUSTODY_RULES,
    FORMULAS,
    PRIORITY_CRITERIA,
    STANDARD_CATEGORIES,
    form_defaults,
)

AMEND_ROWS = 4
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
    "parity_category": N_("Parity lists drawn only from the category"),
}
KIND_LABELS: dict[str, str] = {
    "proposal": N_("proposal"),
    "counter_proposal": N_("counter-proposal"),
    "amendment": N_("amendment"),
    "composition": N_("composition"),
    "added": N_("added"),
    "removed": N_("removed"),
    "replaced": N_("replaced"),
    "terms": N_("terms"),
}


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
        # The tranches whose handover act can be printed (once concluded).
        "print_tranches": printable_tranches(uows, actor, agreement_id) if agreement.content_hash else [],
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
        "custody_rules": CUSTODY_RULES,
        "priority_criteria": PRIORITY_CRITERIA,
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
            for key in (
                "reference_date",
                "formulas",
                "max_persons",
                "categories",
                "tranches",
                "parity_category",
            )
            if key != "parity_category" or terms.get(key)
        ],
        term_text=lambda key, value: term_text(visit.t, key, value, parties),
        defaults={**form_defaults(document), **(posted or {})},
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


def service_errors(exc: ValidationFailed, fields: Mapping[str, str], fallback: str) -> dict[str, str]:
    """A service's field problems placed beside the form field they concern (else on `fallback`)."""
    placed: dict[str, str] = {}
    for problem in exc.problems:
        placed.setdefault(fields.get(problem.field, fallback), problem.message)
    return placed or {fallback: exc.message}
