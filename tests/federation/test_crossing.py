"""The offline crossing between real nodes, by packages: two crossing devices of the mediator (each a node
of its own, no network between them) record a tranche line by line; one line recorded on both devices is
resolved by the rule, both accounts kept and the conflict shown, counted once everywhere; the act goes to
both parties and the mediator's main node; each party countersigns on its own node; the tranche is closed
once both have countersigned the same act. A countersignature over an act the mediator does not hold is
refused and changes nothing.

The agreement is concluded through packages (version, acceptances, conclusion). The crossing manifest is
not in the `conclusion` payload yet: it is installed directly (`install_manifest`), which is what that
kind's handler should call on arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from homebound.core.errors import Conflict
from homebound.core.exchange.formula import ListedPerson, NForN
from homebound.core.exchange.terms import Terms
from homebound.core.log.entries import ActionTag
from homebound.core.packages.acts import Outcome
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.crossing_tables import ActCountersignatureRow, CrossingLineRow, HandoverActRow
from homebound.db.exchange_tables import HandoverLineRow, HandoverTrancheRow
from homebound.db.tables import LogEntryRow, OrganisationRow, PersonRow
from homebound.services import agreements
from homebound.services.federation import agreements as federated
from homebound.services.federation.countersigning import countersign, tranche_at_crossing
from homebound.services.federation.crossing import (
    LineRecord,
    act_payload,
    crossing_manifest,
    install_manifest,
    issue_act,
    record_crossing,
)
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.packages import receive_package, send_package
from homebound.services.log import verify_log
from homebound.services.sign_in import Reauthentication
from tests.federation_support import HELD_CSV, PASSWORD, Node, NodeFactory

RU_HELD_CSV = (
    "record_id,family_name,given_name,patronymic,sex,date_of_birth,rank,status\r\n"
    "RU-H-1,Иваненко,Петро,Олегович,male,1990-02-11,солдат,held\r\n"
    "RU-H-2,Мельник,Василь,Іванович,male,1985-07-19,сержант,held\r\n"
    "RU-H-3,Ткаченко,Ігор,Миколайович,male,1993-12-01,солдат,held\r\n"
    "RU-H-4,Кравець,Олег,Степанович,male,1992-04-04,солдат,held\r\n"
).encode()
CROSSED = "2023-01-08T14:05:00Z"
PROOF = Reauthentication(PASSWORD)  # the party admin's password, re-entered to countersign


@dataclass
class Crossing:
    ua: Node
    ru: Node
    med: Node
    x1: Node
    x2: Node
    content_hash: str


def _send(node: Node, to: list[str], kind: PackageKind, payload: dict[str, object]) -> bytes:
    return send_package(node.uows, node.actor(), to=to, kind=kind, payload=payload).data


def _held_ids(node: Node, party: str) -> list[str]:
    with node.uows.reader() as uow:
        return list(
            uow.session.execute(
                select(PersonRow.id)
                .join(OrganisationRow, OrganisationRow.id == PersonRow.party_id)
                .where(OrganisationRow.code == party, PersonRow.source_id.not_like("%-4"))
                .order_by(PersonRow.source_id)
            ).scalars()
        )


def _concluded_on_mediator(ua: Node, ru: Node, med: Node) -> tuple[str, dict[str, object]]:
    """3 for 3 concluded on the mediator's node through packages: the version to each party, each party's
    acceptance signed on its own node, the conclusion to both."""
    for node, registry_csv in ((ua, HELD_CSV), (ru, RU_HELD_CSV)):
        node.imports(Registry.HELD, registry_csv)
        payload = disclosure_payload(node.uows, node.actor(), Registry.HELD)
        receive_package(med.uows, med.actor(), _send(node, ["med"], PackageKind.DISCLOSURE, payload))
    actor = med.actor()
    opened = agreements.create_agreement(med.uows, actor, title="8 January", party_a="ua", party_b="ru",
                                         venue="crossing")  # fmt: skip
    lists = [[ListedPerson(i) for i in _held_ids(med, code)] for code in ("ua", "ru")]
    agreements.propose(med.uows, actor, opened.id, Terms(date(2023, 1, 8), formulas=(NForN(),)), *lists,
                       share=True)  # fmt: skip
    for party in (ua, ru):  # the version out, each party's acceptance signed on its own node back
        version = federated.version_payload(med.uows, actor, opened.id, 1, party.code)
        receive_package(party.uows, party.actor(), _send(med, [party.code], PackageKind.VERSION, version))
        signed = federated.accept_version(party.uows, party.actor(), opened.id, 1, PROOF)
        receive_package(med.uows, actor, _send(party, ["med"], PackageKind.ACCEPTANCE, signed))
    agreements.conclude(med.uows, actor, opened.id)
    conclusion = federated.conclusion_payload(med.uows, actor, opened.id)
    package = _send(med, ["ua", "ru"], PackageKind.CONCLUSION, conclusion)
    for party in (ua, ru):
        receive_package(party.uows, party.actor(), package)
    manifest = crossing_manifest(med.uows, actor, opened.id)
    install_manifest(med.uows, "cli", manifest)
    return str(manifest["content_hash"]), manifest


@pytest.fixture
def crossing(nodes: NodeFactory) -> Crossing:
    ua, ru = nodes("ua", NodeKind.PARTY), nodes("ru", NodeKind.PARTY)
    med = nodes("med", NodeKind.MEDIATOR)
    x1, x2 = nodes("med-x1", NodeKind.MEDIATOR), nodes("med-x2", NodeKind.MEDIATOR)
    for node, peers in ((ua, (med, ru, x1, x2)), (ru, (med, ua, x1, x2)), (med, (ua, ru, x1, x2)),
                        (x1, (ua, ru, med, x2)), (x2, (ua, ru, med, x1))):  # fmt: skip
        node.trusts(*peers)
    content_hash, manifest = _concluded_on_mediator(ua, ru, med)
    for node in (ua, ru, x1, x2):  # what the `conclusion` package brings each of them
        install_manifest(node.uows, "cli", manifest)
    return Crossing(ua, ru, med, x1, x2, content_hash)


def _count(node: Node, table: type, **where: object) -> int:
    with node.uows.reader() as uow:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(uow.session.execute(query).scalar_one())


def _tags(node: Node, tag: ActionTag) -> int:
    return _count(node, LogEntryRow, tag=tag.value)


def test_two_devices_one_act_countersigned_by_both_parties(crossing: Crossing) -> None:
    c = crossing
    # The manifest: lines 1-3 released by ua (UA-H-1..3), lines 4-6 by ru (RU-H-1..3).
    # Device 2 (bus 2) records first; its account of line 3 is the earlier one.
    record_crossing(c.x2.uows, c.x2.actor(), c.content_hash, 1, [
        LineRecord(3, Outcome.DELIVERED, crossed_at=CROSSED),
        LineRecord(4, Outcome.DELIVERED, crossed_at=CROSSED),
        LineRecord(5, Outcome.REFUSED, note="stays with the detaining power after a private interview"),
    ])  # fmt: skip
    # Device 1 (bus 1), not connected to device 2, records the rest, line 3 differently, line 4 the same;
    # a tablet working off device 1 names itself.
    record_crossing(c.x1.uows, c.x1.actor(), c.content_hash, 1, [
        LineRecord(1, Outcome.DELIVERED, crossed_at=CROSSED),
        LineRecord(2, Outcome.SUBSTITUTED, crossed_at=CROSSED, substitute="UA-H-9"),
        LineRecord(3, Outcome.NOT_DELIVERED, note="not on the bus"),
        LineRecord(4, Outcome.DELIVERED, crossed_at=CROSSED),
        LineRecord(6, Outcome.DELIVERED, crossed_at=CROSSED, device="med-x1-tablet-2"),
    ])  # fmt: skip
    partial = issue_act(c.x2.uows, c.x2.actor(), c.content_hash, 1)
    assert not partial.act.resolution.complete
    receive_package(c.ua.uows, c.ua.actor(), _send(c.x2, ["ua"], PackageKind.HANDOVER_ACT,
                                                   act_payload(c.x2.uows, partial.hash)))  # fmt: skip
    with pytest.raises(Conflict, match="lines without an outcome"):  # not for countersigning
        countersign(c.ua.uows, c.ua.actor(), partial.hash, PROOF)
    # Back within reach of each other: device 2's act goes to device 1 and to the mediator's main node.
    to_x1_and_med = _send(
        c.x2, ["med-x1", "med"], PackageKind.HANDOVER_ACT, act_payload(c.x2.uows, partial.hash)
    )
    assert "3 line(s), 3 new" in receive_package(c.x1.uows, c.x1.actor(), to_x1_and_med).summary
    receive_package(c.med.uows, c.med.actor(), to_x1_and_med)

    act = issue_act(c.x1.uows, c.x1.actor(), c.content_hash, 1)
    resolution = act.act.resolution
    assert resolution.complete and act.act.merged == (partial.hash,)
    assert len(act.act.lines) == 8  # six lines; lines 3 and 4 recorded on both devices, all accounts kept
    (conflict,) = resolution.conflicts
    kept = resolution.kept[3]
    assert conflict.line_no == 3 and conflict.kept == kept.hash
    assert kept.outcome is Outcome.DELIVERED and kept.device == "med-x2"  # the earlier account stands
    assert dict(resolution.counted) == {"ua": 3, "ru": 2}  # lines 3 and 4 once each; line 5 refused
    assert resolution.kept[6].device == "med-x1-tablet-2"

    package = _send(c.x1, ["ua", "ru", "med"], PackageKind.HANDOVER_ACT, act_payload(c.x1.uows, act.hash))
    for node in (c.ua, c.ru, c.med):
        summary = receive_package(node.uows, node.actor(), package).summary
        assert "(complete): 8 line(s)" in summary and "1 conflict(s)" in summary
    assert _count(c.med, CrossingLineRow) == 8  # what device 2's act brought is not kept twice
    assert _count(c.ua, CrossingLineRow) == 8

    # Each party countersigns on its own node and sends it back to the crossing node and the mediator.
    for party in (c.ua, c.ru):
        signed = countersign(party.uows, party.actor(), act.hash, PROOF)
        back = _send(party, ["med", "med-x1"], PackageKind.COUNTERSIGNATURE, signed)
        outcomes = [receive_package(m.uows, m.actor(), back).summary for m in (c.med, c.x1)]
        closed = party is c.ru
        assert all(("is closed" in summary) is closed for summary in outcomes)
    for node in (c.med, c.x1):
        status = tranche_at_crossing(node.uows, c.content_hash, 1)
        assert status.closed_by == act.hash
        assert status.acts[act.hash]["countersigned_by"] == ["ru", "ua"]
        assert status.acts[act.hash]["conflicts"][0]["line_no"] == 3
        assert _tags(node, ActionTag.TRANCHE_CLOSE) == 1
        assert verify_log(node.uows).ok
    assert tranche_at_crossing(c.ua.uows, c.content_hash, 1).closed_by is None  # ua knows its own only
    # The mediator's main node holds the agreement itself: the kept lines are on its manifest, and counted.
    with c.med.uows.reader() as uow:
        states = dict(uow.session.execute(
            select(HandoverLineRow.line_no, HandoverLineRow.state).where(HandoverLineRow.tranche_index == 0)
        ).all())  # fmt: skip
        tranche = uow.session.execute(select(HandoverTrancheRow)).scalar_one()
        statuses = dict(uow.session.execute(select(PersonRow.source_id, PersonRow.status)).all())
    assert states == {1: "delivered", 2: "substitute_accepted", 3: "delivered", 4: "delivered",
                      5: "refused_repatriation", 6: "delivered"}  # fmt: skip
    assert tranche.state == "closed" and tranche.imbalance == 1  # 3 received from ua, 2 from ru
    assert statuses["UA-H-1"] == statuses["UA-H-3"] == statuses["RU-H-1"] == "exchanged"
    assert statuses["UA-H-2"] == statuses["RU-H-2"] == "held"  # replaced by a substitute; refused


def test_a_countersignature_over_another_act_is_refused(crossing: Crossing) -> None:
    c = crossing
    records = [LineRecord(n, Outcome.DELIVERED, crossed_at=CROSSED) for n in range(1, 7)]
    record_crossing(c.x1.uows, c.x1.actor(), c.content_hash, 1, records)
    first = issue_act(c.x1.uows, c.x1.actor(), c.content_hash, 1)
    receive_package(c.med.uows, c.med.actor(), _send(c.x1, ["med"], PackageKind.HANDOVER_ACT,
                                                     act_payload(c.x1.uows, first.hash)))  # fmt: skip
    # A later account of line 6 makes another act, which reaches ru but never the mediator's node.
    record_crossing(c.x1.uows, c.x1.actor(), c.content_hash, 1,
                    [LineRecord(6, Outcome.NOT_DELIVERED, note="taken off the bus")])  # fmt: skip
    other = issue_act(c.x1.uows, c.x1.actor(), c.content_hash, 1)
    assert other.hash != first.hash and other.act.resolution.kept[6].outcome is Outcome.DELIVERED
    receive_package(c.ru.uows, c.ru.actor(), _send(c.x1, ["ru"], PackageKind.HANDOVER_ACT,
                                                   act_payload(c.x1.uows, other.hash)))  # fmt: skip
    wrong = _send(
        c.ru, ["med"], PackageKind.COUNTERSIGNATURE, countersign(c.ru.uows, c.ru.actor(), other.hash, PROOF)
    )
    before = (_count(c.med, ActCountersignatureRow), _tags(c.med, ActionTag.PACKAGE_REFUSE))
    with pytest.raises(PackageRefused) as caught:
        receive_package(c.med.uows, c.med.actor(), wrong)
    assert caught.value.refusal is Refusal.INVALID_CONTENT and caught.value.field == "act"
    assert _count(c.med, ActCountersignatureRow) == before[0] == 0
    assert _tags(c.med, ActionTag.PACKAGE_REFUSE) == before[1] + 1
    assert _count(c.med, HandoverActRow) == 1
    assert tranche_at_crossing(c.med.uows, c.content_hash, 1).closed_by is None
