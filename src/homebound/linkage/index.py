"""Incremental matching: an in-memory index of a registry that scores one new record in milliseconds.

The index keeps every record's keys as integer codes in numpy arrays and, per blocking rule, the records
sorted by their packed key (plus a small unsorted tail for records added since the last sort). A look-up
gathers the candidates that share a blocking key with the new record, grades them with ``levels`` and sums
the trained model's match weights exactly as Splink's SQL does, so a pair scores the same here as in batch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from homebound.linkage.comparisons import BLOCKING_KEYS, COMPARISONS
from homebound.linkage.features import FEATURE_COLUMNS, prepare_features, record_keys
from homebound.linkage.frequencies import (
    TF_COLUMNS,
    RegistryShares,
    TermFrequencies,
    average_shares,
    tf_adjustments,
    tf_column,
    tf_levels,
)
from homebound.linkage.levels import (
    CODE_GROUPS,
    GROUP_OF,
    INT_COLUMNS,
    MISSING,
    UNSEEN,
    KeyArrays,
    Vocabulary,
    comparison_levels,
    metric_of,
    pairwise_levels,
)
from homebound.linkage.model import LinkageModel

__all__ = ["Candidate", "RegistryIndex"]

_CODE_BITS = 21
_CODE_MASK = (1 << _CODE_BITS) - 1
_SKELETON_COLUMNS = ("fam_skel", "giv_skel", "pat_skel")
# dob_swap serves the SQL only: the numpy ladder reads the swapped digits off dob_code.
_KEY_COLUMNS = tuple(c for c in FEATURE_COLUMNS if c in GROUP_OF or c in INT_COLUMNS)
_INITIAL_CAPACITY = 1024


@dataclass(frozen=True)
class Candidate:
    """A registry record scored against the new one, with the levels and weights that made its score."""

    record_id: str
    match_probability: float
    match_weight: float
    levels: dict[str, int]
    weights: dict[str, float]
    # Bits each comparison's level gained or lost for how common the name is, and the share it used.
    tf_adjustments: dict[str, float]
    name_shares: dict[str, float | None]


def _pack(parts: list[np.ndarray]) -> np.ndarray:
    """One int64 key per record from up to three codes; -1 where any part is missing.

    Codes beyond 21 bits wrap: two keys may then collide, which only adds candidates, never loses one.
    """
    key = np.zeros(len(parts[0]), dtype=np.int64)
    present = np.ones(len(parts[0]), dtype=bool)
    for part in parts:
        present &= part >= 0
        key = (key << _CODE_BITS) | (part.astype(np.int64) & _CODE_MASK)
    return np.where(present, key, -1)


_WORD = (1 << 64) - 1


def _pack_one(parts: list[int]) -> int:
    """`_pack` for one record on Python ints (a look-up packs one key per blocking rule; numpy's per-call
    overhead on arrays of one was a tenth of a look-up). Wraps at 64 bits as int64 does, so keys are equal."""
    key = 0
    for part in parts:
        if part < 0:
            return -1
        key = ((key << _CODE_BITS) | (part & _CODE_MASK)) & _WORD
    return key - (1 << 64) if key >> 63 else key


class _BlockingList:
    """Records by packed key: a sorted bulk part searched by bisection and a dict tail for new records."""

    def __init__(self, keys: np.ndarray) -> None:
        self._sort(keys)

    def _sort(self, keys: np.ndarray) -> None:
        rows = np.flatnonzero(keys >= 0)
        order = np.argsort(keys[rows], kind="stable")
        self.sorted_keys = keys[rows][order]
        self.sorted_rows = rows[order].astype(np.int64)
        self.tail: dict[int, list[int]] = {}
        self.tail_size = 0

    def add(self, key: int, row: int) -> None:
        if key >= 0:
            self.tail.setdefault(key, []).append(row)
            self.tail_size += 1

    def join(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (query position, row) pair whose keys are equal, for many query keys at once (sorted part
        only: the caller re-sorts first when the tail holds anything)."""
        starts = np.searchsorted(self.sorted_keys, keys, side="left")
        stops = np.searchsorted(self.sorted_keys, keys, side="right")
        counts = np.where(keys >= 0, stops - starts, 0)
        total = int(counts.sum())
        queries = np.repeat(np.arange(len(keys), dtype=np.int64), counts)
        first = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return queries, self.sorted_rows[first + np.arange(total, dtype=np.int64)]

    def rows(self, key: int) -> np.ndarray:
        start, stop = np.searchsorted(self.sorted_keys, [key, key + 1])
        found = self.sorted_rows[start:stop]
        extra = self.tail.get(key)
        return np.concatenate([found, np.asarray(extra, dtype=np.int64)]) if extra else found


