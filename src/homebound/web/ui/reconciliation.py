"""List reconciliation in the browser: upload the other side's list (or, as the mediator, pick two
registries), then read the rows sorted into buckets, with a CSV of the report to download.

The report is kept in memory only, for the session that made it and a short time, so its CSV can be
downloaded once or twice; nothing of the list is written anywhere."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from homebound.core.access import OrganisationKind, Permission, can
from homebound.core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from homebound.core.matching.reconciliation import PRECEDENCE, Bucket
from homebound.core.persons import Registry
from homebound.services import accounts
from homebound.services import reconciliation as service
from homebound.web.deps import Uows
from homebound.web.ui.i18n import N_
from homebound.web.ui.render import UiRoute, render
from homebound.web.ui.session import CurrentVisit, PostedVisit, Visit
from homebound.web.ui.stash import QuotaStash

router = APIRouter(route_class=UiRoute, include_in_schema=False)
PAGE = "/reconciliation"

BUCKET_LABELS = {
    Bucket.CONFIRMED: N_("Confirmed ours"),
    Bucket.NOT_FOUND: N_("Not found in our list"),
    Bucket.ALREADY_RETURNED: N_("Already returned"),
    Bucket.CIVILIAN: N_("Civilian"),
    Bucket.DATA_ERROR: N_("Probable data error"),
    Bucket.DUPLICATE: N_("Duplicate within the list"),
}
BUCKET_HINTS = {
    Bucket.CONFIRMED: N_("Matches one of our records at match band, or a pair already confirmed."),
    Bucket.NOT_FOUND: N_("No record of ours matches; a possible candidate is flagged for a look."),
    Bucket.ALREADY_RETURNED: N_(
        "Matches one of our records that is already exchanged, released or returned."
    ),
    Bucket.CIVILIAN: N_("A civilian internee: kept apart from the prisoner-of-war counts."),
    Bucket.DATA_ERROR: N_("The names agree strongly but the dates of birth disagree."),
    Bucket.DUPLICATE: N_("The same person as an earlier row of the same list."),
}
FLAG_LABELS = {
    **{b.value: label for b, label in BUCKET_LABELS.items()},
    "possible_match": N_("possible match"),
    "date_disagrees": N_("dates of birth disagree"),
    "contested": N_("record taken by another row"),
    "confirmed_earlier": N_("confirmed earlier"),
}
# The tabs in the order an operator works through them; the precedence decides a row's bucket.
TAB_ORDER = (
    Bucket.CONFIRMED,
    Bucket.NOT_FOUND,
    Bucket.ALREADY_RETURNED,
    Bucket.CIVILIAN,
    Bucket.DATA_ERROR,
    Bucket.DUPLICATE,
)
assert set(TAB_ORDER) == set(PRECEDENCE)


@dataclass(frozen=True)
class _Choices:
    list_registry: str
    against: str
    filename: str

    def context(self) -> dict[str, object]:
        return {"list_registry": self.list_registry, "against": self.against, "filename": self.filename}


# Per party: a few reports at once, 64 MiB of CSV in all.
REPORTS_PER_PARTY = 8
REPORT_BYTES_PER_PARTY = 64 * 1024 * 1024


def _stash(request: Request) -> QuotaStash[bytes]:
    stash: QuotaStash[bytes] | None = getattr(request.app.state, "ui_reconciliations", None)
    if stash is None:
        stash = request.app.state.ui_reconciliations = QuotaStash(
            per_party_items=REPORTS_PER_PARTY, per_party_bytes=REPORT_BYTES_PER_PARTY
        )
    return stash


def _owner(visit: Visit) -> str:
    return hashlib.sha256((visit.session_token or "").encode()).hexdigest()


def _may(visit: Visit) -> tuple[bool, bool]:
    """(may upload a list, may reconcile registries); neither: refused."""
    actor = visit.signed_in().actor
    upload = can(actor, Permission.PARTY_LIST_IMPORT) and actor.party_id is not None
    registries = can(actor, Permission.ANY_MATCH_RUN)
    if not (upload or registries):
        raise PermissionDenied("this role may not reconcile lists")
    return upload, registries


def _parties(uows: Uows, registries: bool) -> list[str]:
    if not registries:
        return []
    return sorted(o.code for o in accounts.list_organisations(uows) if o.kind == OrganisationKind.PARTY.value)


def _page(
    request: Request, uows: Uows, visit: Visit, context: Mapping[str, object] | None = None, status: int = 200
) -> Response:
    upload, registries = _may(visit)
    defaults: dict[str, object] = {
        "may_upload": upload,
        "may_registries": registries,
        "parties": _parties(uows, registries),
        "list_registry": "held",
        "against": "sought",
        "report": None,
        "problems": None,
        "filename": None,
        "download": None,
        "buckets": TAB_ORDER,
        "bucket_labels": BUCKET_LABELS,
        "bucket_hints": BUCKET_HINTS,
        "flag_labels": FLAG_LABELS,
    }
    return render(
        request, visit, "reconciliation/page.html", status=status, **{**defaults, **(context or {})}
    )


@router.get(PAGE)
def page(request: Request, uows: Uows, visit: CurrentVisit) -> Response:
    return _page(request, uows, visit)


def _report_page(
    request: Request,
    uows: Uows,
    visit: Visit,
    report: service.ReconciliationReport,
    context: Mapping[str, object],
) -> Response:
    csv = service.report_csv(report)
    actor = visit.signed_in().actor
    party = actor.party_id or actor.organisation_id or "none"
    key = _stash(request).put(party, _owner(visit), csv, len(csv))
    return _page(request, uows, visit, {**context, "report": report, "download": f"{PAGE}/report/{key}.csv"})


@router.post(f"{PAGE}/file")
def reconcile_file(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    list_registry: Annotated[Registry, Form()] = Registry.HELD,
    against: Annotated[Registry, Form()] = Registry.SOUGHT,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    upload, _ = _may(visit)
    if not upload:
        raise PermissionDenied("this role may not reconcile a list file")
    if file is None or not file.filename:
        raise ValidationFailed([FieldProblem("file", "required", "choose a CSV or XLSX file")])
    data = file.file.read()
    choices = _Choices(list_registry.value, against.value, file.filename)
    try:
        report = service.reconcile_file(
            uows, visit.signed_in().actor, data, file.filename, list_registry=list_registry, against=against
        )
    except ValidationFailed as exc:
        return _page(request, uows, visit, {**choices.context(), "problems": exc.problems}, 422)
    return _report_page(request, uows, visit, report, choices.context())


@router.post(f"{PAGE}/registries")
def reconcile_registries(
    request: Request,
    uows: Uows,
    visit: PostedVisit,
    list_party: Annotated[str, Form(max_length=32)] = "",
    against_party: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    _may(visit)
    report = service.reconcile_registries(uows, visit.signed_in().actor, list_party, against_party)
    return _report_page(request, uows, visit, report, {})


@router.get(PAGE + "/report/{key}.csv")
def download(request: Request, visit: CurrentVisit, key: str) -> Response:
    _may(visit)
    data = _stash(request).get(key[:64], _owner(visit))
    if data is None:
        raise NotFound("the report has expired; reconcile the list again", field="key")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="reconciliation.csv"',
            "Cache-Control": "no-store",
        },
    )
