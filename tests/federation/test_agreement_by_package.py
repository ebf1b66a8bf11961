"""An agreement negotiated between three real nodes by file: the mediator's version reaches both parties,
each accepts on its own node (password re-entered, its own key signing the version's hash), the
mediator concludes with both signed acceptances under its own signature; every node then holds what was
sent to it and nothing of the other party's."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import MetaData, select

from homebound.core.access import Actor, Role
from homebound.core.errors import Conflict
from homebound.core.packages.cards import NodeKind, read_card
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.core.packages.kinds import PackageKind
from homebound.core.packages.statements import verify_agreement
from homebound.db.exchange_tables import AgreementAcceptanceRow, AgreementRow, AgreementVersionRow
from homebound.db.federation_tables import (
    AgreementSignatureRow,
    DisclosedRecordRow,
    FederatedVersionRow,
    PackageReceivedRow,
)
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.tables import OrganisationRow, PersonRow, UserRow
from homebound.services import agreements, second_factor
from homebound.services.federation import agreements as federated
from homebound.services.federation.packages import receive_package, send_package
from homebound.services.log import verify_log
from homebound.services.sign_in import Reauthentication, ReauthenticationFailed
from tests.federation.agreement_scene import (
    Negotiated,
    count,
    counter_propose_smaller,
    negotiate,
    send,
    version_sent,
)
from tests.federation_support import PASSWORD, Node, NodeFactory


def by_file(_sender: Node, to: list[Node], data: bytes) -> None:
    for node in to:
        receive_package(node.uows, node.actor(), data)


def three_nodes(nodes: NodeFactory) -> tuple[Node, Node, Node]:
    ua, ru, med = nodes("ua", NodeKind.PARTY), nodes("ru", NodeKind.PARTY), nodes("med", NodeKind.MEDIATOR)
    # Each party pins the mediator's card and the other party's (to check its acceptance in a
    # conclusion); the parties still never address each other (package.not_allowed).
    ua.trusts(med, ru), ru.trusts(med, ua), med.trusts(ua, ru)
    return ua, ru, med


def _foreign_persons(node: Node) -> int:
    with node.uows.reader() as uow:
        own = uow.session.execute(
            select(OrganisationRow.id).where(OrganisationRow.code == node.code)
        ).scalar()
        return len(uow.session.execute(select(PersonRow.id).where(PersonRow.party_id != own)).all())


def _tables_mentioning(node: Node, needle: str) -> set[str]:
    """Every table of the node with a readable value (text, or JSON) containing `needle`; sealed and
    encrypted columns are bytes and cannot mention anything."""
    metadata = MetaData()
    metadata.reflect(node.engine)
    found: set[str] = set()
    with node.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                values = [v for v in row if isinstance(v, str | dict | list)]
                if any(
                    needle in (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for v in values
                ):
                    found.add(table.name)
    return found


def assert_each_node_holds_what_was_sent(ua: Node, ru: Node, med: Node, done: Negotiated) -> None:
    # Not one record id of the other party's in any table of a party's node (only its sought ids come
    # back to ru, in the match result, by its own ids).
    assert _tables_mentioning(ua, "RU-") == set()
    assert _tables_mentioning(ru, "UA-") == set()
    assert "person" in _tables_mentioning(med, "UA-H-")  # the scan sees what is there
    for party in (ua, ru):
        # The version, read-only; its own acceptance and the mediator's conclusion; nothing else.
        assert count(party, FederatedVersionRow) == 1
        assert count(party, AgreementSignatureRow, kind="acceptance", signer=party.code) == 1
        assert count(party, AgreementSignatureRow, kind="conclusion", signer="med") == 1
        assert count(party, AgreementSignatureRow) == 2
        # No negotiation of its own, no other party's record, no matching, no disclosed list.
        for table in (AgreementRow, AgreementVersionRow, AgreementAcceptanceRow, DisclosedRecordRow,
                      MatchCandidateRow):  # fmt: skip
            assert count(party, table) == 0, (party.code, table.__tablename__)
        assert _foreign_persons(party) == 0
        with party.uows.reader() as uow:
            version = uow.session.execute(select(FederatedVersionRow)).scalar_one()
        # Of the listed candidates, only its own records are named to it, by its own record ids.
        prefix = "UA-H-" if party is ua else "RU-H-"
        assert sorted(version.own_records.values()) == [f"{prefix}1", f"{prefix}2"]
    assert count(ua, PackageReceivedRow) == 2  # version, conclusion
    assert count(ru, PackageReceivedRow) == 3  # match result, version, conclusion
    # The mediator: the negotiation, both acceptances as signed, its conclusion.
    assert count(med, AgreementRow, status="concluded") == 1
    assert count(med, AgreementAcceptanceRow) == 2
    assert count(med, AgreementSignatureRow, kind="acceptance") == 2
    assert count(med, AgreementSignatureRow, kind="conclusion", signer="med") == 1
    assert count(med, PackageReceivedRow) == 5  # three disclosures, two acceptances
    for node in (ua, ru, med):
        report = verify_log(node.uows)
        assert report.ok, report.failure


def test_version_acceptances_and_conclusion_between_three_nodes(nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(nodes)
    done = negotiate(ua, ru, med, by_file)
    assert_each_node_holds_what_was_sent(ua, ru, med, done)
    # Anyone holding the version and the three cards checks the whole agreement offline.
    cards = {card.org: card for card in (read_card(n.card()) for n in (ua, ru, med))}
    checked = verify_agreement(done.version_document, done.conclusion, cards)
    assert (checked.agreement, checked.version) == (done.agreement_id, 1)
    assert [a.party for a in checked.acceptances] == ["ua", "ru"]


def test_an_offline_check_catches_an_altered_version_or_signature(sqlite_nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    done = negotiate(ua, ru, med, by_file)
    cards = {card.org: card for card in (read_card(n.card()) for n in (ua, ru, med))}
    altered = copy.deepcopy(done.version_document)
    altered["list_a"] = altered["list_a"][:1]
    with pytest.raises(PackageRefused, match="SHA-256 differs"):
        verify_agreement(altered, done.conclusion, cards)
    forged = copy.deepcopy(done.conclusion)
    forged["statement"]["acceptances"][1] = forged["statement"]["acceptances"][0]
    with pytest.raises(PackageRefused) as caught:
        verify_agreement(done.version_document, forged, cards)
    assert caught.value.refusal is Refusal.BAD_SIGNATURE  # the mediator's signature covers the list
    without_ru = {code: card for code, card in cards.items() if code != "ru"}
    with pytest.raises(PackageRefused) as missing:
        verify_agreement(done.version_document, done.conclusion, without_ru)
    assert missing.value.refusal is Refusal.UNTRUSTED_SENDER


def test_an_acceptance_needs_the_password_and_the_latest_version(sqlite_nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    with pytest.raises(ReauthenticationFailed):
        federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication("not the password"))
    assert count(ua, AgreementSignatureRow) == 0
    # The mediator counter-proposes (one person fewer a side) and sends version 2: version 1 is gone.
    counter_propose_smaller(med, agreement_id)
    payload = federated.version_payload(med.uows, med.actor(), agreement_id, 2, "ua")
    send(med, [ua], PackageKind.VERSION, payload, by_file)
    with pytest.raises(Conflict) as caught:
        federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication(PASSWORD))
    assert caught.value.code == "agreement.superseded_version"
    signed = federated.accept_version(ua.uows, ua.actor(), agreement_id, 2, Reauthentication(PASSWORD))
    assert signed == federated.accept_version(
        ua.uows, ua.actor(), agreement_id, 2, Reauthentication(PASSWORD)
    )
    assert count(ua, AgreementSignatureRow) == 1  # asked twice, signed once


def test_an_altered_acceptance_or_one_of_another_version_changes_nothing(sqlite_nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    signed = federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication(PASSWORD))
    altered = copy.deepcopy(signed)
    altered["statement"]["content_hash"] = "0" * 64
    data = send_package(ua.uows, ua.actor(), to=["med"], kind=PackageKind.ACCEPTANCE, payload=altered).data
    with pytest.raises(PackageRefused) as caught:
        receive_package(med.uows, med.actor(), data)
    assert caught.value.refusal is Refusal.BAD_SIGNATURE
    assert count(med, AgreementAcceptanceRow) == 0 and count(med, AgreementSignatureRow) == 0
    with pytest.raises(Conflict) as early:
        federated.conclusion_payload(med.uows, med.actor(), agreement_id)
    assert early.value.code == "agreement.not_concluded"


def test_parties_never_address_each_other(sqlite_nodes: NodeFactory) -> None:
    ua, _ru, _med = three_nodes(sqlite_nodes)
    for kind in (PackageKind.ACCEPTANCE, PackageKind.VERSION, PackageKind.CONCLUSION):
        with pytest.raises(PackageRefused) as caught:
            send_package(ua.uows, ua.actor(), to=["ru"], kind=kind, payload={})
        assert caught.value.refusal is Refusal.NOT_ALLOWED


def test_on_a_node_no_password_typed_on_the_mediators_server_accepts_for_a_party(
    sqlite_nodes: NodeFactory,
) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    with med.uows.reader() as uow:
        ua_here = uow.session.execute(
            select(OrganisationRow.id).where(OrganisationRow.code == "ua")
        ).scalar_one()
    # Someone on the mediator's server acting in ua's seat (what single-server custody allowed).
    seated = Actor(
        user_id=med.actor().user_id, role=Role.PARTY_ADMIN, organisation_id=ua_here, party_id=ua_here
    )
    with pytest.raises(Conflict) as caught:
        agreements.accept(med.uows, seated, agreement_id, 1, Reauthentication(PASSWORD))
    assert caught.value.code == "agreement.accept_on_own_node"
    assert count(med, AgreementAcceptanceRow) == 0


def test_a_version_whose_document_is_not_its_hash_is_refused(sqlite_nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    payload = federated.version_payload(med.uows, med.actor(), agreement_id, 1, "ua")
    shortened = dict(payload, number=2, document=dict(payload["document"], version=2))  # hash of version 1
    data = send_package(med.uows, med.actor(), to=["ua"], kind=PackageKind.VERSION, payload=shortened).data
    with pytest.raises(PackageRefused) as caught:
        receive_package(ua.uows, ua.actor(), data)
    assert caught.value.refusal is Refusal.INVALID_CONTENT and "hash" in caught.value.message
    assert count(ua, FederatedVersionRow) == 1


def test_an_enrolled_signer_also_types_the_code(sqlite_nodes: NodeFactory) -> None:
    ua, ru, med = three_nodes(sqlite_nodes)
    agreement_id = version_sent(ua, ru, med, by_file)
    second_factor.enrol(ua.uows, "ua-admin")
    with ua.uows.reader() as uow:
        secret = uow.session.execute(
            select(UserRow.totp_secret).where(UserRow.username == "ua-admin")
        ).scalar_one()
    assert secret is not None
    with pytest.raises(ReauthenticationFailed):
        federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication(PASSWORD))
    assert count(ua, AgreementSignatureRow) == 0
    code = second_factor.current_code(secret)
    federated.accept_version(ua.uows, ua.actor(), agreement_id, 1, Reauthentication(PASSWORD, code))
    assert count(ua, AgreementSignatureRow, signer="ua", kind="acceptance") == 1
