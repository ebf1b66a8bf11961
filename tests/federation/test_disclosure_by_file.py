"""Disclosure and match result between real nodes by file: party A discloses its held list to the mediator,
party B its sought list; the mediator confirms the matches and tells B; B's records become confirmed held.
Each node ends up with what was sent to it, and nothing else."""

from __future__ import annotations

from sqlalchemy import func, select

from homebound.core.log.entries import ActionTag
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.federation_tables import DisclosedRecordRow, PackageReceivedRow, PackageSentRow
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import LogEntryRow, OrganisationRow, PersonRow
from homebound.services import matching
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.match_results import match_result_payload
from homebound.services.federation.packages import receive_package, send_package
from homebound.services.log import verify_log
from tests.federation_support import HELD_CSV, SOUGHT_CSV, Node, NodeFactory


def _persons(node: Node, party_code: str) -> dict[str, str]:
    with node.uows.reader() as uow:
        rows = uow.session.execute(
            select(PersonRow.source_id, PersonRow.status)
            .join(OrganisationRow, OrganisationRow.id == PersonRow.party_id)
            .where(OrganisationRow.code == party_code)
        ).all()
    return dict(rows)


def _count(node: Node, table: type, **where: object) -> int:
    with node.uows.reader() as uow:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(uow.session.execute(query).scalar_one())


def _disclose(node: Node, registry: Registry, to: str = "med", **options: object) -> bytes:
    actor = node.actor()
    payload = disclosure_payload(node.uows, actor, registry, **options)  # type: ignore[arg-type]
    return send_package(node.uows, actor, to=[to], kind=PackageKind.DISCLOSURE, payload=payload).data


def test_disclosure_and_match_result_between_three_nodes(nodes: NodeFactory) -> None:
    ua, ru, med = nodes("ua", NodeKind.PARTY), nodes("ru", NodeKind.PARTY), nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), ru.trusts(med), med.trusts(ua, ru)
    ua.imports(Registry.HELD, HELD_CSV)
    ru.imports(Registry.SOUGHT, SOUGHT_CSV)

    held = _disclose(ua, Registry.HELD, fields=["family_name", "given_name", "date_of_birth", "sex"])
    sought = _disclose(ru, Registry.SOUGHT)
    first = receive_package(med.uows, med.actor(), held)
    receive_package(med.uows, med.actor(), sought)
    assert (first.sender, first.seq, first.kind) == ("ua", 1, PackageKind.DISCLOSURE)
    assert "3 new" in first.summary

    # The mediator holds exactly what was disclosed: A's held list with the chosen fields only.
    assert _persons(med, "ua") == {"UA-H-1": "held", "UA-H-2": "held", "UA-H-3": "held"}
    assert set(_persons(med, "ru")) == {"RU-S-1", "RU-S-2", "RU-S-9"}
    with med.uows.reader() as uow:
        kovalenko = uow.session.execute(select(PersonRow).where(PersonRow.source_id == "UA-H-1")).scalar_one()
        assert (kovalenko.family_name, kovalenko.rank, kovalenko.patronymic) == ("Коваленко", None, None)
    assert _count(med, DisclosedRecordRow) == 6
    # A knows nothing of B's lists, B nothing of A's.
    assert _persons(ua, "ru") == {} and _persons(ru, "ua") == {}

    # The mediator confirms the pairs proposed on arrival, then tells B.
    with med.uows.reader() as uow:
        pairs = uow.session.execute(select(MatchCandidateRow.id, MatchCandidateRow.sought_person_id)).all()
    assert len(pairs) >= 2
    for candidate_id, _ in pairs:
        matching.review_candidate(med.uows, med.actor(), candidate_id, matching.Verdict.CONFIRM, None)
    result = match_result_payload(med.uows, med.actor(), "ru")
    assert {item["record_id"] for item in result["confirmed"]} == {"RU-S-1", "RU-S-2"}
    assert {item["holder"] for item in result["confirmed"]} == {"ua"}
    package = send_package(med.uows, med.actor(), to=["ru"], kind=PackageKind.MATCH_RESULT, payload=result)
    outcome = receive_package(ru.uows, ru.actor(), package.data)
    assert "2 sought record(s) now confirmed held" in outcome.summary
    assert _persons(ru, "ru") == {"RU-S-1": "confirmed_held", "RU-S-2": "confirmed_held", "RU-S-9": "missing"}
    assert _persons(ru, "ua") == {}  # the holder's record did not travel

    # Every package is in the sender's outbox and the receiver's table, by name, and in both logs.
    for sender, receiver, data in ((ua, med, held), (ru, med, sought), (med, ru, package.data)):
        from homebound.core.packages.envelope import package_name

        name = package_name(data)
        assert _count(sender, PackageSentRow, name=name, state="pending") == 1
        assert _count(receiver, PackageReceivedRow, name=name) == 1
        assert _count(sender, LogEntryRow, object_id=name, tag=ActionTag.PACKAGE_SEND.value) == 1
        assert _count(receiver, LogEntryRow, object_id=name, tag=ActionTag.PACKAGE_RECEIVE.value) == 1
    for node in (ua, ru, med):
        report = verify_log(node.uows)
        assert report.ok, report.failure


def test_a_later_full_disclosure_replaces_and_a_partial_one_amends(sqlite_nodes: NodeFactory) -> None:
    ua, med = sqlite_nodes("ua", NodeKind.PARTY), sqlite_nodes("med", NodeKind.MEDIATOR)
    ua.trusts(med), med.trusts(ua)
    ua.imports(Registry.HELD, HELD_CSV)
    receive_package(med.uows, med.actor(), _disclose(ua, Registry.HELD, record_ids=["UA-H-1"]))
    assert _count(med, DisclosedRecordRow) == 1
    receive_package(med.uows, med.actor(), _disclose(ua, Registry.HELD, record_ids=["UA-H-2"]))
    assert _count(med, DisclosedRecordRow, withdrawn_by=None) == 2
    receive_package(med.uows, med.actor(), _disclose(ua, Registry.HELD))
    assert _count(med, DisclosedRecordRow, withdrawn_by=None) == 3
    ua.imports(Registry.HELD, HELD_CSV.replace(b"UA-H-3,", b"UA-H-4,"))  # a fourth record; 3 stays
    receive_package(med.uows, med.actor(), _disclose(ua, Registry.HELD, record_ids=["UA-H-1", "UA-H-2"]))
    assert _count(med, DisclosedRecordRow, withdrawn_by=None) == 3
