"""More tamper families: forged signatures, revoked keys, forks, stale checkpoints, leaf/node confusion,
non-canonical JSON, the key set and the manifest. See tamper_corpus.py for the corpus and its rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

from homebound.core.log.checkpoint import CheckpointSignature
from homebound.core.log.export import (
    KEYS,
    MANIFEST,
    PAYLOADS,
    PROOFS,
    ExportContent,
    encode_export,
)
from homebound.core.log.merkle import MerkleTree, leaf_hash
from homebound.core.log.signing import generate_key_pair, public_key_to_text
from tests.core.log.tamper_corpus import Corpus, Mutation, split


def forged_signatures(c: Corpus, count: int) -> Iterator[Mutation]:
    party_b_key = c.log.active[c.scenario.party_b]
    for number in range(count):
        variant = number % 8
        index = c.pick(where=lambda b: b["signer"] == c.scenario.party_a)
        body = dict(c.bodies[index])
        if variant == 0:  # another key's valid signature over the very same body
            line = c.signed(body, c.attacker)
            yield Mutation(
                "forged signature",
                f"entry {index + 1}",
                c.replaced(index, line),
                "entry.bad_signature",
                index + 1,
            )
        elif variant == 1:  # re-signed by an outside key, named as such
            line = c.signed(dict(body, key_id=c.attacker.key_id), c.attacker)
            yield Mutation(
                "forged signature",
                f"entry {index + 1}",
                c.replaced(index, line),
                "entry.unknown_key",
                index + 1,
            )
        elif variant == 2:  # party B signs an entry that says party A acted
            line = c.signed(dict(body, key_id=party_b_key.key_id), party_b_key)
            yield Mutation(
                "forged signature",
                f"B for A at {index + 1}",
                c.replaced(index, line),
                "entry.wrong_signer",
                index + 1,
            )
        elif variant == 3:  # party B rewrites the entry as its own, validly signed: the next link breaks
            index = min(index, c.size - 2)
            body = dict(
                c.bodies[index],
                signer=c.scenario.party_b,
                key_id=party_b_key.key_id,
                tag="registry:person:share",
            )
            yield Mutation(
                "forged signature",
                f"rewritten {index + 1}",
                c.replaced(index, c.signed(body, party_b_key)),
                "entry.chain_broken",
                index + 2,
            )
        else:
            yield _forged_cosignature(c, variant)


def _forged_cosignature(c: Corpus, variant: int) -> Mutation:
    number = c.rng.randrange(len(c.checkpoints))
    head = c.checkpoints[number]
    signatures = list(head.signatures)
    at = c.rng.randrange(len(signatures))
    victim = signatures[at]
    if variant == 4:
        signatures[at] = replace(victim, signature=c.attacker.sign(head.signed_bytes()))
        kind = "checkpoint.bad_signature"
    elif variant == 5:
        other = next(s for s in signatures if s.signer_role != victim.signer_role)
        signatures[at] = replace(victim, key_id=other.key_id, signature=other.signature)
        kind = "checkpoint.wrong_signer"
    elif variant == 6:
        signatures[at] = CheckpointSignature(
            victim.signer_role, c.attacker.key_id, c.attacker.sign(head.signed_bytes())
        )
        kind = "checkpoint.unknown_key"
    else:
        signatures = (
            [*signatures, victim]
            if c.rng.random() < 0.5
            else [s for s in signatures if s.signer_role != c.scenario.mediator]
        )
        kind = (
            "checkpoint.duplicate_signer" if len(signatures) > len(head.signatures) else "checkpoint.unsigned"
        )
    heads = list(c.checkpoints)
    heads[number] = replace(head, signatures=tuple(signatures))
    return Mutation(
        "forged signature", f"checkpoint {number + 1}", c.with_checkpoints(heads), kind, head.tree_size
    )


def revoked_keys(c: Corpus, count: int) -> Iterator[Mutation]:
    """Party A's key retired at `retired_at`; something signed with it afterwards."""
    old = c.key_of(c.old_a_key)
    mediator = c.log.active[c.scenario.mediator]
    tree = MerkleTree(leaf_hash(split(line)[0]) for line in c.lines)
    last = c.checkpoints[-1]
    for number in range(count):
        if number % 2 == 0:
            index = c.pick(c.retired_at, where=lambda b: b["signer"] == c.scenario.party_a)
            line = c.signed(dict(c.bodies[index], key_id=old.key_id), old)
            yield Mutation(
                "revoked key", f"entry {index + 1}", c.replaced(index, line), "entry.key_not_valid", index + 1
            )
            continue
        size = c.rng.randrange(max(last.tree_size, c.retired_at + 1), c.size + 1)
        head = replace(
            last, tree_size=size, root_hash=tree.root(size), timestamp_ms=last.timestamp_ms + 1 + number
        )
        head = c.mediator_signed(head, (c.scenario.mediator, mediator), (c.scenario.party_a, old))
        yield Mutation(
            "revoked key",
            f"checkpoint of size {size}",
            c.with_checkpoints([*c.checkpoints, head]),
            "checkpoint.key_not_valid",
            size,
        )


