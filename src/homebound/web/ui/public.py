"""Public pages: the family inquiry (file one; one case's status by code and secret) and the public ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, ValidationError

from homebound.core.errors import FieldProblem, NotAuthenticated, ValidationFailed
from homebound.core.persons import TRANSITIONS, Registry
from homebound.services import accounts, inquiries, ledger
from homebound.web.deps import PublicMinCount, Uows
from homebound.web.schemas.misc import InquiryFile
from homebound.web.ui.ledger_charts import checkpoint_time, difference_table, exchange_tables
from homebound.web.ui.render import UiRoute, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _parties(uows: Uows) -> list[tuple[str, str]]:
    return [(org.code, org.name) for org in accounts.list_organisations(uows) if org.kind == "party"]


@router.get("/family")
def family_page(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    return render(
        request,
        visit,
        "public/family.html",
        parties=_parties(uows),
        form={},
        problems=[],
        lookup_failed=False,
    )


class FamilyForm(BaseModel):
    """The inquiry form as posted: every field text, checked by the API's schema and the service."""

    party: str = ""
    inquirer_name: str = ""
    inquirer_contact: str = ""
    relationship: str = ""
    consent: str = ""
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    date_of_birth: str = ""
    unit: str = ""
    last_seen_place: str = ""
    last_seen_date: str = ""
    notes: str = ""


def _problems(exc: ValidationError) -> list[FieldProblem]:
    located = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
    return [FieldProblem(where, "invalid_value", message, None, where) for where, message in located]


@router.post("/family/inquiries")
def file_inquiry(
    request: Request, uows: Uows, visit: PostedVisit, posted: Annotated[FamilyForm, Form()]
) -> Response:
    form = {k: v.strip() for k, v in posted.model_dump().items()}
    sought = {name: form[name] for name in inquiries.DETAIL_FIELDS if form[name]}
    try:
        # The API's own schema: the same limits whichever way an inquiry arrives.
        body = InquiryFile.model_validate(
            {
                "party": form["party"],
                "inquirer_name": form["inquirer_name"],
                "inquirer_contact": form["inquirer_contact"],
                "relationship": form["relationship"] or None,
                "consent": form["consent"] == "yes",
                "sought": sought,
            }
        )
        filed = inquiries.file_inquiry(
            uows,
            visit.actor,
            party_code=body.party,
            inquirer_name=body.inquirer_name,
            inquirer_contact=body.inquirer_contact,
            relationship=body.relationship,
            consent=body.consent,
            sought_details=body.sought.model_dump(exclude_none=True),
            cost=request.app.state.password_cost,
        )
    except ValidationError as exc:
        return _refile(request, uows, visit, form, _problems(exc))
    except ValidationFailed as exc:
        return _refile(request, uows, visit, form, exc.problems)
    return render(request, visit, "public/family_filed.html", filed=filed, back="/family")


def _refile(
    request: Request, uows: Uows, visit: Visit, form: dict[str, str], problems: list[FieldProblem]
) -> Response:
    return render(
        request,
        visit,
        "public/family.html",
        status=422,
        parties=_parties(uows),
        form=form,
        problems=problems,
        lookup_failed=False,
        back="/family",
    )


@router.post("/family/status")
def inquiry_status(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    case_code: Annotated[str, Form(max_length=20)] = "",
    secret: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        found = inquiries.inquiry_status(uows, case_code, secret, request.app.state.password_cost)
    except NotAuthenticated:
        # The same answer for an unknown code and a wrong secret: no oracle for guessing codes.
        return render(
            request,
            visit,
            "public/family.html",
            status=422,
            parties=_parties(uows),
            form={},
            problems=[],
            lookup_failed=True,
            back="/family",
        )
    return render(request, visit, "public/family_status.html", found=found, back="/family")


@dataclass(frozen=True)
class LedgerTable:
    registry: Registry
    parties: list[str]
    rows: list[tuple[str, list[int | None]]]  # status, one count per party (None: published, suppressed)
    totals: list[int]  # of the counts shown


def ledger_tables(counts_per_party: list[dict[str, Any]]) -> list[LedgerTable]:
    """Tables per registry of counts per party: the published ones (public ledger) or live ones (desk)."""
    parties = [str(p["party"]) for p in counts_per_party]
    tables = []
    for registry in Registry:
        rows: list[tuple[str, list[int | None]]] = []
        for status in TRANSITIONS[registry]:
            key = f"{registry.value}_{status.value}"
            if not any(key in p for p in counts_per_party):
                continue
            counts = [p.get(key, 0) for p in counts_per_party]
            if any(n is None or n > 0 for n in counts):
                rows.append((status.value, counts))
        totals = [sum(counts[i] or 0 for _s, counts in rows) for i in range(len(parties))]
        tables.append(LedgerTable(registry, parties, rows, totals))
    return tables


@router.get("/ledger")
def ledger_page(request: Request, uows: Uows, visit: CurrentVisit, min_count: PublicMinCount) -> Response:
    summary = ledger.public_summary(uows, min_count=min_count)
    exchanges = summary.exchanges
    return render(
        request,
        visit,
        "public/ledger.html",
        summary=summary,
        tables=ledger_tables(summary.parties),
        exchange_tables=exchange_tables(exchanges) if exchanges else [],
        differences=difference_table(exchanges) if exchanges else None,
        exchanges=exchanges,
        checkpoint_time=checkpoint_time(summary),
    )
