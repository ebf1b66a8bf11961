"""A corpus of tampered exports of one signed log, each with the failure kind (and entry) it must produce.

The expected kind of every mutation follows from what the mutation does and the order of checks the
verifier documents (entry form, sequence, chain, key, signature, payload; then manifest, payloads, key set,
checkpoints, proofs, saved state), never from running the verifier.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from bench.loggen import Scenario

from homebound.core.log.checkpoint import Checkpoint, CheckpointSignature
from homebound.core.log.entries import GENESIS_HASH, SIGNATURE_DOMAIN, entry_hash_of
from homebound.core.log.export import (
    CHECKPOINTS,
    ENTRIES,
    MANIFEST,
    PAYLOADS,
    checkpoint_from_json,
    checkpoint_to_json,
)
from homebound.core.log.heads import SavedState
from homebound.core.log.signing import SigningKey, generate_key_pair

HEX = "0123456789abcdef"
STRING_FIELDS = ("time", "actor", "tag", "object_type", "object_id", "party")


@dataclass(frozen=True)
class Mutation:
    family: str
    what: str
    files: dict[str, bytes]
    kind: str
    seq: int | None = None  # the entry (or tree size) the failure must name, where the mutation fixes it
    state: SavedState | None = None


def canonical_line(body: dict[str, Any], signature: str) -> bytes:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode() + b"\t" + signature.encode()


def split(line: bytes) -> tuple[bytes, str]:
    body, _, signature = line.rpartition(b"\t")
    return body, signature.decode()


def _other(rng: random.Random, char: str, alphabet: str) -> str:
    return rng.choice([c for c in alphabet if c != char])


class Corpus:
    """Mutations of the export party A receives of `scenario`'s log."""

    def __init__(self, scenario: Scenario, seed: int = 0) -> None:
        self.scenario = scenario
        self.log = scenario.log
        self.rng = random.Random(seed)
        self.base = self.log.export(scenario.party_a)
        self.lines = self.base[ENTRIES].split(b"\n")[:-1]
        self.bodies = [json.loads(split(line)[0]) for line in self.lines]
        self.checkpoints = [checkpoint_from_json(item) for item in json.loads(self.base[CHECKPOINTS])]
        self.attacker = SigningKey(generate_key_pair().private_key)
        finals = [head for head in self.checkpoints if len(head.signatures) == 3]
        self.newest_final = finals[-1]
        self.state = SavedState(
            self.log.origin,
            self.newest_final.tree_size,
            self.newest_final.root_hash,
            self.newest_final.timestamp_ms,
        )
        retirements = [
            b["seq"] for b in self.bodies if b["tag"] == "log:key:retire" and b["signer"] == scenario.party_a
        ]
        self.retired_at = retirements[0]
        self.old_a_key = next(b["object_id"] for b in self.bodies if b["seq"] == self.retired_at)

    # -- building blocks ---------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.lines)

    def files(self, **changed: bytes) -> dict[str, bytes]:
        return {**self.base, **changed}

    def with_lines(self, lines: list[bytes]) -> dict[str, bytes]:
        return self.files(**{ENTRIES: b"".join(line + b"\n" for line in lines)})

    def replaced(self, index: int, line: bytes) -> dict[str, bytes]:
        return self.with_lines([*self.lines[:index], line, *self.lines[index + 1 :]])

    def signed(self, body: dict[str, Any], key: SigningKey) -> bytes:
        leaf = canonical_line(body, "")[:-1]
        return leaf + b"\t" + key.sign(SIGNATURE_DOMAIN + leaf).hex().encode()

    def key_of(self, key_id: str) -> SigningKey:
        return self.log.private[key_id]

    def pick(
        self, low: int = 1, high: int | None = None, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> int:
        """A random entry index in [low, high) whose body satisfies `where`."""
        choices = [i for i in range(low, high or self.size) if where is None or where(self.bodies[i])]
        return self.rng.choice(choices)

    def with_checkpoints(self, heads: list[Checkpoint]) -> dict[str, bytes]:
        data = json.dumps([checkpoint_to_json(head) for head in heads]).encode()
        return self.files(**{CHECKPOINTS: data})

    def mediator_signed(self, head: Checkpoint, *owners_keys: tuple[str, SigningKey]) -> Checkpoint:
        signatures = tuple(
            CheckpointSignature(o, k.key_id, k.sign(head.signed_bytes())) for o, k in owners_keys
        )
        return replace(head, signatures=signatures)

    def resign_from(
        self, start: int, edit: Callable[[dict[str, Any]], None], end: int
    ) -> tuple[list[bytes], str]:
        """The first `end` entries with entry `start` edited and every entry from there re-chained and
        re-signed with its own key: a history only the holders of all the keys (the server, under server
        custody) can write."""
        lines = list(self.lines[:start])
        prev = entry_hash_of(split(lines[-1])[0]) if lines else GENESIS_HASH
        for index in range(start, end):
            body = dict(self.bodies[index])
            if index == start:
                edit(body)
            body["prev_hash"] = prev
            line = self.signed(body, self.key_of(body["key_id"]))
            lines.append(line)
            prev = entry_hash_of(split(line)[0])
        return lines, prev

    def payloads_until(self, end: int) -> bytes:
        lines = self.base[PAYLOADS].splitlines()
        return b"".join(line + b"\n" for line in lines if json.loads(line)["seq"] <= end)

    def manifest_with(self, **fields: Any) -> bytes:
        manifest = json.loads(self.base[MANIFEST])
        manifest.update(fields)
        return json.dumps(manifest).encode()


# -- families ------------------------------------------------------------------------------------------


def flipped_fields(c: Corpus, count: int) -> Iterator[Mutation]:
    """One byte of one field changed for another of its kind: the JSON stays canonical."""
    fields = ["seq", "v", "prev_hash", "commitment", "key_id", "signer", "signature", *STRING_FIELDS]
    for _ in range(count):
        index = c.pick()
        body = dict(c.bodies[index])
        signature = split(c.lines[index])[1]
        name = c.rng.choice(fields)
        if name == "party" and body["party"] is None:
            name = "actor"
        kind = "entry.bad_signature"
        if name == "signature":
            at = c.rng.randrange(len(signature))
            signature = signature[:at] + _other(c.rng, signature[at], HEX) + signature[at + 1 :]
        elif name == "seq":
            body["seq"] = c.rng.choice([v for v in range(1, 3 * c.size) if v != body["seq"]])
            kind = "entry.sequence_gap"
        elif name == "v":
            body["v"] = c.rng.choice([1, 3, 4, 7, 9])
            kind = "entry.version_downgrade" if body["v"] == 1 else "entry.unsupported_version"
        else:
            value = body[name]
            at = c.rng.randrange(len(value))
            alphabet = HEX if name in ("prev_hash", "commitment", "key_id") else _class_of(value[at])
            body[name] = value[:at] + _other(c.rng, value[at], alphabet) + value[at + 1 :]
            kind = {
                "prev_hash": "entry.chain_broken",
                "key_id": "entry.unknown_key",
                "signer": "entry.wrong_signer",
            }.get(name, kind)
        yield Mutation(
            "flipped byte",
            f"{name} of entry {index + 1}",
            c.replaced(index, canonical_line(body, signature)),
            kind,
            index + 1,
        )


def _class_of(char: str) -> str:
    if char.isdigit():
        return "0123456789"
    if char.islower():
        return "abcdefghijklmnopqrstuvwxyz"
    if char.isupper():
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return char + ("-" if char != "-" else ":")


def broken_bytes(c: Corpus, count: int) -> Iterator[Mutation]:
    """A structural byte of the JSON, the tab, or a string byte made invalid UTF-8: the line is malformed."""
    for _ in range(count):
        index = c.pick(0)
        line = c.lines[index]
        how = c.rng.choice(["structure", "tab", "utf8", "signature"])
        if how == "structure":
            at = c.rng.choice(_structure_positions(split(line)[0]))
            line = line[:at] + b"x" + line[at + 1 :]
        elif how == "tab":
            line = line.replace(b"\t", b" ")
        elif how == "utf8":
            at = line.index(b'"time":"') + 9
            line = line[:at] + b"\xff" + line[at + 1 :]
        else:
            line = line[:-1] + b"g"
        yield Mutation(
            "flipped byte",
            f"{how} of entry {index + 1}",
            c.replaced(index, line),
            "entry.malformed",
            index + 1,
        )


def _structure_positions(body: bytes) -> list[int]:
    """Offsets of the JSON punctuation outside strings (our bodies hold no escaped quotes)."""
    positions, inside = [], False
    for offset, byte in enumerate(body):
        if byte == ord('"'):
            inside = not inside
            positions.append(offset)
        elif not inside and chr(byte) in "{}:,":
            positions.append(offset)
    return positions


def edited_payloads(c: Corpus, count: int) -> Iterator[Mutation]:
    lines = c.base[PAYLOADS].splitlines()
    # A key entry's payload is checked for its exact shape before its commitment (key.malformed): the
    # key-set family tampers with those; here only the payloads whose one check is the commitment.
    editable = [at for at, line in enumerate(lines) if "public_key" not in json.loads(line)["payload"]]
    for _ in range(count):
        at = c.rng.choice(editable)
        item = json.loads(lines[at])
        how = c.rng.choice(["value", "add", "remove", "salt"])
        if how == "salt":
            item["salt"] = _other(c.rng, item["salt"][0], HEX) + item["salt"][1:]
        elif how == "add":
            item["payload"]["note"] = "added later"
        elif how == "remove" and len(item["payload"]) > 1:
            item["payload"].pop(sorted(item["payload"])[0])
        else:
            key = c.rng.choice(sorted(item["payload"]))
            item["payload"][key] = "changed"
        edited = [*lines[:at], json.dumps(item, ensure_ascii=False).encode(), *lines[at + 1 :]]
        files = c.files(**{PAYLOADS: b"\n".join(edited) + b"\n"})
        yield Mutation(
            "edited payload", f"{how} of entry {item['seq']}", files, "entry.commitment_mismatch", item["seq"]
        )


def deleted(c: Corpus, count: int) -> Iterator[Mutation]:
    for number in range(count):
        if number % 10 == 0:
            yield Mutation("deleted", "the last entry", c.with_lines(c.lines[:-1]), "log.truncated")
            continue
        index = c.rng.randrange(c.size - 1)
        yield Mutation(
            "deleted",
            f"entry {index + 1}",
            c.with_lines(c.lines[:index] + c.lines[index + 1 :]),
            "entry.sequence_gap",
            index + 1,
        )


def inserted(c: Corpus, count: int) -> Iterator[Mutation]:
    for number in range(count):
        index = c.rng.randrange(1, c.size)  # the new line goes before the entry at this index
        where = index + 1
        if number % 3 == 0:  # a new entry that fits the chain, signed by a key the log never introduced
            body = dict(c.bodies[index], commitment="ab" * 32, key_id=c.attacker.key_id)
            line, kind = c.signed(body, c.attacker), "entry.unknown_key"
        elif number % 3 == 1:  # the same, claiming the real key of that place
            body = dict(c.bodies[index], commitment="cd" * 32)
            line, kind = canonical_line(body, "0" * 128), "entry.bad_signature"
        else:  # a copy of another entry; a copy of the entry itself is noticed one place on
            source = c.rng.randrange(c.size)
            line, kind = c.lines[source], "entry.sequence_gap"
            where += source == index
        lines = [*c.lines[:index], line, *c.lines[index:]]
        yield Mutation("inserted", f"before entry {index + 1}", c.with_lines(lines), kind, where)


def swapped(c: Corpus, count: int) -> Iterator[Mutation]:
    for _ in range(count):
        first, second = sorted(c.rng.sample(range(c.size), 2))
        lines = list(c.lines)
        lines[first], lines[second] = lines[second], lines[first]
        yield Mutation(
            "swapped",
            f"entries {first + 1} and {second + 1}",
            c.with_lines(lines),
            "entry.sequence_gap",
            first + 1,
        )


def replayed(c: Corpus, count: int) -> Iterator[Mutation]:
    for number in range(count):
        source = c.rng.randrange(c.size)
        at = c.rng.randrange(source + 1, c.size + 1)
        line = c.lines[source]
        kind = "entry.sequence_gap"
        if number % 2:  # renumbered and re-linked to fit, but signed for its old place by a key of then
            prev = entry_hash_of(split(c.lines[at - 1])[0])
            body = dict(c.bodies[source], seq=at + 1, prev_hash=prev)
            line, kind = canonical_line(body, split(line)[1]), "entry.bad_signature"
            if not c.log.keys[body["key_id"]].valid_at(at + 1):
                kind = "entry.key_not_valid"
        yield Mutation(
            "replayed",
            f"entry {source + 1} again at {at + 1}",
            c.with_lines([*c.lines[:at], line, *c.lines[at:]]),
            kind,
            at + 1,
        )


def truncated(c: Corpus, count: int) -> Iterator[Mutation]:
    last_checkpoint = max(head.tree_size for head in c.checkpoints)
    for number in range(count):
        if number % 2 == 0:
            keep = c.rng.randrange(1, c.size)
            yield Mutation("truncated", f"to {keep}", c.with_lines(c.lines[:keep]), "log.truncated")
            continue
        # the manifest and payloads made to agree: only the checkpoints still vouch for the lost entries
        keep = c.rng.randrange(max(c.retired_at + 1, last_checkpoint - 300), last_checkpoint)
        head = entry_hash_of(split(c.lines[keep - 1])[0])
        payloads = b"".join(
            line + b"\n" for line in c.base[PAYLOADS].splitlines() if json.loads(line)["seq"] <= keep
        )
        files = c.with_lines(c.lines[:keep])
        files.update({MANIFEST: c.manifest_with(tree_size=keep, head_hash=head), PAYLOADS: payloads})
        yield Mutation("truncated", f"to {keep} with manifest", files, "log.truncated")