def forks(c: Corpus, count: int) -> Iterator[Mutation]:
    """Another history, re-signed with the real keys (which the server holds under server custody)."""
    final = c.newest_final.tree_size
    for number in range(count):
        start = c.pick(max(1, final - 150), final, where=lambda b: b["tag"].startswith("registry:"))
        if number % 3 == 0:  # the forked entries beside the cosigned heads of the real ones
            covering = next(h for h in c.checkpoints if h.tree_size > start).tree_size
            lines, head_hash = c.resign_from(start, _retimed, covering)
            files = c.with_lines(lines)
            files[MANIFEST] = c.manifest_with(tree_size=covering, head_hash=head_hash)
            files[PAYLOADS] = c.payloads_until(covering)
            yield Mutation("fork", f"from {start + 1}", files, "log.fork", covering)
        elif number % 3 == 1:  # two heads of one size: the mediator signed another root too
            head = replace(
                c.checkpoints[-1],
                root_hash=leaf_hash(b"another history %d" % number),
                timestamp_ms=c.checkpoints[-1].timestamp_ms + 5,
            )
            head = c.mediator_signed(head, (c.scenario.mediator, c.log.active[c.scenario.mediator]))
            heads = [*c.checkpoints, head]
            yield Mutation("fork", "equivocating head", c.with_checkpoints(heads), "log.fork", head.tree_size)
        else:  # a whole consistent other history, checkpoints re-signed too: only A's saved state tells
            lines, head_hash = c.resign_from(start, _retimed, c.state.tree_size)
            files = _rebuilt(c, lines, head_hash)
            yield Mutation(
                "fork", f"re-signed from {start + 1}", files, "log.fork", c.state.tree_size, c.state
            )


def _retimed(body: dict[str, object]) -> None:
    time = str(body["time"])
    body["time"] = time[:-2] + ("1" if time[-2] != "1" else "2") + "Z"


def _rebuilt(c: Corpus, lines: list[bytes], head_hash: str) -> dict[str, bytes]:
    tree = MerkleTree(leaf_hash(split(line)[0]) for line in lines)
    heads = []
    for head in c.checkpoints:
        if head.tree_size <= tree.size:
            moved = replace(head, root_hash=tree.root(head.tree_size), signatures=())
            heads.append(
                c.mediator_signed(moved, *[(s.signer_role, c.key_of(s.key_id)) for s in head.signatures])
            )
    payloads = [json.loads(line) for line in c.payloads_until(tree.size).splitlines()]
    return encode_export(
        ExportContent(
            origin=c.log.origin,
            party=c.scenario.party_a,
            exported_at="later",
            entries=[(split(line)[0], bytes.fromhex(split(line)[1])) for line in lines],
            payloads=[(p["seq"], p["salt"], p["payload"]) for p in payloads],
            keys=sorted(c.log.keys.values(), key=lambda record: (record.valid_from, record.key_id)),
            checkpoints=heads,
            head_hash=head_hash,
        )
    )


def stale(c: Corpus, count: int) -> Iterator[Mutation]:
    heads = c.checkpoints
    newest = heads.index(c.newest_final)
    for number in range(count):
        variant = number % 4
        if variant == 0:  # the newest final heads withheld from a party that saw them before
            keep = c.rng.randrange(0, newest)
            yield Mutation(
                "stale",
                f"only {keep + 1} heads",
                c.with_checkpoints(heads[: keep + 1]),
                "checkpoint.stale",
                c.state.tree_size,
                c.state,
            )
        elif variant == 1:  # an old head moved after newer ones
            moved = c.rng.randrange(len(heads) - 1)
            order = [*heads[:moved], *heads[moved + 1 :], heads[moved]]
            yield Mutation(
                "stale",
                f"head {moved + 1} last",
                c.with_checkpoints(order),
                "checkpoint.stale",
                heads[moved].tree_size,
            )
        elif variant == 2:  # a head replayed
            again = heads[c.rng.randrange(len(heads))]
            yield Mutation(
                "stale",
                "a head replayed",
                c.with_checkpoints([*heads, again]),
                "checkpoint.stale",
                again.tree_size,
            )
        else:  # a fresh, validly signed head that goes back in size
            tree = MerkleTree(leaf_hash(split(line)[0]) for line in c.lines)
            size = c.rng.randrange(1, heads[-1].tree_size)
            head = replace(
                heads[-1], tree_size=size, root_hash=tree.root(size), timestamp_ms=heads[-1].timestamp_ms + 9
            )
            head = c.mediator_signed(head, (c.scenario.mediator, c.log.active[c.scenario.mediator]))
            yield Mutation(
                "stale", f"rollback to {size}", c.with_checkpoints([*heads, head]), "checkpoint.stale", size
            )