class RegistryIndex:
    """One registry (e.g. a party's held list) ready for look-ups under one trained model."""

    def __init__(
        self,
        model: LinkageModel,
        *,
        resort_every: int = 50_000,
        frequencies: TermFrequencies | None = None,
    ) -> None:
        """``frequencies``: name shares to adjust by; by default the index counts them over its records."""
        self.model = model
        self.resort_every = resort_every
        self.vocabularies = {group: Vocabulary() for group in CODE_GROUPS}
        self.record_ids: list[str] = []
        self._columns = {c: np.full(_INITIAL_CAPACITY, MISSING, dtype=np.int32) for c in _KEY_COLUMNS}
        self._size = 0
        # Rows of records since removed or replaced stay in the arrays, inactive, until the next compaction.
        self._active = np.zeros(_INITIAL_CAPACITY, dtype=bool)
        self._row_of: dict[str, int] = {}
        self._inactive = 0
        self._blocking = [_BlockingList(np.empty(0, dtype=np.int64)) for _ in BLOCKING_KEYS]
        weights = _match_weights(model)
        self._weights = [np.asarray(weights[spec.name]) for spec in COMPARISONS]
        self._prior_weight = model.prior_weight()
        self.shares = RegistryShares(frequencies, average_shares(model))
        self._tf = {spec.name: (tf_column(spec), tf_levels(spec, model)) for spec in COMPARISONS}

    def __len__(self) -> int:
        return self._size - self._inactive

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._row_of

    def approximate_bytes(self) -> int:
        """Memory held by the index: its arrays exactly, its vocabularies and ids by their Python sizes."""
        arrays = sum(a.nbytes for a in self._columns.values()) + self._active.nbytes
        arrays += sum(b.sorted_keys.nbytes + b.sorted_rows.nbytes for b in self._blocking)
        strings = sum(
            sys.getsizeof(v) for vocabulary in self.vocabularies.values() for v in vocabulary.values
        )
        tables = sum(sys.getsizeof(v.codes) + sys.getsizeof(v.values) for v in self.vocabularies.values())
        ids = sys.getsizeof(self.record_ids) + sum(sys.getsizeof(r) for r in self.record_ids)
        return int(arrays + strings + tables + ids)

    # --- building ------------------------------------------------------------------------------------
    @classmethod
    def from_features(
        cls, features: pd.DataFrame, model: LinkageModel, *, frequencies: TermFrequencies | None = None
    ) -> RegistryIndex:
        """Index many records at once from ``features.prepare_features`` output."""
        index = cls(model, frequencies=frequencies)
        index._bulk_load(features)
        return index

    @classmethod
    def from_records(cls, records: pd.DataFrame, model: LinkageModel) -> RegistryIndex:
        """Index a frame of source columns (record_id, family_name, ... as ``features.SOURCE_COLUMNS``)."""
        return cls.from_features(prepare_features(records), model)

    def _bulk_load(self, features: pd.DataFrame) -> None:
        n = len(features)
        columns: dict[str, np.ndarray] = {}
        for group, names in CODE_GROUPS.items():
            values = pd.concat([features[c].astype(object) for c in names], ignore_index=True)
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            vocabulary = self.vocabularies[group]
            vocabulary.values = [str(v) for v in uniques]
            vocabulary.codes = {v: k for k, v in enumerate(vocabulary.values)}
            for position, name in enumerate(names):
                columns[name] = codes[position * n : (position + 1) * n].astype(np.int32)
        for name in INT_COLUMNS:
            columns[name] = features[name].astype("Int32").fillna(MISSING).to_numpy(dtype=np.int32)
        self._columns = columns
        self._size = n
        self.record_ids = features["unique_id"].astype(str).tolist()
        self._active = np.ones(n, dtype=bool)
        self._row_of = {}
        self._inactive = 0
        for row, record_id in enumerate(self.record_ids):
            if record_id in self._row_of:  # a repeated id: the last one counts
                self._active[self._row_of[record_id]] = False
                self._inactive += 1
            self._row_of[record_id] = row
        for column in TF_COLUMNS:
            self.shares.load(column, np.where(self._active, columns[column], MISSING))
        self._resort()

    def _resort(self) -> None:
        self._blocking = [
            _BlockingList(_pack([self._codes_for(c)[: self._size] for c in keys])) for keys in BLOCKING_KEYS
        ]

    def _codes_for(self, column: str) -> np.ndarray:
        return self._columns[column]

    def add(self, record: Mapping[str, Any]) -> None:
        """Index one new record (source columns by name), in place."""
        self.add_keys(record_keys(record))

    def add_keys(self, keys: Mapping[str, Any]) -> None:
        """Index one record by its keys; a record already indexed under the same id is replaced."""
        record_id = str(keys["unique_id"])
        self.remove(record_id)
        row = self._size
        if row == len(self._columns["fam_norm"]):
            capacity = max(_INITIAL_CAPACITY, 2 * row)
            for name, array in self._columns.items():
                grown = np.full(capacity, MISSING, dtype=np.int32)
                grown[:row] = array[:row]
                self._columns[name] = grown
            active = np.zeros(capacity, dtype=bool)
            active[:row] = self._active[:row]
            self._active = active
        encoded = self._encode(keys, insert=True)
        for name, value in encoded.items():
            self._columns[name][row] = value
        self.record_ids.append(record_id)
        for column in TF_COLUMNS:
            self.shares.change(column, encoded[column], 1)
        self._active[row] = True
        self._row_of[record_id] = row
        self._size += 1
        if max(b.tail_size for b in self._blocking) >= self.resort_every:
            self._resort()
            return
        for blocking, columns in zip(self._blocking, BLOCKING_KEYS, strict=True):
            blocking.add(int(_pack([np.array([encoded[c]]) for c in columns])[0]), row)

    def remove(self, record_id: str) -> bool:
        """Take a record out of the index (its status left the registry's open set, or it is replaced)."""
        row = self._row_of.pop(record_id, None)
        if row is None:
            return False
        self._active[row] = False
        self._inactive += 1
        for column in TF_COLUMNS:
            self.shares.change(column, int(self._columns[column][row]), -1)
        if self._inactive > max(_INITIAL_CAPACITY, self._size // 4):
            self._compact()
        return True

    def _compact(self) -> None:
        """Drop the inactive rows from the arrays and re-sort (vocabularies keep their values)."""
        keep = np.flatnonzero(self._active[: self._size])
        self._columns = {name: array[keep] for name, array in self._columns.items()}
        self.record_ids = [self.record_ids[k] for k in keep]
        self._size = len(keep)
        self._active = np.ones(self._size, dtype=bool)
        self._row_of = {record_id: row for row, record_id in enumerate(self.record_ids)}
        self._inactive = 0
        self._resort()

    def _encode(self, keys: Mapping[str, Any], *, insert: bool) -> dict[str, int]:
        encoded: dict[str, int] = {}
        for name in _KEY_COLUMNS:
            value = keys.get(name)
            if name in INT_COLUMNS:
                encoded[name] = MISSING if value is None or pd.isna(value) else int(value)
                continue
            text = None if value is None or pd.isna(value) else str(value)
            vocabulary = self.vocabularies[GROUP_OF[name]]
            encoded[name] = vocabulary.add(text) if insert else vocabulary.look_up(text)
        return encoded

    # --- look-up -------------------------------------------------------------------------------------
    def _query(self, keys: Mapping[str, Any]) -> KeyArrays:
        encoded = self._encode(keys, insert=False)
        skeletons = {c: (None if keys.get(c) is None else str(keys[c])) for c in _SKELETON_COLUMNS}
        return KeyArrays({k: np.array([v], dtype=np.int32) for k, v in encoded.items()}, skeletons)

    def candidate_rows(self, keys: Mapping[str, Any]) -> np.ndarray:
        """Rows sharing at least one blocking key with the record whose keys are given."""
        query = self._query(keys)
        found = [
            blocking.rows(key)
            for blocking, columns in zip(self._blocking, BLOCKING_KEYS, strict=True)
            if (key := _pack_one([int(query[c][0]) for c in columns])) >= 0
        ]
        if not found:
            return np.empty(0, dtype=np.int64)
        rows = np.unique(np.concatenate(found))
        return np.asarray(rows[self._active[rows]])

    def score_rows(
        self, keys: Mapping[str, Any], rows: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Levels per comparison and the total match weight of the record against the given rows."""
        levels, _, total = self._score(keys, rows)
        return levels, total

    def _score(
        self, keys: Mapping[str, Any], rows: np.ndarray
    ) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """Levels, per comparison its frequency adjustment and the share used, and the total weight."""
        query = self._query(keys)
        candidates = KeyArrays({name: array[rows] for name, array in self._columns.items()})
        levels = comparison_levels(query, candidates, self.vocabularies)

        def query_share(column: str) -> np.ndarray:
            code = query[column]
            share = self._shares_of(column, code)
            if code[0] == UNSEEN:
                share[:] = self.shares.of_text(column, keys.get(column))
            return np.broadcast_to(share, len(rows))

        def candidate_share(column: str) -> np.ndarray:
            return self._shares_of(column, candidates[column])

        adjusted = self._adjust(levels, query_share, candidate_share)
        total = np.full(len(rows), self._prior_weight)
        for spec, weights in zip(COMPARISONS, self._weights, strict=True):
            total = total + weights[levels[spec.name].astype(np.int64) + 1]
            if spec.name in adjusted:
                total = total + adjusted[spec.name][0]
        return levels, adjusted, total

    def _shares_of(self, column: str, codes: np.ndarray) -> np.ndarray:
        return self.shares.of_codes(column, codes, self.vocabularies[GROUP_OF[column]].values)

    def _adjust(
        self,
        levels: Mapping[str, np.ndarray],
        query_share: Callable[[str], np.ndarray],
        candidate_share: Callable[[str], np.ndarray],
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per adjusted comparison: the bits its level gains or loses for how common the name is (Splink's
        term-frequency adjustment), and the share that decided it (NaN where none applied)."""
        adjusted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, (column, log2_u) in self._tf.items():
            if column is None or not log2_u:
                continue
            left, right = query_share(column), candidate_share(column)
            bits = tf_adjustments(levels[name], log2_u, left, right)
            applied = np.isin(levels[name], list(log2_u))
            adjusted[name] = (bits, np.where(applied, np.fmax(left, right), np.nan))
        return adjusted

    def look_up(
        self, record: Mapping[str, Any], *, min_probability: float = 0.01, limit: int = 10
    ) -> list[Candidate]:
        """The best-scoring registry records for a new record (source columns by name), best first."""
        keys = record_keys(record)
        rows = self.candidate_rows(keys)
        if not len(rows):
            return []
        levels, adjusted, weight = self._score(keys, rows)
        probability = _probability(weight)
        keep = np.flatnonzero(probability >= min_probability)
        keep = keep[np.argsort(-weight[keep], kind="stable")][:limit]
        return [self._candidate(int(rows[k]), levels, adjusted, weight, probability, int(k)) for k in keep]

    def _candidate(
        self,
        row: int,
        levels: dict[str, np.ndarray],
        adjusted: dict[str, tuple[np.ndarray, np.ndarray]],
        weight: np.ndarray,
        probability: np.ndarray,
        k: int,
    ) -> Candidate:
        gammas = {name: int(array[k]) for name, array in levels.items()}
        weights = {
            spec.name: float(w[gammas[spec.name] + 1])
            for spec, w in zip(COMPARISONS, self._weights, strict=True)
        }
        bits = {name: float(parts[0][k]) for name, parts in adjusted.items()}
        shares = {name: _or_none(float(parts[1][k])) for name, parts in adjusted.items()}
        return Candidate(
            self.record_ids[row], float(probability[k]), float(weight[k]), gammas, weights, bits, shares
        )

    # --- many records at once ------------------------------------------------------------------------
    def _encode_frame(self, features: pd.DataFrame) -> dict[str, np.ndarray]:
        """Codes of many query records (``prepare_features`` output); values no record has are UNSEEN."""
        encoded: dict[str, np.ndarray] = {}
        for name in _KEY_COLUMNS:
            if name in INT_COLUMNS:
                encoded[name] = features[name].astype("Int32").fillna(MISSING).to_numpy(dtype=np.int32)
                continue
            values = features[name]
            codes = values.map(self.vocabularies[GROUP_OF[name]].codes)
            missing = values.isna().to_numpy()
            found = codes.notna().to_numpy()
            column = np.full(len(values), UNSEEN, dtype=np.int32)
            column[found] = codes[found].to_numpy(dtype=np.int64)
            column[missing] = MISSING
            encoded[name] = column
        return encoded

    def _pair_similarity(
        self, texts: Mapping[str, np.ndarray], right: KeyArrays, queries: np.ndarray
    ) -> Callable[[str], np.ndarray]:
        def similarity(key: str) -> np.ndarray:
            column, metric = metric_of(key)
            codes = right[column]
            left = texts[column][queries]
            result = np.zeros(len(codes))
            present = (codes >= 0) & pd.notna(left)
            if not present.any():
                return result
            left_codes, uniques = pd.factorize(left[present])
            values = self.vocabularies[GROUP_OF[column]].values
            base = len(values) + 1
            combined = left_codes.astype(np.int64) * base + codes[present].astype(np.int64)
            distinct, inverse = np.unique(combined, return_inverse=True)
            scores = np.fromiter(
                (metric(str(uniques[d // base]), values[d % base]) for d in distinct),
                dtype=float,
                count=len(distinct),
            )
            result[present] = scores[inverse.reshape(-1)]
            return result

        return similarity

    def look_up_many(
        self, features: pd.DataFrame, *, min_probability: float = 0.01, limit: int = 10
    ) -> pd.DataFrame:
        """Score many new records at once (``prepare_features`` output), vectorised: blocking by sorted
        joins, levels by ``levels.pairwise_levels``, the same weights as ``look_up``.

        One row per kept pair, each query's best ``limit`` first: ``query`` (position in ``features``),
        ``record_id``, ``match_probability``, ``match_weight``, ``gamma_<comparison>``, ``mw_<comparison>``.
        """
        if any(b.tail_size for b in self._blocking):
            self._resort()
        query = self._encode_frame(features)
        found_queries, found_rows = [], []
        for blocking, columns in zip(self._blocking, BLOCKING_KEYS, strict=True):
            queries, rows = blocking.join(_pack([query[c] for c in columns]))
            found_queries.append(queries)
            found_rows.append(rows)
        queries = np.concatenate(found_queries)
        rows = np.concatenate(found_rows)
        pair = np.unique(queries * max(self._size, 1) + rows)
        queries, rows = pair // max(self._size, 1), pair % max(self._size, 1)
        active = self._active[rows]
        queries, rows = queries[active], rows[active]
        left = KeyArrays({name: array[queries] for name, array in query.items()})
        right = KeyArrays({name: array[rows] for name, array in self._columns.items()})
        texts = {c: features[c].to_numpy(dtype=object) for c in _SKELETON_COLUMNS}
        levels = pairwise_levels(left, right, self._pair_similarity(texts, right, queries))

        def query_share(column: str) -> np.ndarray:
            share = self._shares_of(column, query[column])
            unseen = np.flatnonzero(query[column] == UNSEEN)
            values = features[column].to_numpy(dtype=object)
            share[unseen] = [self.shares.of_text(column, values[k]) for k in unseen]
            return np.asarray(share[queries])

        adjusted = self._adjust(levels, query_share, lambda column: self._shares_of(column, right[column]))
        weight = np.full(len(rows), self._prior_weight)
        parts: dict[str, np.ndarray] = {}
        for spec, weights in zip(COMPARISONS, self._weights, strict=True):
            parts[spec.name] = weights[levels[spec.name].astype(np.int64) + 1]
            weight = weight + parts[spec.name]
            if spec.name in adjusted:
                weight = weight + adjusted[spec.name][0]
        probability = _probability(weight)
        keep = np.flatnonzero(probability >= min_probability)
        order = keep[np.lexsort((-weight[keep], queries[keep]))]
        group = queries[order]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.empty(0, int)
        rank = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
        order = order[rank < limit]
        out: dict[str, Any] = {
            "query": queries[order],
            "record_id": np.asarray([self.record_ids[r] for r in rows[order]], dtype=object),
            "match_probability": probability[order],
            "match_weight": weight[order],
        }
        for spec in COMPARISONS:
            out[f"gamma_{spec.name}"] = levels[spec.name][order].astype(np.int64)
        for spec in COMPARISONS:
            out[f"mw_{spec.name}"] = parts[spec.name][order]
        for name, (bits, shares) in adjusted.items():
            out[f"mw_tf_adj_{name}"] = bits[order]
            out[f"name_share_{name}"] = shares[order]
        return pd.DataFrame(out)

    def extend(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self.add(record)


_WEIGHTS: dict[int, tuple[LinkageModel, dict[str, tuple[float, ...]]]] = {}


def _match_weights(model: LinkageModel) -> dict[str, tuple[float, ...]]:
    """The model's weights, computed once per model (Splink's settings take ~0.1 s to build)."""
    found = _WEIGHTS.get(id(model))
    if found is None or found[0] is not model:
        if len(_WEIGHTS) >= 16:
            _WEIGHTS.clear()
        found = _WEIGHTS[id(model)] = (model, model.match_weights())
    return found[1]


def _or_none(share: float) -> float | None:
    return None if np.isnan(share) else share


def _probability(weight: np.ndarray) -> np.ndarray:
    """Splink's conversion of a match weight to a probability, in its numerically stable form."""
    power = np.power(2.0, -np.abs(weight))
    return np.asarray(np.where(weight >= 0, 1.0 / (1.0 + power), power / (1.0 + power)))
