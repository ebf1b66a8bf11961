"""Key rules as the log records them: who may introduce and retire whose keys, what a key entry must say."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bench.loggen import MemoryLog, build_log

from homebound.core.log.entries import SYSTEM_SIGNER, ActionTag
from homebound.core.log.errors import KeyFailure
from homebound.core.log.export import audit_export
from homebound.core.log.keys import (
    KEY_OBJECT,
    Custody,
    KeyRecord,
    OwnerKind,
    RetireReason,
    differences,
    key_created_payload,
    key_retired_payload,
)
from homebound.core.log.signing import SigningKey, generate_key_pair


def _world() -> tuple[MemoryLog, str, str, str]:
    log = MemoryLog()
    log.bootstrap()
    mediator = log.add_organisation(OwnerKind.MEDIATOR)
    party_a = log.add_organisation(OwnerKind.PARTY)
    party_b = log.add_organisation(OwnerKind.PARTY)
    return log, mediator, party_a, party_b


def _introduce(
    log: MemoryLog, signer: str, owner: str, kind: OwnerKind, payload_edit: dict[str, str]
) -> None:
    pair = generate_key_pair()
    payload = {**key_created_payload(pair.public_key, owner, kind, Custody.SERVER), **payload_edit}
    entry = log.append(signer, ActionTag.KEY_CREATE, KEY_OBJECT, payload["key_id"], payload)
    log.keys[pair.key_id] = KeyRecord(pair.key_id, owner, kind, pair.public_key, Custody.SERVER, entry.seq)


def _b_adds_a_key_for_a(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    _introduce(log, b, a, OwnerKind.PARTY, {})


def _system_adds_a_second_key_for_a(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    _introduce(log, SYSTEM_SIGNER, a, OwnerKind.PARTY, {})


def _b_retires_a_key_of_a(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    key = log.active[a].key_id
    log.append(
        b, ActionTag.KEY_RETIRE, KEY_OBJECT, key, key_retired_payload(key, a, RetireReason.COMPROMISED)
    )


def _retired_twice(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    old = log.rotate(a)
    log.append(
        a,
        ActionTag.KEY_RETIRE,
        KEY_OBJECT,
        old.key_id,
        key_retired_payload(old.key_id, a, RetireReason.ROTATED),
    )


def _introduced_twice(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    record = log.keys[log.active[a].key_id]
    payload = key_created_payload(record.public_key, a, OwnerKind.PARTY, Custody.SERVER)
    log.append(a, ActionTag.KEY_CREATE, KEY_OBJECT, record.key_id, payload)


def _key_id_not_of_the_key(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    _introduce(log, a, a, OwnerKind.PARTY, {"key_id": "0" * 32})


def _party_key_called_system(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    _introduce(log, a, a, OwnerKind.SYSTEM, {})


def _second_system_key_signs_itself(log: MemoryLog, mediator: str, a: str, b: str) -> None:
    key = SigningKey(generate_key_pair().private_key)
    payload = key_created_payload(key.public_key, SYSTEM_SIGNER, OwnerKind.SYSTEM, Custody.SERVER)
    log.append(SYSTEM_SIGNER, ActionTag.KEY_CREATE, KEY_OBJECT, key.key_id, payload, key=key)


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (_b_adds_a_key_for_a, "key.unauthorised"),
        (_system_adds_a_second_key_for_a, "key.unauthorised"),
        (_b_retires_a_key_of_a, "key.unauthorised"),
        (_retired_twice, "key.duplicate"),
        (_introduced_twice, "key.duplicate"),
        (_key_id_not_of_the_key, "key.malformed"),
        (_party_key_called_system, "key.malformed"),
        (_second_system_key_signs_itself, "entry.unknown_key"),
    ],
)
def test_key_entries_that_break_the_rules(
    tamper: Callable[[MemoryLog, str, str, str], None], kind: str
) -> None:
    log, mediator, a, b = _world()
    tamper(log, mediator, a, b)
    report = audit_export(log.export(None))
    assert report.failure is not None
    assert (report.failure.kind, report.failure.seq) == (kind, log.size)


def test_rotation_and_a_mediator_introducing_a_party_are_allowed() -> None:
    log, mediator, a, _ = _world()
    log.rotate(a)
    late_party = log.new_uuid()
    _introduce(log, mediator, late_party, OwnerKind.PARTY, {})  # a first key may come from a mediator
    report = audit_export(log.export(None))
    assert report.ok, report.failure
    assert differences(report.keys, log.keys.values()) == []


def test_validity_spans_are_inclusive_at_both_ends() -> None:
    record = KeyRecord("k", "o", OwnerKind.PARTY, b"\x00" * 32, Custody.SERVER, valid_from=5, valid_until=9)
    assert [seq for seq in range(1, 12) if record.valid_at(seq)] == [5, 6, 7, 8, 9]
    assert KeyRecord.from_json(record.to_json()) == record


def test_a_key_set_that_disagrees_is_named_by_key() -> None:
    scenario = build_log(60, seed=3)
    records = list(scenario.log.keys.values())
    assert differences(records, records[1:]) == [records[0].key_id]


def test_an_observer_introduces_no_one_elses_key() -> None:
    log, *_ = _world()
    observer = log.add_organisation(OwnerKind.OBSERVER)
    late_party = log.new_uuid()
    _introduce(log, observer, late_party, OwnerKind.PARTY, {})  # a mediator could; an observer may not
    report = audit_export(log.export(None))
    assert report.failure is not None
    assert (report.failure.kind, report.failure.seq) == (KeyFailure.UNAUTHORISED, log.size)