def leaf_node_confusion(c: Corpus, count: int) -> Iterator[Mutation]:
    proofs = json.loads(c.base[PROOFS])
    for number in range(count):
        if number % 2 == 0:  # two sibling leaves replaced by their parent node's preimage, as one "entry"
            index = 2 * c.rng.randrange(c.size // 2)
            left, right = (leaf_hash(split(c.lines[i])[0]) for i in (index, index + 1))
            node = (
                (b"\x01" + left + right).hex().encode()
                if number % 4 == 0
                else left.hex().encode() + right.hex().encode()
            )
            lines = [
                *c.lines[:index],
                node + b"\t" + split(c.lines[index])[1].encode(),
                *c.lines[index + 2 :],
            ]
            yield Mutation(
                "leaf/node",
                f"node for {index + 1}-{index + 2}",
                c.with_lines(lines),
                "entry.malformed",
                index + 1,
            )
            continue
        # an inclusion proof that treats the leaf's parent node as the leaf: one hash short of the path
        changed = json.loads(json.dumps(proofs))
        item = c.rng.choice([p for p in changed["inclusion"] if len(p["path"]) > 1])
        item["path"] = item["path"][1:]
        yield Mutation(
            "leaf/node",
            f"node as leaf of {item['seq']}",
            c.files(**{PROOFS: json.dumps(changed).encode()}),
            "proof.wrong_length",
            item["seq"],
        )


def non_canonical(c: Corpus, count: int) -> Iterator[Mutation]:
    for number in range(count):
        index = c.pick(0)
        body, signature = c.bodies[index], split(c.lines[index])[1]
        canonical_body = split(c.lines[index])[0]
        variant = number % 8
        kind = "entry.non_canonical"
        if variant == 0:
            text = json.dumps(body, sort_keys=True).encode()
        elif variant == 1:
            text = json.dumps(dict(sorted(body.items(), reverse=True)), separators=(",", ":")).encode()
        elif variant == 2:  # a letter written as its \\u escape: the same string, other bytes
            first = body["tag"][0]
            escaped = b'"tag":"\\u' + f"{ord(first):04x}".encode()
            text = canonical_body.replace(b'"tag":"' + first.encode(), escaped, 1)
        elif variant == 3:
            text = canonical_body.replace(
                b'"seq":' + str(body["seq"]).encode(), b'"seq":' + f"{body['seq']}.0".encode()
            )
        elif variant == 4:
            text = canonical_body.replace(
                b'"seq":' + str(body["seq"]).encode(), b'"seq":' + f"{body['seq']}e0".encode()
            )
        elif variant == 5:
            text = canonical_body + b" "
        elif variant == 6:  # RFC 8259 §8.1: JSON text carries no byte order mark, so this is not JSON at all
            text, kind = b"\xef\xbb\xbf" + canonical_body, "entry.malformed"
        else:
            text = b'{"tag":"log:key:create",' + canonical_body[1:]
            kind = "entry.duplicate_key"
        yield Mutation(
            "non-canonical",
            f"variant {variant} of entry {index + 1}",
            c.replaced(index, text + b"\t" + signature.encode()),
            kind,
            index + 1,
        )


def key_set(c: Corpus, count: int) -> Iterator[Mutation]:
    keys = json.loads(c.base[KEYS])
    key_lines = [line for line in c.base[PAYLOADS].splitlines() if b'"owner_kind"' in line]
    for number in range(count):
        variant = number % 5
        changed = json.loads(json.dumps(keys))
        pick = c.rng.randrange(len(changed))
        if variant == 0:
            changed[pick]["valid_until"] = None if changed[pick]["valid_until"] else 10**6
        elif variant == 1:
            changed[pick]["owner"] = (
                c.scenario.party_b if changed[pick]["owner"] != c.scenario.party_b else c.scenario.party_a
            )
        elif variant == 2:
            del changed[pick]
        elif variant == 3:
            extra = generate_key_pair()
            changed.append(
                {**changed[pick], "key_id": extra.key_id, "public_key": public_key_to_text(extra.public_key)}
            )
        if variant < 4:
            yield Mutation(
                "key set",
                f"keys.json variant {variant}",
                c.files(**{KEYS: json.dumps(changed).encode()}),
                "key.mismatch",
            )
            continue
        dropped = c.rng.choice(key_lines)
        seq = json.loads(dropped)["seq"]
        payloads = b"".join(line + b"\n" for line in c.base[PAYLOADS].splitlines() if line != dropped)
        yield Mutation(
            "key set",
            f"key payload {seq} withheld",
            c.files(**{PAYLOADS: payloads}),
            "key.payload_missing",
            seq,
        )


def manifest_and_orphans(c: Corpus, count: int) -> Iterator[Mutation]:
    for number in range(count):
        if number % 2 == 0:
            files = c.files(**{MANIFEST: c.manifest_with(head_hash=f"{number:064x}")})
            yield Mutation("manifest", "head hash", files, "export.manifest_mismatch")
            continue
        seq = c.size + 1 + number
        extra = json.dumps({"seq": seq, "salt": "00" * 32, "payload": {"person": "nobody"}}).encode() + b"\n"
        yield Mutation(
            "payload orphan",
            f"payload for {seq}",
            c.files(**{PAYLOADS: c.base[PAYLOADS] + extra}),
            "payload.orphan",
            seq,
        )
