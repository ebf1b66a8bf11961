"""The negotiation between three real nodes, through packages only: disclosures, a match result, a version
sent to both parties, an acceptance signed on each party's node, the mediator's conclusion. The transport
(`Deliver`) is a file handed over or an HTTP push; the packages are the same bytes either way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from homebound.core.exchange.formula import ListedPerson, NForN
from homebound.core.exchange.terms import Terms
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.exchange_tables import AgreementVersionRow
from homebound.db.federation_tables import DisclosedRecordRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import OrganisationRow, PersonRow
from homebound.services import agreements, matching
from homebound.services.federation import agreements as federated
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.match_results import match_result_payload
from homebound.services.federation.packages import send_package
from homebound.services.sign_in import Reauthentication
from tests.federation_support import HELD_CSV, PASSWORD, SOUGHT_CSV, Node

# Synthetic people party B (ru) holds: the other half of a two-for-two exchange.
RU_HELD_CSV = (
    "record_id,family_name,given_name,patronymic,sex,date_of_birth,rank,status\r\n"
    "RU-H-1,Мельник,Богдан,Ігорович,male,1990-05-05,солдат,held\r\n"
    "RU-H-2,Ткаченко,Василь,Олегович,male,1985-09-17,сержант,held\r\n"
    "RU-H-3,Кравець,Іван,Петрович,male,1993-02-08,солдат,held\r\n"
).encode()
TERMS = Terms(date(2023, 1, 8), formulas=(NForN(),), max_persons=4)

# Sender, addressees, the package's bytes: hand them over (file) or push them (HTTP).
Deliver = Callable[[Node, list[Node], bytes], None]


@dataclass
class Negotiated:
    agreement_id: str
    version_document: dict[str, Any]
    conclusion: dict[str, Any]


def send(node: Node, to: list[Node], kind: PackageKind, payload: dict[str, Any], deliver: Deliver) -> bytes:
    sent = send_package(node.uows, node.actor(), to=[n.code for n in to], kind=kind, payload=payload)
    deliver(node, to, sent.data)
    return sent.data


def _disclosed_ids(med: Node, party: str) -> list[str]:
    with med.uows.reader() as uow:
        rows = uow.session.execute(
            select(PersonRow.id)
            .join(DisclosedRecordRow, DisclosedRecordRow.person_id == PersonRow.id)
            .join(OrganisationRow, OrganisationRow.id == PersonRow.party_id)
            .where(OrganisationRow.code == party, PersonRow.registry_kind == Registry.HELD.value)
            .order_by(PersonRow.source_id)
        ).scalars()
        return list(rows)[:2]


def version_sent(ua: Node, ru: Node, med: Node, deliver: Deliver) -> str:
    """Disclosures, the match result, the agreement's first version on both party nodes; its id."""
    ua.imports(Registry.HELD, HELD_CSV)
    ru.imports(Registry.SOUGHT, SOUGHT_CSV)
    ru.imports(Registry.HELD, RU_HELD_CSV)
    fields = ["family_name", "given_name", "date_of_birth", "sex", "rank"]
    send(ua, [med], PackageKind.DISCLOSURE, disclosure_payload(ua.uows, ua.actor(), Registry.HELD,
                                                                fields=fields), deliver)  # fmt: skip
    send(ru, [med], PackageKind.DISCLOSURE, disclosure_payload(ru.uows, ru.actor(), Registry.SOUGHT), deliver)
    send(ru, [med], PackageKind.DISCLOSURE, disclosure_payload(ru.uows, ru.actor(), Registry.HELD,
                                                                fields=fields), deliver)  # fmt: skip

    with med.uows.reader() as uow:
        pairs = uow.session.execute(select(MatchCandidateRow.id)).scalars().all()
    for candidate_id in pairs:
        matching.review_candidate(med.uows, med.actor(), candidate_id, matching.Verdict.CONFIRM, None)
    send(med, [ru], PackageKind.MATCH_RESULT, match_result_payload(med.uows, med.actor(), "ru"), deliver)

    mediator = med.actor()
    opened = agreements.create_agreement(
        med.uows, mediator, title="8 January 2023", party_a="ua", party_b="ru", venue="the crossing"
    )
    agreement_id = opened.id
    list_a = [ListedPerson(i) for i in _disclosed_ids(med, "ua")]
    list_b = [ListedPerson(i) for i in _disclosed_ids(med, "ru")]
    agreements.propose(med.uows, mediator, agreement_id, TERMS, list_a, list_b, share=True)
    for party in (ua, ru):
        payload = federated.version_payload(med.uows, mediator, agreement_id, 1, party.code)
        send(med, [party], PackageKind.VERSION, payload, deliver)
    return agreement_id


def negotiate(ua: Node, ru: Node, med: Node, deliver: Deliver) -> Negotiated:
    """The whole exchange of packages; returns what the parties can check offline."""
    agreement_id = version_sent(ua, ru, med, deliver)
    mediator = med.actor()
    for party in (ua, ru):  # each on its own node, with its own password and key
        signed = federated.accept_version(
            party.uows, party.actor(), agreement_id, 1, Reauthentication(PASSWORD)
        )
        send(party, [med], PackageKind.ACCEPTANCE, signed, deliver)

    agreements.conclude(med.uows, mediator, agreement_id)
    conclusion = federated.conclusion_payload(med.uows, mediator, agreement_id)
    send(med, [ua, ru], PackageKind.CONCLUSION, conclusion, deliver)
    evidence = federated.agreement_evidence(ua.uows, agreement_id)
    assert evidence is not None
    return Negotiated(agreement_id, evidence[0], conclusion)


def count(node: Node, table: type, **where: object) -> int:
    with node.uows.reader() as uow:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(uow.session.execute(query).scalar_one())


def counter_propose_smaller(med: Node, agreement_id: str) -> None:
    """The mediator's version 2: one person a side fewer than version 1 (shared, not sent yet)."""
    with med.uows.reader() as uow:
        first = uow.session.get(AgreementVersionRow, (agreement_id, 1))
        assert first is not None
        document = first.document
    one_a, one_b = (
        [ListedPerson(p["candidate_id"]) for p in document[key][:1]] for key in ("list_a", "list_b")
    )
    agreements.propose(med.uows, med.actor(), agreement_id, TERMS, one_a, one_b, counter=True, share=True,
                       expected_version=1)  # fmt: skip
