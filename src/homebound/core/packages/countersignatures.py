"""Countersignatures: a party's own signature over a handover act's hash, made on its own node.

RFC 8785 JSON `{"countersignature": {...}, "signature"}` signed by the party's key
(`homebound.act-countersignature.v1` domain). It names the act by hash together with the agreement's
content hash and the tranche, so anyone holding the act and the party's card checks it offline. A tranche
is closed when both parties have countersigned the same act.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from homebound.core.log.entries import canonical
from homebound.core.log.signing import SigningKey, VerifyingKey
from homebound.core.packages.acts import invalid
from homebound.core.packages.body import check_org_code, check_time
from homebound.core.packages.errors import PackageRefused, Refusal

COUNTERSIGNATURE_FORMAT = "homebound-act-countersignature/1"
_DOMAIN = b"homebound.act-countersignature.v1\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset({"format", "act", "agreement", "content_hash", "tranche", "party", "signed"})


@dataclass(frozen=True)
class Countersignature:
    act: str  # the act's hash
    agreement: str
    content_hash: str
    tranche: int
    party: str
    signed: str

    def to_json(self) -> dict[str, Any]:
        return {"format": COUNTERSIGNATURE_FORMAT, "act": self.act, "agreement": self.agreement,
                "content_hash": self.content_hash, "tranche": self.tranche, "party": self.party,
                "signed": self.signed}  # fmt: skip

    def signed_by(self, key: SigningKey) -> dict[str, Any]:
        body = self.to_json()
        signature = base64.b64encode(key.sign(_DOMAIN + canonical(body))).decode("ascii")
        return {"countersignature": body, "signature": signature}


def read_countersignature(document: object, party_key: bytes) -> Countersignature:
    """A countersignature checked against the party's key; `PackageRefused` naming what is wrong."""
    if not isinstance(document, dict) or set(document) != {"countersignature", "signature"}:
        raise invalid("a countersignature has exactly countersignature and signature", "countersignature")
    body = document["countersignature"]
    if not isinstance(body, dict) or set(body) != _FIELDS or body["format"] != COUNTERSIGNATURE_FORMAT:
        raise invalid(f"a countersignature has exactly {sorted(_FIELDS)}", "countersignature")
    act, content, tranche = body["act"], body["content_hash"], body["tranche"]
    if not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in (act, content)):
        raise invalid("act and content_hash are SHA-256 in hex", "act")
    if type(tranche) is not int or tranche < 1 or not isinstance(body["agreement"], str):
        raise invalid("tranche is a whole number from 1, agreement an id", "tranche")
    try:
        signature = base64.b64decode(str(document["signature"]), validate=True)
    except binascii.Error as error:
        raise invalid("the countersignature's signature is not base64", "signature") from error
    if not VerifyingKey(party_key).verify(_DOMAIN + canonical(body), signature):
        raise PackageRefused(
            Refusal.BAD_SIGNATURE, "the countersignature is not signed by the party's key", field="signature"
        )
    return Countersignature(act, body["agreement"], content, tranche, check_org_code(body["party"], "party"),
                            check_time(body["signed"], "signed"))  # fmt: skip
