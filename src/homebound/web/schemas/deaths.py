"""Death record and remains record schemas: input as text (the same rules as the form), output typed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from homebound.core.deaths import DEATH_FIELD_NAMES, NoticeChannel
from homebound.core.remains import Identification
from homebound.services.deaths import DeathView
from homebound.services.remains import RemainsView

LongText = Annotated[str, StringConstraints(max_length=2000)]
Short = Annotated[str, StringConstraints(max_length=64)]


class DeathIn(BaseModel):
    """GC III Art. 120-121: what the owning party records of a death; dates as YYYY-MM-DD."""

    model_config = ConfigDict(extra="forbid")

    date_of_death: dt.date
    place_of_death: LongText | None = None
    cause: LongText | None = None
    circumstances: LongText | None = None
    cause_unclear: bool = False
    inquiry_by: LongText | None = None
    inquiry_opened_on: dt.date | None = None
    inquiry_outcome: LongText | None = None
    burial_place: LongText | None = None
    grave_location: LongText | None = None
    grave_marking: LongText | None = None
    effects: LongText | None = None
    notice_sent_on: dt.date | None = None
    notice_through: NoticeChannel | None = None
    notice_reference: LongText | None = None

    def as_text(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, bool):
                out[name] = "yes" if value else "no"
            elif isinstance(value, dt.date):
                out[name] = value.isoformat()
            elif isinstance(value, NoticeChannel):
                out[name] = value.value
            else:
                out[name] = value
        return out


class DeathRecordOut(BaseModel):
    date_of_death: dt.date
    place_of_death: str | None
    cause: str | None
    circumstances: str | None
    cause_unclear: bool
    inquiry_by: str | None
    inquiry_opened_on: dt.date | None
    inquiry_outcome: str | None
    burial_place: str | None
    grave_location: str | None
    grave_marking: str | None
    effects: str | None
    notice_sent_on: dt.date | None
    notice_through: NoticeChannel | None
    notice_reference: str | None
    version: int
    inquiry_owed: bool
    notice_owed: bool


class DeathOut(BaseModel):
    """A person's death record, or `death: null` when none is recorded."""

    person_id: str
    death: DeathRecordOut | None

    @classmethod
    def of(cls, person_id: str, view: DeathView | None) -> DeathOut:
        if view is None:
            return cls(person_id=person_id, death=None)
        r = view.record
        return cls(
            person_id=person_id,
            death=DeathRecordOut(
                **{name: getattr(r, name) for name in DEATH_FIELD_NAMES},
                version=view.version,
                inquiry_owed=view.inquiry_owed,
                notice_owed=view.notice_owed,
            ),
        )


class RemainsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    found_place: LongText | None = None
    found_on: dt.date | None = None
    batch_id: Short | None = None
    agreement_id: Short | None = None
    dna_case_reference: Short | None = None
    note: LongText | None = None
    mixed_with: list[Short] = Field(
        default_factory=list, description="references of remains records mixed with these"
    )


class IdentificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identification: Identification
    identified_on: dt.date | None = None
    sought_person_id: Annotated[str, StringConstraints(max_length=36)] | None = None


class RemainsOut(BaseModel):
    id: str
    reference: str
    found_place: str | None
    found_on: dt.date | None
    batch_id: str | None
    agreement_id: str | None
    dna_case_reference: str | None
    identification: Identification
    identified_on: dt.date | None
    sought_person_id: str | None
    mixed_with: list[str]
    note: str | None
    version: int

    @classmethod
    def of(cls, view: RemainsView) -> RemainsOut:
        return cls(
            id=view.id,
            reference=view.reference,
            found_place=view.found_place,
            found_on=view.found_on,
            batch_id=view.batch_id,
            agreement_id=view.agreement_id,
            dna_case_reference=view.dna_case_reference,
            identification=view.identification,
            identified_on=view.identified_on,
            sought_person_id=view.sought_person_id,
            mixed_with=list(view.mixed_with),
            note=view.note,
            version=view.version,
        )
