"""Print / PDF in the browser: the pages link to their documents by ID, the downloads are PDFs of what the
signed-in user may read, and another organisation's record or agreement answers 404 like an unknown one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Connection

from homebound.db.uow import UnitOfWorkFactory
from tests.conftest import Backend
from tests.documents.support import Printed, family_name, pdf_pages, pdf_text, printed_handover, record_number
from tests.web.ui_support import sign_in, ui_app, ui_client
from tests.world import World


@pytest.fixture
def printed(uows: UnitOfWorkFactory, world: World) -> Printed:
    return printed_handover(uows, world)


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+\.pdf[^"]*)"', html)


def test_the_record_page_links_its_documents_and_they_download(
    backend: Backend, connection: Connection, uows: UnitOfWorkFactory, printed: Printed, tmp_path: Path
) -> None:
    dead = printed.deceased
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "a_admin")
        page = client.get(f"/party/records/{dead}")
        links = _links(page.text)
        assert f"/party/records/{dead}/capture-card.pdf" in links
        assert f"/party/records/{dead}/death-certificate.pdf" in links
        assert not any("repatriation" in link for link in links)  # nobody went home
        for link in links:  # IDs only: no name and no record number in an address
            assert family_name(uows, dead) not in link and record_number(uows, dead) not in link
        answer = client.get(f"/party/records/{dead}/death-certificate.pdf?languages=uk,ru,en")
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
        assert "attachment" in answer.headers["content-disposition"]
        assert family_name(uows, dead) not in answer.headers["content-disposition"]
        assert answer.headers["cache-control"] == "no-store"
        pdf = tmp_path / "death.pdf"
        pdf.write_bytes(answer.content)
        text = pdf_text(pdf)
        assert pdf_pages(pdf) >= 1 and "Notification of death" in text and "Извещение о смерти" in text
        assert answer.headers["x-content-hash"] in text.replace(" ", "")


def test_the_agreement_page_links_the_lists_and_the_acts(
    backend: Backend, connection: Connection, printed: Printed, tmp_path: Path
) -> None:
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "mediator")
        links = _links(client.get(f"/agreements/{printed.agreement_id}").text)
        act = f"/agreements/{printed.agreement_id}/handover/1/act.pdf"
        assert act in links and f"/agreements/{printed.agreement_id}/handover/2/act.pdf" in links
        assert any(link.startswith(f"/agreements/{printed.agreement_id}/lists.pdf") for link in links)
        answer = client.get(act)
        assert answer.status_code == 200
        pdf = tmp_path / "act.pdf"
        pdf.write_bytes(answer.content)
        assert "Акт передачі, етап 1" in pdf_text(pdf)


def test_another_organisation_gets_404(backend: Backend, connection: Connection, printed: Printed) -> None:
    with ui_client(ui_app(backend.url, connection)) as client:
        sign_in(client, "b_operator")
        foreign = client.get(f"/party/records/{printed.deceased}/capture-card.pdf")
        unknown = client.get("/party/records/no-such-record/capture-card.pdf")
        assert foreign.status_code == unknown.status_code == 404
        assert "application/pdf" not in foreign.headers["content-type"]
        assert client.get(f"/party/records/{printed.deceased}/passport.pdf").status_code == 404
        assert (
            client.get(f"/agreements/{printed.agreement_id}/handover/1/act.pdf?languages=de").status_code
            == 422
        )
