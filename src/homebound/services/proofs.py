"""Merkle proofs on request: an entry's inclusion in a tree head, and one tree head's consistency with
another (RFC 9162 §2.1.3 and §2.1.4). The tree is rebuilt from the stored leaf hashes for each request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from homebound.core.access import Actor, Permission, can
from homebound.core.errors import FieldProblem, PermissionDenied, ValidationFailed
from homebound.core.log.merkle import MerkleTree
from homebound.db.log_store import leaf_hashes
from homebound.db.tables import LogHeadRow
from homebound.db.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class InclusionAnswer:
    seq: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root_hash: bytes


@dataclass(frozen=True)
class ConsistencyAnswer:
    first_size: int
    second_size: int
    path: list[bytes]
    first_root: bytes
    second_root: bytes


def _may_read(actor: Actor) -> None:
    if not (can(actor, Permission.ANY_LOG_READ) or can(actor, Permission.PARTY_LOG_READ)):
        raise PermissionDenied("this role may not read the log")


def _out_of_range(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, "out_of_range", message)])


def _tree(uows: UnitOfWorkFactory, size: int | None) -> MerkleTree:
    with uows.reader() as uow:
        head = uow.session.execute(select(LogHeadRow.seq).where(LogHeadRow.id == 1)).scalar_one()
        if size is not None and not 0 < size <= head:
            raise _out_of_range("tree_size", f"between 1 and the log's size {head}")
        return MerkleTree(leaf_hashes(uow.session, until=size or head))


def inclusion_proof(
    uows: UnitOfWorkFactory, actor: Actor, seq: int, tree_size: int | None = None
) -> InclusionAnswer:
    """The audit path of entry `seq` in the tree of `tree_size` entries (the whole log by default)."""
    _may_read(actor)
    tree = _tree(uows, tree_size)
    if not 0 < seq <= tree.size:
        raise _out_of_range("seq", f"between 1 and the tree size {tree.size}")
    return InclusionAnswer(seq, tree.size, tree.leaf(seq - 1), tree.inclusion_proof(seq - 1), tree.root())


def consistency_proof(
    uows: UnitOfWorkFactory, actor: Actor, first_size: int, second_size: int | None = None
) -> ConsistencyAnswer:
    """The proof that the tree of `second_size` entries extends the tree of `first_size`."""
    _may_read(actor)
    tree = _tree(uows, second_size)
    if not 0 < first_size <= tree.size:
        raise _out_of_range("first", f"between 1 and the second size {tree.size}")
    path = tree.consistency_proof(first_size, tree.size)
    return ConsistencyAnswer(first_size, tree.size, path, tree.root(first_size), tree.root())
