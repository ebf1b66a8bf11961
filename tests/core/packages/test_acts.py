"""Handover acts as pure documents: the rule between two accounts of one line, the act a receiver
re-checks, and countersignatures checked against the party's key."""

from __future__ import annotations

import base64
import itertools
from dataclasses import replace

import pytest

from homebound.core.log.entries import canonical
from homebound.core.log.signing import SigningKey, generate_key_pair
from homebound.core.packages.acts import (
    ACT_DOMAIN,
    CrossingLine,
    CrossingManifest,
    ManifestEntry,
    Outcome,
    PersonRef,
    build_act,
    read_act,
    resolve,
)
from homebound.core.packages.countersignatures import Countersignature, read_countersignature
from homebound.core.packages.errors import PackageRefused, Refusal

CONTENT = "ab" * 32
ENTRIES = tuple(ManifestEntry(n, PersonRef("ua" if n <= 2 else "ru", f"R-{n}")) for n in (1, 2, 3))
MANIFEST = CrossingManifest("agreement-1", CONTENT, "ua", "ru", "med", {1: ENTRIES})


def _line(n: int, outcome: Outcome, device: str, at: str, note: str = "") -> CrossingLine:
    crossed = "2023-01-08T14:00:00Z" if outcome in (Outcome.DELIVERED, Outcome.SUBSTITUTED) else None
    return CrossingLine(1, n, ENTRIES[n - 1].person, outcome, crossed, None, note, "officer", device,
                        f"2023-01-08T14:{at}Z")  # fmt: skip


def _key() -> SigningKey:
    return SigningKey(generate_key_pair().private_key)


def test_the_earliest_account_counts_whatever_the_order_they_arrive_in() -> None:
    early = _line(1, Outcome.DELIVERED, "tablet-b", "01:00")
    late = _line(1, Outcome.NOT_DELIVERED, "tablet-a", "02:00", note="not on the bus")
    same = replace(early, device="tablet-c", recorded_at="2023-01-08T14:03:00Z")  # the same account again
    others = [
        _line(2, Outcome.DELIVERED, "tablet-a", "01:30"),
        _line(3, Outcome.DELIVERED, "tablet-a", "01:40"),
    ]
    results = {
        str(resolve([*order, *others], ENTRIES)) for order in itertools.permutations([early, late, same])
    }
    assert len(results) == 1
    resolution = resolve([late, same, early, *others], ENTRIES)
    assert resolution.kept[1] == early
    (conflict,) = resolution.conflicts
    assert conflict.kept == early.hash and conflict.set_aside == (late.hash,)  # `same` agrees: no conflict
    assert dict(resolution.counted) == {"ua": 2, "ru": 1} and resolution.complete


def test_at_the_same_moment_the_smaller_device_id_counts() -> None:
    a = _line(1, Outcome.DELIVERED, "tablet-a", "01:00")
    b = _line(1, Outcome.REFUSED, "tablet-b", "01:00", note="stays")
    assert resolve([b, a], ENTRIES).kept[1] == a
    assert not resolve([b, a], ENTRIES).complete


@pytest.mark.parametrize(
    "broken",
    [
        {"outcome": "delivered", "crossed_at": None},
        {"outcome": "substituted"},  # no substitute named
        {"outcome": "refused", "crossed_at": None, "note": " "},
        {"device": ""},
    ],
)
def test_a_line_breaking_a_rule_is_refused(broken: dict[str, object]) -> None:
    document = {**_line(1, Outcome.DELIVERED, "tablet-a", "01:00").to_json(), **broken}
    with pytest.raises(PackageRefused) as caught:
        CrossingLine.from_json(document)
    assert caught.value.refusal is Refusal.INVALID_CONTENT


def test_a_receiver_recomputes_the_resolution_and_checks_the_signature() -> None:
    key = _key()
    lines = [
        _line(1, Outcome.DELIVERED, "a", "01:00"),
        _line(1, Outcome.NOT_DELIVERED, "b", "02:00", note="x"),
    ]
    act = build_act(MANIFEST, 1, "med-x1", "2023-01-08T18:00:00Z", lines)
    signed = act.signed(key)
    assert read_act(signed, key.public_key, {CONTENT: MANIFEST}.get).hash == act.hash

    with pytest.raises(PackageRefused) as caught:  # another key
        read_act(signed, _key().public_key, {CONTENT: MANIFEST}.get)
    assert caught.value.refusal is Refusal.BAD_SIGNATURE

    # The issuer itself claims the later account counts: re-signed, still refused.
    body = act.to_json()
    conflict = body["resolution"]["conflicts"][0]
    conflict["kept"], conflict["set_aside"] = conflict["set_aside"][0], [conflict["kept"]]
    forged = {"act": body, "signature": base64.b64encode(key.sign(ACT_DOMAIN + canonical(body))).decode()}
    with pytest.raises(PackageRefused, match="resolution is not the rule's") as caught:
        read_act(forged, key.public_key, {CONTENT: MANIFEST}.get)
    assert caught.value.refusal is Refusal.INVALID_CONTENT

    with pytest.raises(PackageRefused, match="no concluded agreement"):
        read_act(signed, key.public_key, {}.get)


def test_a_line_not_on_the_manifest_makes_no_act() -> None:
    stranger = replace(_line(1, Outcome.DELIVERED, "a", "01:00"), person=PersonRef("ua", "R-99"))
    with pytest.raises(PackageRefused, match="another person"):
        build_act(MANIFEST, 1, "med-x1", "2023-01-08T18:00:00Z", [stranger])


def test_a_countersignature_is_checked_against_the_party_key() -> None:
    key = _key()
    signed = Countersignature("cd" * 32, "agreement-1", CONTENT, 1, "ua", "2023-01-09T09:00:00Z").signed_by(
        key
    )
    assert read_countersignature(signed, key.public_key).act == "cd" * 32
    with pytest.raises(PackageRefused) as caught:
        read_countersignature(signed, _key().public_key)
    assert caught.value.refusal is Refusal.BAD_SIGNATURE
    signed["countersignature"]["act"] = "ef" * 32  # the signature was over another act
    with pytest.raises(PackageRefused) as caught:
        read_countersignature(signed, key.public_key)
    assert caught.value.refusal is Refusal.BAD_SIGNATURE
