"""Exchange lists with ground truth: each party's sought list against the other's held list, both ways."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np

from homebound.synthetic.names import Language
from homebound.synthetic.persons import (
    HELD_NOISE,
    RUSSIAN_SOUGHT_NOISE,
    SOUGHT_NOISE,
    NoiseRates,
    held_record,
    sought_record,
)
from homebound.synthetic.population import (
    DEFAULT_AS_OF,
    DEFAULT_SHARES,
    PopulationShares,
    RelativeKind,
    SyntheticPerson,
    draw_population,
    make_relative,
)

Row = dict[str, str]

# Party A writes like the Ukrainian side, party B like the Russian side.
PARTY_A = Language.UKRAINIAN
PARTY_B = Language.RUSSIAN
_ID_PREFIX = {Language.UKRAINIAN: "UA", Language.RUSSIAN: "RU"}


@dataclass(frozen=True)
class HardNegativeRates:
    """Look-alike pairs planted per sought record: different people the linker must keep apart."""

    twins: float = 0.005
    brothers: float = 0.02
    namesakes: float = 0.02


DEFAULT_HARD_NEGATIVES = HardNegativeRates()


@dataclass(frozen=True)
class HardNegative:
    """A sought record and a held record that look alike but are two people."""

    kind: RelativeKind
    sought_id: str
    held_id: str


@dataclass(frozen=True)
class ListPair:
    """One party's sought list of its own people against the other party's held list, with the truth."""

    seeking: Language
    sought: list[Row]
    held: list[Row]
    truth: list[tuple[str, str]]  # (sought record_id, held record_id): the same person
    hard_negatives: list[HardNegative]
    person_of: dict[str, int] = field(repr=False)  # record_id -> synthetic person id, for both lists


@dataclass(frozen=True)
class ExchangeLists:
    """Four registries: A's sought vs B's held (forward), B's sought vs A's held (reverse, may be absent)."""

    forward: ListPair
    reverse: ListPair | None

    @property
    def a_sought(self) -> list[Row]:
        return self.forward.sought

    @property
    def b_held(self) -> list[Row]:
        return self.forward.held

    @property
    def b_sought(self) -> list[Row]:
        return self.reverse.sought if self.reverse else []

    @property
    def a_held(self) -> list[Row]:
        return self.reverse.held if self.reverse else []


def generate_exchange_lists(
    n_persons: int,
    seed: int,
    *,
    n_held: int | None = None,
    n_reverse: int | None = None,
    overlap: float = 0.7,
    sought_noise: NoiseRates = SOUGHT_NOISE,
    held_noise: NoiseRates = HELD_NOISE,
    reverse_sought_noise: NoiseRates = RUSSIAN_SOUGHT_NOISE,
    hard_negatives: HardNegativeRates = DEFAULT_HARD_NEGATIVES,
    shares: PopulationShares = DEFAULT_SHARES,
    as_of: dt.date = DEFAULT_AS_OF,
) -> ExchangeLists:
    """Party A's sought list of `n_persons` against party B's held list of `n_held` (default the same),
    `overlap` of the shorter being the same people; and the reverse direction with `n_reverse` records in each
    list (default `n_persons`; 0 for none). The same seed gives the same lists."""
    forward_seed, reverse_seed = np.random.SeedSequence(seed).spawn(2)
    forward = generate_list_pair(
        PARTY_A,
        n_persons,
        n_held if n_held is not None else n_persons,
        forward_seed,
        overlap=overlap,
        sought_noise=sought_noise,
        held_noise=held_noise,
        hard_negatives=hard_negatives,
        shares=shares,
        as_of=as_of,
    )
    size = n_persons if n_reverse is None else n_reverse
    reverse = None
    if size > 0:
        reverse = generate_list_pair(
            PARTY_B,
            size,
            size,
            reverse_seed,
            overlap=overlap,
            sought_noise=reverse_sought_noise,
            held_noise=held_noise,
            hard_negatives=hard_negatives,
            shares=shares,
            as_of=as_of,
        )
    return ExchangeLists(forward, reverse)


def generate_list_pair(
    seeking: Language,
    n_sought: int,
    n_held: int,
    seed: np.random.SeedSequence | int,
    *,
    overlap: float = 0.7,
    sought_noise: NoiseRates = SOUGHT_NOISE,
    held_noise: NoiseRates = HELD_NOISE,
    hard_negatives: HardNegativeRates = DEFAULT_HARD_NEGATIVES,
    shares: PopulationShares = DEFAULT_SHARES,
    as_of: dt.date = DEFAULT_AS_OF,
) -> ListPair:
    """`seeking`'s people: its sought list and the other side's held list, `overlap` of them on both."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(sequence)
    writer_rng = random.Random(int(sequence.generate_state(1)[0]))  # noqa: S311 - synthetic data, not secrets
    n_both = round(overlap * min(n_sought, n_held))
    people = draw_population(n_sought + n_held - n_both, seeking, rng, as_of=as_of, shares=shares)
    # people[:n_both] are on both lists, people[n_both:n_sought] sought only, the rest held only.
    relatives = _plant_relatives(people, n_both, n_sought, hard_negatives, rng)
    sought_people = [people[i] for i in rng.permutation(n_sought).tolist()]
    held_order = np.concatenate([np.arange(n_both), np.arange(n_sought, len(people))])
    held_people = [people[i] for i in rng.permutation(held_order).tolist()]
    prefix = _ID_PREFIX[seeking]
    captor_prefix = _ID_PREFIX[seeking.other]
    sought_ids = {p.person_id: f"{prefix}-S-{k + 1:07d}" for k, p in enumerate(sought_people)}
    held_ids = {p.person_id: f"{captor_prefix}-H-{k + 1:07d}" for k, p in enumerate(held_people)}
    sought_rows = [
        sought_record(
            p,
            sought_ids[p.person_id],
            sought_noise,
            writer_rng,
            believed_captive=writer_rng.random() < (0.6 if p.person_id < n_both else 0.2),
        )
        for p in sought_people
    ]
    held_rows = [held_record(p, held_ids[p.person_id], held_noise, writer_rng) for p in held_people]
    truth = [(sought_ids[p.person_id], held_ids[p.person_id]) for p in people[:n_both]]
    negatives = [
        HardNegative(kind, sought_ids[s], held_ids[h])
        for kind, s, h in relatives
        if s in sought_ids and h in held_ids
    ]
    person_of = {rid: pid for pid, rid in sought_ids.items()} | {rid: pid for pid, rid in held_ids.items()}
    return ListPair(seeking, sought_rows, held_rows, truth, negatives, person_of)


