"""A demo federation on one machine: party UA, party RU and the mediator, each a node with its own SQLite
database and key directory under one folder; cards pinned, synthetic lists in each party's own registry,
disclosed to the mediator by packages, matched there, match results sent back, and every node's log
checkpoint cosigned by a peer. Every package that crossed is also left in `packages/` as a file.

Nothing here talks to a node except through its own unit of work and packages: it is the same sequence an
operator runs with `homebound node|package ...` on three machines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from homebound.core.errors import DomainError
from homebound.core.matching.review import Verdict
from homebound.core.packages.cards import NodeKind
from homebound.core.packages.kinds import PackageKind
from homebound.core.persons import Registry
from homebound.db.matching_tables import MatchCandidateRow
from homebound.lists.headers import HeaderLanguage
from homebound.lists.writers import write_csv
from homebound.services import matching
from homebound.services.demo import DEMO_PASSWORD
from homebound.services.federation.disclosure import disclosure_payload
from homebound.services.federation.local_nodes import LocalNode, set_up_node
from homebound.services.federation.match_results import match_result_payload
from homebound.services.federation.packages import SentPackage, acknowledge, receive_package, send_package
from homebound.services.federation.tree_heads import send_checkpoint
from homebound.services.passwords import PRODUCTION_COST, PasswordCost
from homebound.synthetic.scenario import generate_exchange_lists

MANIFEST = "federation.json"
NODES = (
    ("ua", NodeKind.PARTY, "Party UA: Coordination Headquarters for the Treatment of POWs (demo node)"),
    ("ru", NodeKind.PARTY, "Party RU: Ministry of Defence exchange commission (demo node)"),
    ("med", NodeKind.MEDIATOR, "Mediator: ombudsman office of a neutral state (demo node)"),
)


@dataclass(frozen=True)
class DemoNode:
    code: str
    kind: str
    name: str
    database_url: str
    key_dir: str
    admin: str


@dataclass
class FederationSummary:
    nodes: list[DemoNode]
    already_prepared: bool = False
    lines: list[str] = field(default_factory=list)


def read_manifest(root: Path) -> list[DemoNode] | None:
    path = root / MANIFEST
    if not path.exists():
        return None
    return [DemoNode(**node) for node in json.loads(path.read_text(encoding="utf-8"))["nodes"]]


def prepare_federation(
    root: Path,
    *,
    persons: int = 400,
    seed: int = 2023,
    cost: PasswordCost = PRODUCTION_COST,
    progress: Callable[[str], None] = lambda _line: None,
) -> FederationSummary:
    """Set the three nodes up under `root` (idempotent: a prepared folder is left as it is)."""
    prepared = read_manifest(root)
    if prepared is not None:
        return FederationSummary(prepared, already_prepared=True)
    root.mkdir(parents=True, exist_ok=True)
    specs = [
        DemoNode(code, kind.value, name, f"sqlite:///{(root / f'{code}.sqlite3').resolve()}",
                 str((root / f"{code}-keys").resolve()), f"{code}-admin")
        for code, kind, name in NODES
    ]  # fmt: skip
    summary = FederationSummary(specs)
    say = _Narrator(summary, progress)
    nodes = {
        spec.code: set_up_node(spec.code, NodeKind(spec.kind), spec.database_url, Path(spec.key_dir),
                               password=DEMO_PASSWORD, cost=cost, name=spec.name)
        for spec in specs
    }  # fmt: skip
    ua, ru, med = nodes["ua"], nodes["ru"], nodes["med"]
    for party in (ua, ru):  # parties pin the mediator's card and it theirs; parties never pin each other
        party.trusts(med)
        med.trusts(party)
    say("nodes ua, ru and med set up; cards pinned (ua<->med, ru<->med)")
    _load_registries(ua, ru, persons, seed, say)
    courier = _Courier(root / "packages")
    for party in (ua, ru):
        for registry in (Registry.HELD, Registry.SOUGHT):
            payload = disclosure_payload(party.uows, party.actor(), registry)
            sent = send_package(
                party.uows, party.actor(), to=["med"], kind=PackageKind.DISCLOSURE, payload=payload
            )
            say(f"{party.code} -> med: {courier.deliver(party, med, sent, 'disclosure')}")
    say(f"med: {_confirm_clear_matches(med)} pairs confirmed (the rest wait in the review queue)")
    for party in (ua, ru):
        result = match_result_payload(med.uows, med.actor(), party.code)
        sent = send_package(
            med.uows, med.actor(), to=[party.code], kind=PackageKind.MATCH_RESULT, payload=result
        )
        say(f"med -> {party.code}: {courier.deliver(med, party, sent, 'match-result')}")
    for node, witness in ((ua, med), (ru, med), (med, ua), (med, ru)):
        sent = send_checkpoint(node.uows, node.actor(), witness.code)
        reply = courier.deliver(node, witness, sent, "checkpoint", answer=True)
        say(f"{node.code} -> {witness.code}: {reply}")
    for node in nodes.values():
        node.engine.dispose()
    (root / MANIFEST).write_text(
        json.dumps({"nodes": [asdict(s) for s in specs]}, indent=1), encoding="utf-8"
    )
    return summary


class _Narrator:
    def __init__(self, summary: FederationSummary, progress: Callable[[str], None]) -> None:
        self.summary, self.progress = summary, progress

    def __call__(self, line: str) -> None:
        self.summary.lines.append(line)
        self.progress(line)


def _load_registries(
    ua: LocalNode, ru: LocalNode, persons: int, seed: int, say: Callable[[str], None]
) -> None:
    """The single-server demo's synthetic lists, each in its own party's node only."""
    scenario = generate_exchange_lists(persons, seed)
    reverse = scenario.reverse
    assert reverse is not None
    uploads = (
        (ua, Registry.SOUGHT, scenario.forward.sought, HeaderLanguage.UK),
        (ru, Registry.HELD, scenario.forward.held, HeaderLanguage.RU),
        (ru, Registry.SOUGHT, reverse.sought, HeaderLanguage.RU),
        (ua, Registry.HELD, reverse.held, HeaderLanguage.UK),
    )
    for node, registry, rows, language in uploads:
        data = write_csv(rows, language=language)
        node.imports(registry, data)
        say(f"{node.code}: {len(rows)} {registry.value} records in its own registry")


def _confirm_clear_matches(med: LocalNode) -> int:
    """The mediator confirms the clear pairs (the machine's `match` band, best first, one-to-one)."""
    with med.uows.reader() as uow:
        rows = uow.session.execute(
            select(MatchCandidateRow.id, MatchCandidateRow.sought_person_id, MatchCandidateRow.held_person_id)
            .where(MatchCandidateRow.band == "match", MatchCandidateRow.status == "pending")
            .order_by(MatchCandidateRow.match_probability.desc(), MatchCandidateRow.id)
        ).all()
    actor, taken, confirmed = med.actor(), set[str](), 0
    for candidate, sought, held in rows:
        if sought in taken or held in taken:
            continue
        try:
            matching.review_candidate(med.uows, actor, candidate, Verdict.CONFIRM, None)
        except DomainError:
            continue  # a status the table does not let become confirmed: left to the reviewer
        taken.update((sought, held))
        confirmed += 1
    return confirmed


class _Courier:
    """Carries packages between the nodes as files (as a USB stick would), receipts and answers back."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.count = folder, 0

    def _file(self, sender: str, receiver: str, kind: str, data: bytes) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{sender}-to-{receiver}-{kind}.hbp"
        path.write_bytes(data)
        return path

    def deliver(
        self, sender: LocalNode, receiver: LocalNode, sent: SentPackage, kind: str, *, answer: bool = False
    ) -> str:
        path = self._file(sender.code, receiver.code, kind, sent.data)
        received = receive_package(receiver.uows, receiver.actor(), path.read_bytes())
        acknowledge(sender.uows, received.receipt)
        if answer and received.reply is not None:
            back = self._file(receiver.code, sender.code, "cosignature", received.reply.data)
            returned = receive_package(sender.uows, sender.actor(), back.read_bytes())
            acknowledge(receiver.uows, returned.receipt)
            return returned.summary
        return received.summary
