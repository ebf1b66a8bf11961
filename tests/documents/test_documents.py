"""Printed documents: built from the records the reader may read, rendered bilingual to PDF, read back with
pdftotext; the content hash is on the paper and in its QR code; unknown and foreign records are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from homebound.core.errors import Conflict, NotFound, ValidationFailed
from homebound.core.paper import DocumentKind, content_hash
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import deaths, registry
from homebound.services.documents.exchange import agreement_lists, handover_act
from homebound.services.documents.people import RecordRef
from homebound.services.documents.records import capture_card, death_certificate, repatriation_certificate
from homebound.web.ui.paper import parse_languages, qr_svg, render_html, render_pdf
from tests.documents.support import (
    Printed,
    family_name,
    pdf_pages,
    pdf_text,
    printed_handover,
    record_number,
)
from tests.world import World


@pytest.fixture
def printed(uows: UnitOfWorkFactory, world: World) -> Printed:
    return printed_handover(uows, world)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _pdf(tmp_path: Path, paper, languages=("uk", "ru")) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    html = render_html(paper, languages, printed_by="tester")
    path = tmp_path / f"{paper.kind.value}.pdf"
    path.write_bytes(render_pdf(html))
    return _flat(pdf_text(path)), pdf_pages(path)


def test_the_handover_act_shows_every_outcome_in_both_languages(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    paper = handover_act(uows, world.actors["mediator"], printed.agreement_id, 1)
    text, pages = _pdf(tmp_path, paper)
    assert pages >= 1
    assert "Акт передачі, етап 1" in text and "Акт передачи, этап 1" in text
    for outcome in (  # in uk and in ru, as the console labels them
        "передано / передан",
        "заміну прийнято / замена принята",
        "відмовився від репатріації / отказался от репатриации",
        "не передано / не передан",
    ):
        assert outcome in text
    states = {line["state"] for line in paper.content["lines"]}
    assert {"delivered", "substitute_accepted", "refused_repatriation", "not_delivered"} <= states
    assert family_name(uows, printed.substitute) in text  # the substitute by name, not by a code
    assert "in hospital" in text
    assert "r-1" in text and paper.content["remains"][0]["count"] == 12  # the remains batch, on the act
    assert paper.content_hash in text.replace(" ", "")
    assert "Свідок" in text and "Свидетель" in text  # the witness's signature block
    assert paper.content["tranche"]["closing"]["seq"] > max(
        line["recorded"]["seq"] for line in paper.content["lines"]
    )


def test_the_qr_code_carries_the_content_hash(
    uows: UnitOfWorkFactory, world: World, printed: Printed
) -> None:
    paper = handover_act(uows, world.actors["mediator"], printed.agreement_id, 1)
    html = render_html(paper, ("uk", "ru"), printed_by="tester")
    assert str(qr_svg(paper.content_hash)) in html
    # segno's encoding of exactly those 64 hex digits (no prefix), not of another hash on the paper.
    assert str(qr_svg(paper.content["agreement"]["content_hash"])) not in html
    assert paper.content_hash == content_hash(DocumentKind.HANDOVER_ACT, paper.content)
    # The languages are not content: uk | ru and uk | ru | en carry the same hash; a later print of the same
    # records too.
    again = handover_act(uows, world.actors["mediator"], printed.agreement_id, 1)
    assert again.content_hash == paper.content_hash
    english = render_html(again, ("uk", "ru", "en"), printed_by="someone else")
    assert paper.content_hash in english and "Act of handover, tranche 1" in english


def test_a_party_prints_what_it_may_read_and_nothing_of_other_agreements(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    paper = handover_act(uows, world.actors["a_operator"], printed.agreement_id, 1)
    assert all("family_name" in line["person"] for line in paper.content["lines"])  # listed: shared with A
    (substituted,) = [line for line in paper.content["lines"] if line["substitute"]]
    assert substituted["substitute"]["person"] == {"id": printed.substitute, "other_spelling": None}
    text, _ = _pdf(tmp_path, paper)
    assert family_name(uows, printed.substitute) not in text  # B's record, never shared with A
    assert "запис вам не надано" in text
    with pytest.raises(NotFound):
        handover_act(uows, world.actors["a_operator"], "no-such-agreement", 1)
    with pytest.raises(NotFound):
        handover_act(uows, world.actors["mediator"], printed.agreement_id, 9)


def test_lists_for_the_mediator_and_for_one_side(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    paper = agreement_lists(uows, world.actors["mediator"], printed.agreement_id)
    text, _pages = _pdf(tmp_path, paper, ("uk", "ru", "en"))
    assert (
        "Списки для посередника" in text
        and "Списки для посредника" in text
        and "Lists for the mediator" in text
    )
    assert paper.content["sizes"] == {"a": len(printed.list_a), "b": len(printed.list_b)}
    assert record_number(uows, printed.list_a[3]) in text and record_number(uows, printed.list_b[3]) in text
    tranches = [row["tranche"] for row in paper.content["lists"]["a"]]
    assert tranches.count(1) == 6 and tranches.count(2) == 4
    only_b = agreement_lists(uows, world.actors["b_admin"], printed.agreement_id, side="b")
    assert list(only_b.content["lists"]) == ["b"] and only_b.content["agreement"]["seat"] == "party_b"
    text_b, _ = _pdf(tmp_path, only_b)
    assert "Списки для сторони Party B" in text_b
    with pytest.raises(NotFound):
        agreement_lists(uows, world.actors["mediator"], printed.agreement_id, version=7)
    with pytest.raises(ValidationFailed):
        agreement_lists(uows, world.actors["mediator"], printed.agreement_id, side="c")


def test_the_capture_card_by_record_number_and_its_refusals(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    held = printed.list_a[5]
    number = record_number(uows, held)
    paper = capture_card(uows, world.actors["a_operator"], RecordRef(record_number=number))
    text, pages = _pdf(tmp_path, paper)
    assert pages == 1
    assert "Картка про взяття в полон" in text and "Карточка о взятии в плен" in text
    assert family_name(uows, held) in text and number in text
    assert "Адреса родини" in text and "у Homebound ще не записується" in text  # the field we lack, said so
    assert paper.content_hash in text.replace(" ", "")
    with pytest.raises(NotFound):  # unknown record number
        capture_card(uows, world.actors["a_operator"], RecordRef(record_number="NO-SUCH-NUMBER"))
    unshared = printed.deceased  # A's record, on no list, never shared with B
    with pytest.raises(NotFound):  # A's record number asked by B: as if unknown
        capture_card(uows, world.actors["b_operator"], RecordRef(record_number=record_number(uows, unshared)))
    with pytest.raises(NotFound):  # nor by ID
        capture_card(uows, world.actors["b_operator"], RecordRef(person_id=unshared))
    naming_a = RecordRef(record_number=record_number(uows, unshared), party_code="pa")
    with pytest.raises(NotFound):  # nor naming A as the party
        capture_card(uows, world.actors["b_operator"], naming_a)
    mediator = capture_card(uows, world.actors["mediator"], RecordRef(record_number=number, party_code="pa"))
    assert mediator.content_hash == paper.content_hash  # one record, one card, whoever prints it
    registry.update_person(uows, world.actors["a_operator"], held, {"rank": "капітан"})
    changed = capture_card(uows, world.actors["a_operator"], RecordRef(record_number=number))
    assert changed.content_hash != paper.content_hash  # the paper no longer matches the record
    assert changed.content["person"]["rank"] == "капітан"


def test_the_death_certificate_says_what_the_data_model_lacks(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    ref = RecordRef(record_number=record_number(uows, printed.deceased))
    paper = death_certificate(uows, world.actors["a_admin"], ref)
    text, _pages = _pdf(tmp_path, paper)
    assert "Повідомлення про смерть" in text and "Извещение о смерти" in text
    # no death record yet: the paper says so and names what the record leaves empty
    assert "cause_of_death" in paper.missing and "burial_place" in paper.missing
    assert paper.not_in_model == ("last_moments_account",) and paper.content["death"] is None
    assert "Місце поховання" in text and "Место погребения" in text
    assert paper.content["death_recorded"]["seq"] > 0
    with pytest.raises(Conflict) as living:
        death_certificate(uows, world.actors["a_admin"], RecordRef(person_id=printed.list_a[4]))
    assert living.value.code == "document.not_deceased"


def test_the_death_certificate_prints_the_death_record(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    ref = RecordRef(record_number=record_number(uows, printed.deceased))
    before = death_certificate(uows, world.actors["a_admin"], ref)
    deaths.record_death(
        uows,
        world.actors["a_admin"],
        printed.deceased,
        {
            "date_of_death": "2023-01-05",
            "place_of_death": "табір Синтетичний-2",
            "cause": "пневмонія",
            "cause_unclear": "yes",
            "inquiry_by": "комісія табору",
            "inquiry_opened_on": "2023-01-06",
            "burial_place": "кладовище Тестове",
            "grave_location": "ділянка 7",
            "grave_marking": "табличка 4417",
            "effects": "годинник переслано через МКЧХ",
            "notice_sent_on": "2023-01-09",
            "notice_through": "icrc",
            "notice_reference": "CTA-0099",
        },
    )
    paper = death_certificate(uows, world.actors["a_admin"], ref)
    text, _pages = _pdf(tmp_path, paper)
    for value in (
        "табір Синтетичний-2, 2023-01-05",
        "пневмонія",
        "кладовище Тестове; ділянка 7",
        "табличка 4417",
    ):
        assert value in text
    assert "годинник переслано через МКЧХ" in text and "CTA-0099" in text and "комісія табору" in text
    assert "Офіційне розслідування (стаття 121)" in text and "Официальное расследование (статья 121)" in text
    assert not {"cause_of_death", "burial_place", "date_of_death"} & set(paper.missing)
    assert "family_address" in paper.missing  # the record has no next-of-kin address
    assert "Homebound has no death record yet" not in text
    assert paper.content_hash != before.content_hash
    assert paper.content["death_record_log"]["seq"] > paper.content["death_recorded"]["seq"]


def test_the_repatriation_certificate_of_a_delivered_person_and_its_receiving_side(
    uows: UnitOfWorkFactory, world: World, printed: Printed, tmp_path: Path
) -> None:
    delivered = printed.list_b[2]  # held by B, delivered to A
    paper = repatriation_certificate(uows, world.actors["b_operator"], RecordRef(person_id=delivered))
    text, _ = _pdf(tmp_path, paper)
    assert "Посвідчення про репатріацію" in text and "Свидетельство о репатриации" in text
    assert paper.content["handover"]["received_by"] == "pa"
    assert paper.content["handover"]["crossed"]["seq"] > 0
    sought = printed.registries.answers.get(delivered)
    if sought is not None:  # A's own sought record, returned: A's copy
        own = repatriation_certificate(uows, world.actors["a_operator"], RecordRef(person_id=sought))
        assert own.content["handover"]["line"] == paper.content["handover"]["line"]
    substitute = repatriation_certificate(
        uows, world.actors["b_operator"], RecordRef(person_id=printed.substitute)
    )
    assert substitute.content["handover"]["state"] == "substitute_accepted"
    with pytest.raises(Conflict):  # refused repatriation: nobody went home
        repatriation_certificate(uows, world.actors["a_operator"], RecordRef(person_id=printed.refused))


@pytest.mark.parametrize(
    ("text", "expected"), [("", ("uk", "ru")), ("ru,uk,en", ("ru", "uk", "en")), ("UK, ru", ("uk", "ru"))]
)
def test_document_languages(text: str, expected: tuple[str, ...]) -> None:
    assert parse_languages(text) == expected


@pytest.mark.parametrize("text", ["de", "uk,ru,xx", ","])
def test_unknown_document_languages_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_languages(text)