def _plant_relatives(
    people: list[SyntheticPerson],
    n_both: int,
    n_sought: int,
    rates: HardNegativeRates,
    rng: np.random.Generator,
) -> list[tuple[RelativeKind, int, int]]:
    """Turn some people into twins, brothers and namesakes of people on both lists; return the look-alike
    (kind, sought person id, held person id) pairs. Relatives land on the sought list only, the held list
    only, or both, in equal shares."""
    counts = [
        (RelativeKind.TWIN, round(rates.twins * n_sought)),
        (RelativeKind.BROTHER, round(rates.brothers * n_sought)),
        (RelativeKind.NAMESAKE, round(rates.namesakes * n_sought)),
    ]
    wanted = sum(c for _, c in counts)
    pools = [
        rng.permutation(np.arange(n_both, n_sought)).tolist(),  # sought only
        rng.permutation(np.arange(n_sought, len(people))).tolist(),  # held only
    ]
    both = rng.permutation(n_both).tolist()
    anchors, both_relatives = both[:wanted], both[wanted:]
    pairs: list[tuple[RelativeKind, int, int]] = []
    slot = 0
    for kind, count in counts:
        for _ in range(count):
            if slot >= len(anchors):
                return pairs
            anchor = anchors[slot]
            where = slot % 3
            pool = pools[where] if where < 2 else both_relatives
            slot += 1
            if not pool:
                continue
            relative = pool.pop()
            people[relative] = make_relative(people[anchor], people[relative], kind, rng)
            on_sought = where in {0, 2}
            on_held = where in {1, 2}
            if on_held:
                pairs.append((kind, anchor, relative))
            if on_sought:
                pairs.append((kind, relative, anchor))
    return pairs
