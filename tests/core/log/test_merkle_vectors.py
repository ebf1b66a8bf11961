"""The published RFC 9162 test vectors: every happy path verifies, every mutated case is rejected."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from homebound.core.log.errors import ProofError
from homebound.core.log.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion

VECTORS = Path(__file__).parents[2] / "vectors" / "rfc9162-merkle"

# The leaves behind the vectors' trees: the test data of the Certificate Transparency reference code, which
# transparency-dev/merkle reuses. The vectors need the first 8; the tests below check their roots too.
REFERENCE_ENTRIES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]


def _load(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(json.loads(file.read_text()), id=str(file.relative_to(VECTORS))) for file in files]


def _hashes(values: list[str] | None) -> list[bytes]:
    return [base64.b64decode(value) for value in values or []]


def _inclusion(vector: dict[str, Any]) -> None:
    verify_inclusion(
        base64.b64decode(vector["leafHash"]),
        vector["leafIdx"],
        vector["treeSize"],
        _hashes(vector["proof"]),
        base64.b64decode(vector["root"]),
    )


def _consistency(vector: dict[str, Any]) -> None:
    verify_consistency(
        vector["size1"],
        vector["size2"],
        _hashes(vector["proof"]),
        base64.b64decode(vector["root1"]),
        base64.b64decode(vector["root2"]),
    )


INCLUSION = _load("inclusion")
CONSISTENCY = _load("consistency")


def test_the_vectors_are_there() -> None:
    """Guards against a moved folder turning both tables below into zero silent cases."""
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


@pytest.mark.parametrize("vector", INCLUSION)
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            _inclusion(vector)
    else:
        _inclusion(vector)


@pytest.mark.parametrize("vector", CONSISTENCY)
def test_consistency_vector(vector: dict[str, Any]) -> None:
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            _consistency(vector)
    else:
        _consistency(vector)


def _happy(vectors: list[Any], size_field: str) -> list[Any]:
    """Happy paths over the reference leaves (the `additional` ones use made-up roots)."""
    return [
        case
        for case in vectors
        if not case.values[0]["wantErr"] and case.values[0][size_field] > 1 and "additional" not in case.id
    ]


@pytest.mark.parametrize("vector", _happy(INCLUSION, "treeSize"))
def test_we_generate_the_published_inclusion_proof(vector: dict[str, Any]) -> None:
    tree = MerkleTree(leaf_hash(entry) for entry in REFERENCE_ENTRIES[: vector["treeSize"]])
    assert tree.root() == base64.b64decode(vector["root"])
    assert tree.inclusion_proof(vector["leafIdx"]) == _hashes(vector["proof"])


@pytest.mark.parametrize("vector", _happy(CONSISTENCY, "size2"))
def test_we_generate_the_published_consistency_proof(vector: dict[str, Any]) -> None:
    tree = MerkleTree(leaf_hash(entry) for entry in REFERENCE_ENTRIES[: vector["size2"]])
    assert tree.root(vector["size1"]) == base64.b64decode(vector["root1"])
    assert tree.root() == base64.b64decode(vector["root2"])
    assert tree.consistency_proof(vector["size1"]) == _hashes(vector["proof"])
