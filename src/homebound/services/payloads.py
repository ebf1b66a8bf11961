"""What the log commits to for person changes, and fields back to the text form imports use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from homebound.core.persons import PersonFields, Registry, Status


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "iso"):
        return str(value.iso())
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def fields_to_text(fields: PersonFields) -> dict[str, str | None]:
    """The fields as the text an import row or an API body would carry (round-trips through
    parse_person_row).
    """
    will = fields.will_to_return
    result: dict[str, str | None] = {
        name: _text(getattr(fields, name))
        for name in PersonFields.__dataclass_fields__
        if name != "will_to_return"
    }
    result.update(
        will_to_return=will.value.value,
        will_verified_by=will.verified_by,
        will_verified_on=_text(will.verified_on),
    )
    return result


def person_payload(
    person_id: str, registry: Registry, status: Status, fields: PersonFields
) -> dict[str, Any]:
    """The full state after the change; it stays in the database, the log keeps only its commitment."""
    return {
        "person": person_id,
        "registry": registry.value,
        "status": status.value,
        "fields": {k: v for k, v in fields_to_text(fields).items() if v is not None},
    }
