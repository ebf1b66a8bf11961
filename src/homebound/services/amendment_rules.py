"""What an amendment's persons and reasons imply beyond the lists: a seriously wounded or sick person is not
swapped for a less grave case without saying so, and a person taken off a list under GC III Art. 119 is
held back on the registry too, so a later list cannot exchange him unnoticed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from homebound.core.access import Actor
from homebound.core.errors import FieldProblem, ValidationFailed
from homebound.core.exchange.agreement import Amendment, RemovePerson, ReplacePerson
from homebound.core.log.entries import ActionTag
from homebound.core.persons import Health, LegalHold
from homebound.db.exchange_tables import AgreementRow
from homebound.db.log_store import log_action
from homebound.db.tables import utcnow
from homebound.services.candidates import persons_by_id

# "Art. 119", "Article 119", "ст. 119", "статья 119", "стаття 119" (GC III: proceedings or sentence).
ART_119 = re.compile(r"(?<!\d)(?:art(?:icle)?|ст(?:атья|аття)?)\.?\s*119(?!\d)", re.IGNORECASE)


def cites_article_119(reason: str) -> bool:
    return ART_119.search(reason) is not None


def check_replacements(session: Session, amendments: Sequence[Amendment]) -> None:
    """A seriously wounded or sick person (GC III Art. 110) is replaced only by another one; taking him off
    and adding someone less grave are two amendments, each with its own reason."""
    replacing = [(n, a) for n, a in enumerate(amendments) if isinstance(a, ReplacePerson)]
    ids = [a.candidate_id for _, a in replacing] + [a.replacement.candidate_id for _, a in replacing]
    persons = persons_by_id(session, ids)
    serious = Health.SERIOUSLY_WOUNDED_SICK.value
    problems = []
    for n, amendment in replacing:
        replaced, replacement = (
            persons.get(amendment.candidate_id),
            persons.get(amendment.replacement.candidate_id),
        )
        if (
            replaced is not None
            and replacement is not None
            and replaced.health == serious != replacement.health
        ):
            problems.append(FieldProblem(
                f"amendments[{n}]", "exchange.less_grave_replacement",
                "a seriously wounded or sick person is replaced by another who is not: remove him and add the"
                " other as two amendments, each with its reason",
            ))  # fmt: skip
    if problems:
        raise ValidationFailed(problems)


def hold_back(
    session: Session, actor: Actor, row: AgreementRow, version: int, amendments: Sequence[Amendment]
) -> list[str]:
    """Put a legal hold on each person an amendment takes off a list citing Art. 119 (if none is recorded):
    the composition gates then keep him off later lists unless a reasoned override says otherwise."""
    leaving = {
        a.candidate_id: a.reason
        for a in amendments
        if isinstance(a, RemovePerson | ReplacePerson) and cites_article_119(a.reason)
    }
    held = []
    for person in persons_by_id(session, list(leaving)).values():
        if person.legal_hold != LegalHold.NONE.value:
            continue
        person.legal_hold = LegalHold.PROCEEDINGS.value
        person.legal_hold_note = leaving[person.id][:500]
        person.version += 1
        person.updated_at = utcnow()
        held.append(person.id)
        source = f"agreement {row.id}, version {version}: an amendment citing GC III Art. 119"
        payload = {"person": person.id, "legal_hold": person.legal_hold, "source": source}
        log_action(
            session, actor, ActionTag.PERSON_UPDATE, "person", person.id, payload, party=person.party_id
        )
    session.flush()
    return held
