"""Tamper corpus: 2,000+ mutations of a 1,000-entry signed log, each caught with the right kind at the right
place, and no false alarm on 100 untampered logs of varied length, seed and reader."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from bench.loggen import build_log

from homebound.core.log.export import audit_export
from tests.core.log import tamper_corpus as entries
from tests.core.log import tamper_heads as heads
from tests.core.log.tamper_corpus import Corpus, Mutation

Family = Callable[[Corpus, int], Iterator[Mutation]]
FAMILIES: list[tuple[Family, int]] = [
    (entries.flipped_fields, 600),
    (entries.broken_bytes, 100),
    (entries.edited_payloads, 200),
    (entries.deleted, 150),
    (entries.inserted, 150),
    (entries.swapped, 100),
    (entries.replayed, 100),
    (entries.truncated, 100),
    (heads.forged_signatures, 200),
    (heads.revoked_keys, 100),
    (heads.forks, 90),
    (heads.stale, 100),
    (heads.leaf_node_confusion, 100),
    (heads.non_canonical, 200),
    (heads.key_set, 50),
    (heads.manifest_and_orphans, 30),
]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(build_log(1000, seed=11), seed=5)


@pytest.fixture(scope="module")
def verified() -> set[bytes]:
    """Signatures already verified, by exact (key, signature, message) bytes, shared across the corpus."""
    return set()


def test_the_untampered_base_verifies_with_and_without_state(corpus: Corpus, verified: set[bytes]) -> None:
    for state in (None, corpus.state):
        report = audit_export(corpus.base, state=state, verified_signatures=verified)
        assert report.ok, report.failure
        assert report.entries_checked == report.signatures_checked == 1000
        assert report.final_checkpoint == corpus.newest_final


def test_the_corpus_is_large_and_varied(corpus: Corpus) -> None:
    assert sum(count for _, count in FAMILIES) >= 2000
    assert len({family.__name__ for family, _ in FAMILIES}) == len(FAMILIES)


@pytest.mark.parametrize(("family", "count"), FAMILIES, ids=[family.__name__ for family, _ in FAMILIES])
def test_every_mutation_is_caught_with_its_kind(
    corpus: Corpus, verified: set[bytes], family: Family, count: int
) -> None:
    # Each family draws from its own seed, so its mutations do not depend on which families ran before it
    # in this process (the suite is spread over workers).
    corpus.rng.seed(family.__name__)
    mutations = list(family(corpus, count))
    assert len(mutations) == count
    wrong = []
    for mutation in mutations:
        report = audit_export(mutation.files, state=mutation.state, verified_signatures=verified)
        failure = report.failure
        caught = failure is not None and failure.kind == mutation.kind
        if not caught or (mutation.seq is not None and failure is not None and failure.seq != mutation.seq):
            wrong.append((mutation.what, mutation.kind, mutation.seq, failure))
    assert not wrong, f"{len(wrong)} of {count} not caught as expected, e.g. {wrong[:3]}"
    assert len(Counter(mutation.kind for mutation in mutations)) >= 1


SIZES = [7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 127, 128, 129, 255, 257, 300, 511, 513, 1000]


@pytest.mark.parametrize("batch", range(5))
def test_no_false_alarm_on_untampered_logs(batch: int) -> None:
    """100 logs in 5 batches: every size above (tree shapes around powers of two), three readers, new keys."""
    for offset, size in enumerate(SIZES):
        seed = 100 * batch + offset
        scenario = build_log(
            size, seed=seed, checkpoint_every=max(5, size // (2 + seed % 4)), rotate=seed % 2 == 0
        )
        reader = (scenario.party_a, scenario.party_b, None)[seed % 3]
        report = audit_export(scenario.log.export(reader))
        assert report.ok, (size, seed, report.failure)
        assert report.entries_checked == size
