"""Handover use cases: lines change held and sought records in the same transaction, substitutions stay
visible, refusals and custody are recorded, a failed batch changes nothing, families are notified (SMTP to
a small local server, and the status page), and a closed tranche reaches the exchange record."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes

import pytest
from sqlalchemy import select

from homebound.core.access import PUBLIC_ACTOR
from homebound.core.errors import Conflict, PermissionDenied, ValidationFailed
from homebound.core.exchange.candidate import Side
from homebound.core.exchange.formula import NForN
from homebound.core.exchange.handover import LineAction, Substitute, ThirdPartyCustody
from homebound.core.exchange.remains import IdentificationStatus, RemainsBatch
from homebound.core.exchange.terms import Terms, TrancheSpec
from homebound.core.persons import Registry, Status
from homebound.db.exchange_tables import ExchangeRecordRow, NotificationRow
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.lists.writers import write_csv
from homebound.services import agreements, handover, inquiries, lists, registry
from homebound.services.composition import compose_version
from homebound.services.handover import LineCommand
from homebound.services.log import verify_log
from homebound.services.notifications import SmtpChannel, SmtpSettings, StatusPageChannel, deliver_pending
from tests.exchange_support import Registries, seed_registries
from tests.settings import TEST_PASSWORD_COST
from tests.world import PROOF, World

TERMS = Terms(
    date(2023, 1, 8), formulas=(NForN(),), max_persons=20, tranches=(TrancheSpec(6, 6), TrancheSpec(4, 4))
)


@dataclass
class Concluded:
    agreement_id: str
    list_a: list[str]  # held by A, released to B, first tranche first
    list_b: list[str]
    spare_b: list[str]  # held by B, not listed
    registries: Registries


@pytest.fixture
def concluded(uows: UnitOfWorkFactory, world: World) -> Concluded:
    registries = seed_registries(uows, world, held_a=24, held_b=24, seed=5)
    mediator = world.actors["mediator"]
    opened = agreements.create_agreement(uows, mediator, title="t", party_a="pa", party_b="pb", venue="v")
    composed = compose_version(uows, mediator, opened.id, TERMS, share=True)
    for admin in ("a_admin", "b_admin"):
        agreements.accept(uows, world.actors[admin], opened.id, 1, PROOF)
    agreements.conclude(uows, mediator, opened.id)
    document = composed.version.document
    assert document is not None
    spare = [
        d["candidate_id"] for d in composed.decisions if d["side"] == "b" and d["code"] == "out.below_cutoff"
    ]
    return Concluded(
        opened.id,
        [p["candidate_id"] for p in document["list_a"]],
        [p["candidate_id"] for p in document["list_b"]],
        spare,
        registries,
    )


def _status(uows: UnitOfWorkFactory, person_id: str) -> PersonRow:
    with uows.reader() as uow:
        person = uow.session.get(PersonRow, person_id)
        assert person is not None
        return person


def _answered(c: Concluded, side_list: list[str]) -> str:
    return next(p for p in side_list[:6] if p in c.registries.answers)


def test_delivery_changes_both_records_and_notifies_the_family(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    c = concluded
    held = _answered(c, c.list_b)  # A's own person, held by B
    sought = c.registries.answers[held]
    filed = inquiries.file_inquiry(
        uows,
        PUBLIC_ACTOR,
        party_code="pa",
        inquirer_name="Родина",
        inquirer_contact="family@example.org",
        relationship="mother",
        consent=True,
        sought_details={"family_name": "Тест"},
        cost=TEST_PASSWORD_COST,
    )
    inquiries.attach_inquiry(uows, world.actors["a_operator"], filed.id, sought)

    with pytest.raises(PermissionDenied):  # the releasing side does not check identity for the receiver
        handover.record_lines(
            uows, world.actors["b_operator"], c.agreement_id, 1, [LineCommand(LineAction.DELIVER, held)]
        )
    view = handover.record_lines(
        uows,
        world.actors["a_operator"],
        c.agreement_id,
        1,
        [LineCommand(LineAction.DELIVER, held, by="officer 7")],
    )
    assert view.outcomes["delivered"] == 1
    assert _status(uows, held).status == Status.EXCHANGED.value
    assert _status(uows, sought).status == Status.RETURNED.value
    assert inquiries.inquiry_status(uows, filed.case_code, filed.secret).stage == "returned"
    with uows.reader() as uow:
        channels = sorted(
            uow.session.execute(
                select(NotificationRow.channel).where(NotificationRow.inquiry_id == filed.id)
            ).scalars()
        )
    assert channels == ["email", "status_page"]

    with _smtp_server() as server:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, sender="bureau@example.org")
        report = deliver_pending(uows, {"email": SmtpChannel(settings), "status_page": StatusPageChannel()})
    assert (report.delivered, report.failed) == (2, 0)
    (raw,) = server.messages
    message = message_from_bytes(raw)
    assert message["To"] == "family@example.org"
    assert filed.case_code in message.get_payload()
    assert "Тест" not in raw.decode("utf-8", "replace")  # no names by e-mail
    assert deliver_pending(uows, {"status_page": StatusPageChannel()}).delivered == 0  # nothing left
    assert verify_log(uows).ok


def test_a_failed_batch_changes_nothing(uows: UnitOfWorkFactory, world: World, concluded: Concluded) -> None:
    c = concluded
    first = c.list_b[0]
    commands = [LineCommand(LineAction.DELIVER, first), LineCommand(LineAction.DELIVER, c.spare_b[0])]
    with pytest.raises(Conflict) as refused:
        handover.record_lines(uows, world.actors["mediator"], c.agreement_id, 1, commands)
    assert refused.value.code == "handover.not_on_manifest" and refused.value.field == "actions[1]"
    assert _status(uows, first).status == Status.LISTED_FOR_EXCHANGE.value
    assert handover.get_tranche(uows, world.actors["mediator"], c.agreement_id, 1).outcomes == {"pending": 12}
    with pytest.raises(Conflict) as later:  # a person of the second tranche is not on the first manifest
        handover.record_lines(
            uows, world.actors["mediator"], c.agreement_id, 1, [LineCommand(LineAction.DELIVER, c.list_b[7])]
        )
    assert later.value.code == "handover.not_on_manifest"


def test_substitution_refusal_custody_and_closing(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    c = concluded
    a_op, b_op, mediator = (world.actors[n] for n in ("a_operator", "b_operator", "mediator"))
    line_b, refusing, custody = c.list_b[0], c.list_a[0], c.list_a[1]
    bring = [
        LineCommand(
            LineAction.BRING_SUBSTITUTE, line_b, substitute=Substitute(c.spare_b[0], description="not agreed")
        )
    ]
    handover.record_lines(uows, b_op, c.agreement_id, 1, bring)
    with pytest.raises(PermissionDenied):  # only the receiving party decides
        handover.record_lines(
            uows, b_op, c.agreement_id, 1, [LineCommand(LineAction.REJECT_SUBSTITUTE, line_b)]
        )
    handover.record_lines(uows, a_op, c.agreement_id, 1, [LineCommand(LineAction.REJECT_SUBSTITUTE, line_b)])
    again = [LineCommand(LineAction.BRING_SUBSTITUTE, line_b, substitute=Substitute(c.spare_b[1]))]
    handover.record_lines(uows, b_op, c.agreement_id, 1, again)
    view = handover.record_lines(
        uows, a_op, c.agreement_id, 1, [LineCommand(LineAction.ACCEPT_SUBSTITUTE, line_b)]
    )
    line = next(ln for ln in view.lines if ln["candidate_id"] == line_b)
    assert line["state"] == "substitute_accepted" and line["substitute"]["candidate_id"] == c.spare_b[1]
    assert [e["action"] for e in line["history"]] == [
        "bring_substitute",
        "reject_substitute",
        "bring_substitute",
        "accept_substitute",
    ]
    assert _status(uows, c.spare_b[1]).status == Status.EXCHANGED.value
    assert _status(uows, c.spare_b[0]).status != Status.EXCHANGED.value
    assert _status(uows, line_b).status == Status.HELD.value

    with pytest.raises(PermissionDenied):  # refusals come from the private interview: the mediator records
        handover.record_lines(
            uows, a_op, c.agreement_id, 1, [LineCommand(LineAction.REFUSE, refusing, stays_with="x")]
        )
    handover.record_lines(
        uows,
        mediator,
        c.agreement_id,
        1,
        [
            LineCommand(
                LineAction.REFUSE, refusing, by="ICRC delegate", stays_with="a neutral state, under UNHCR"
            ),
            LineCommand(
                LineAction.HAND_TO_THIRD_PARTY,
                custody,
                custody=ThirdPartyCustody("a mediating state", "until the end of the war"),
            ),
        ],
    )
    refused = _status(uows, refusing)
    assert (refused.status, refused.will_to_return, refused.will_verified_by) == (
        "held",
        "refused",
        "ICRC delegate",
    )
    assert _status(uows, custody).status == Status.THIRD_PARTY_CUSTODY.value

    with pytest.raises(Conflict) as unsettled:
        handover.close_tranche(uows, mediator, c.agreement_id, 1, PROOF)
    assert unsettled.value.code == "handover.tranche_not_settled"
    rest = [LineCommand(LineAction.DELIVER, p) for p in c.list_a[2:6] + c.list_b[1:6]]
    handover.record_lines(uows, mediator, c.agreement_id, 1, rest)
    handover.receive_remains(uows, mediator, c.agreement_id, 1, RemainsBatch("r-1", Side.B, 12))
    closed = handover.close_tranche(uows, mediator, c.agreement_id, 1, PROOF)
    assert closed.closure is not None and not closed.closure["reconciled"]  # A gave 5 (+1 in custody), B 6
    assert closed.closure["parity"]["a"] == 5 and closed.closure["parity"]["b"] == 6
    with pytest.raises(Conflict) as after:
        handover.record_lines(uows, mediator, c.agreement_id, 1, [LineCommand(LineAction.DELIVER, line_b)])
    assert after.value.code == "handover.tranche_closed"
    handover.identify_remains(uows, mediator, c.agreement_id, 1, "r-1", IdentificationStatus.IDENTIFIED)

    with uows.reader() as uow:
        record = uow.session.execute(
            select(ExchangeRecordRow).where(ExchangeRecordRow.agreement_id == c.agreement_id)
        ).scalar_one()
    assert (record.persons_to_a, record.persons_to_b, record.remains_to_a) == (6, 4, 12)
    assert record.categories["a"]["substitutes_accepted"] == 1
    assert record.categories["a"]["remains_identified"] == 12
    assert record.categories["b"]["refused_repatriation"] == 1 and not record.reported
    totals = handover.exchange_totals(uows, mediator, c.agreement_id)
    assert totals["refusals"] == 1 and totals["substitutions"] == 1 and totals["closed_tranches"] == 1
    assert verify_log(uows).ok


# --- a small SMTP server for the delivery test -------------------------------------------------------------


class _Session(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, _SmtpServer)
        self.wfile.write(b"220 test ESMTP\r\n")
        body: list[bytes] | None = None
        for line in self.rfile:
            if body is not None:
                if line.rstrip(b"\r\n") == b".":
                    server.messages.append(b"".join(body))
                    body = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    body.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                body = []
                self.wfile.write(b"354 end with .\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # EHLO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.messages: list[bytes] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextmanager
def _smtp_server() -> Iterator[_SmtpServer]:
    server = _SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_listed_person_changes_status_only_through_the_handover(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    """The releasing party cannot mark a listed person exchanged (or held) in its registry: the receiver's
    delivery would be refused, the registry and the agreement would disagree and the ledger would count it."""
    c = concluded
    person = c.list_b[0]  # held by B, to be released to A
    releasing = world.actors["b_operator"]
    for target in (Status.EXCHANGED, Status.HELD, Status.HOSPITALISED):
        with pytest.raises(Conflict) as refused:
            registry.change_status(uows, releasing, person, target)
        assert refused.value.code == "person.on_manifest" and refused.value.field == "status"
    assert _status(uows, person).status == Status.LISTED_FOR_EXCHANGE.value
    view = handover.record_lines(
        uows, world.actors["a_operator"], c.agreement_id, 1, [LineCommand(LineAction.DELIVER, person)]
    )
    assert view.outcomes["delivered"] == 1
    assert _status(uows, person).status == Status.EXCHANGED.value


def test_a_settled_line_frees_the_record_for_the_registry(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    c = concluded
    person = c.list_b[1]
    releasing = world.actors["b_operator"]
    handover.record_lines(
        uows,
        releasing,
        c.agreement_id,
        1,
        [LineCommand(LineAction.NOT_DELIVER, person, reason="in hospital")],
    )
    assert _status(uows, person).status == Status.HELD.value
    moved = registry.change_status(uows, releasing, person, Status.HOSPITALISED)
    assert moved.status is Status.HOSPITALISED


def test_a_listed_person_is_not_moved_by_a_reimport(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    c = concluded
    person = c.list_b[2]
    b_admin = world.actors["b_admin"]
    with uows.reader() as uow:
        row = uow.session.get(PersonRow, person)
        assert row is not None
        source_id = row.source_id
    rows = list(lists.export_rows(uows, b_admin, Registry.HELD))
    line = next(n for n, r in enumerate(rows, start=2) if r["record_id"] == source_id)
    rows[line - 2]["status"] = Status.HELD.value  # an import may name held, never exchanged
    with pytest.raises(ValidationFailed) as refused:
        lists.import_list(uows, b_admin, Registry.HELD, write_csv(iter(rows)), "reimport.csv")
    assert [(p.field, p.code, p.row) for p in refused.value.problems] == [("status", "on_manifest", line)]
    assert _status(uows, person).status == Status.LISTED_FOR_EXCHANGE.value


def test_a_line_keeps_its_recorder_beside_the_free_text_by(
    uows: UnitOfWorkFactory, world: World, concluded: Concluded
) -> None:
    """Who checked (free text, as told at the crossing) never replaces who recorded it (the signed-in
    account): the history both sides see shows the two."""
    c = concluded
    told = LineCommand(LineAction.DELIVER, c.list_a[0], by="Capt. Synthetic (checkpoint 2)")
    plain = LineCommand(LineAction.DELIVER, c.list_a[1])
    handover.record_lines(uows, world.actors["b_operator"], c.agreement_id, 1, [told, plain])
    for reader in ("a_operator", "mediator"):  # the releasing side and the mediator read it back alike
        view = handover.get_tranche(uows, world.actors[reader], c.agreement_id, 1)
        lines = {ln["candidate_id"]: ln for ln in view.lines}
        (checked,) = lines[c.list_a[0]]["history"]
        assert (checked["by"], checked["recorded_by"]) == ("Capt. Synthetic (checkpoint 2)", "b_operator")
        (defaulted,) = lines[c.list_a[1]]["history"]
        assert (defaulted["by"], defaulted["recorded_by"]) == ("b_operator", "b_operator")
