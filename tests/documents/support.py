"""A handover to print: a concluded agreement whose first tranche saw deliveries, a substitute accepted, a
refusal, a non-delivery and remains, then closed; and a held person who died in captivity."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction, Substitute
from homebound.core.exchange.remains import RemainsBatch
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.persons import Status
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import agreements, handover, registry
from homebound.services.composition import compose_version
from homebound.services.handover import LineCommand
from tests.exchange_support import Registries, seed_registries
from tests.world import PROOF, World

TERMS = Terms(
    date(2023, 1, 8), formulas=(NForN(),), max_persons=20, tranches=(TrancheSpec(6, 6), TrancheSpec(4, 4))
)


@dataclass
class Printed:
    agreement_id: str
    list_a: list[str]
    list_b: list[str]
    substitute: str  # held by B, accepted in place of list_b[0]
    refused: str  # list_a[0]
    not_delivered: str  # list_a[1]
    deceased: str  # held by A, not listed, died in captivity
    registries: Registries


def record_number(uows: UnitOfWorkFactory, person_id: str) -> str:
    with uows.reader() as uow:
        row = uow.session.get(PersonRow, person_id)
        assert row is not None
        return row.source_id


def family_name(uows: UnitOfWorkFactory, person_id: str) -> str:
    with uows.reader() as uow:
        row = uow.session.get(PersonRow, person_id)
        assert row is not None
        return row.family_name


def printed_handover(uows: UnitOfWorkFactory, world: World) -> Printed:
    registries = seed_registries(uows, world, held_a=24, held_b=24, seed=5)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(
        uows, mediator, title="Test exchange", party_a="pa", party_b="pb", venue="Checkpoint 1"
    )
    composed = compose_version(uows, mediator, opened.id, TERMS, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    document = composed.version.document
    assert document is not None
    list_a = [p["candidate_id"] for p in document["list_a"]]
    list_b = [p["candidate_id"] for p in document["list_b"]]
    spare_b = [
        d["candidate_id"] for d in composed.decisions if d["side"] == "b" and d["code"] == "out.below_cutoff"
    ]
    spare_a = [
        d["candidate_id"] for d in composed.decisions if d["side"] == "a" and d["code"] == "out.below_cutoff"
    ]
    a_op, b_op = world.actors["a_operator"], world.actors["b_operator"]
    handover.record_lines(
        uows,
        b_op,
        opened.id,
        1,
        [
            LineCommand(
                LineAction.BRING_SUBSTITUTE,
                list_b[0],
                substitute=Substitute(spare_b[0], description="brought instead"),
            )
        ],
    )
    handover.record_lines(uows, a_op, opened.id, 1, [LineCommand(LineAction.ACCEPT_SUBSTITUTE, list_b[0])])
    handover.record_lines(
        uows,
        mediator,
        opened.id,
        1,
        [
            LineCommand(LineAction.REFUSE, list_a[0], by="ICRC delegate", stays_with="a neutral state"),
            LineCommand(LineAction.NOT_DELIVER, list_a[1], reason="in hospital, not fit to travel"),
        ],
    )
    rest = [LineCommand(LineAction.DELIVER, p, by="border officer") for p in list_a[2:6] + list_b[1:6]]
    handover.record_lines(uows, mediator, opened.id, 1, rest)
    handover.receive_remains(uows, mediator, opened.id, 1, RemainsBatch("r-1", Side.B, 12))
    handover.close_tranche(uows, mediator, opened.id, 1, PROOF)
    deceased = spare_a[0]
    registry.change_status(uows, a_op, deceased, Status.DECEASED, "died in captivity")
    return Printed(opened.id, list_a, list_b, spare_b[0], list_a[0], list_a[1], deceased, registries)


def pdf_text(path: Path) -> str:
    """The PDF's text (poppler's pdftotext) with every run of white space as one space."""
    return re.sub(r"\s+", " ", _pdftotext(path))


def _pdftotext(path: Path) -> str:
    command = ["pdftotext", str(path), "-"]  # poppler-utils
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603


def pdf_pages(path: Path) -> int:
    command = ["pdfinfo", str(path)]  # poppler-utils
    info = subprocess.run(command, capture_output=True, check=True, text=True).stdout  # noqa: S603
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert found is not None
    return int(found.group(1))
