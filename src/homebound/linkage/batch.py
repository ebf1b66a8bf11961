"""Batch linkage of two lists on Splink: register the keyed lists, train the model, score blocked pairs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from homebound.linkage.comparisons import COMPARISONS, EM_TRAINING_KEYS
from homebound.linkage.frequencies import TF_COLUMNS, TermFrequencies, tf_column, tf_gammas
from homebound.linkage.model import LinkageModel, splink_settings

__all__ = [
    "LEFT_TABLE",
    "RIGHT_TABLE",
    "LinkSession",
    "duckdb_api",
    "pair_columns",
]

# Splink puts the dataset whose name sorts first on the left of every pair: these names keep our order.
LEFT_TABLE = "list_left"
RIGHT_TABLE = "list_right"
# Pairs agreeing on skeleton, name class and full date: the share of true pairs they catch, measured on the
# synthetic lists (bench/linkage.py), turns their count into the prior.
PRIOR_RULE = ("fam_skel", "giv_key", "dob_full")
PRIOR_RULE_RECALL = 0.6
MAX_PRIOR = 0.5
U_SAMPLE_PAIRS = 2e6
# No level's m below this: one in a thousand true pairs may disagree on any one field by clerical error.
M_FLOOR = 1e-3
DEFAULT_SEED = 20230108

Progress = Callable[[str], None]


def duckdb_api(*, threads: int = 2, memory_limit: str = "3GB") -> DuckDBAPI:
    """A Splink DuckDB backend on a private in-memory database with bounded threads and memory."""
    connection = duckdb.connect()
    connection.execute(f"SET threads = {int(threads)}")
    connection.execute("SET memory_limit = ?", [memory_limit])
    connection.execute("SET preserve_insertion_order = false")
    connection.execute("SET enable_progress_bar = false")
    return DuckDBAPI(connection)


@contextmanager
def _quiet_splink() -> Iterator[None]:
    """Splink reports each training step at INFO and warns of unobserved levels; keep only errors."""
    logger = logging.getLogger("splink")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _silent(_: str) -> None:
    return None


class LinkSession:
    """Two keyed lists registered with one Splink backend, linked under one model.

    ``left`` and ``right`` are frames from ``features.prepare_features`` (or the same columns in the backend's
    own frame type, e.g. a Spark DataFrame). The model starts untrained unless one is given.
    """

    def __init__(
        self,
        left: Any,
        right: Any,
        model: LinkageModel | None = None,
        *,
        db_api: Any | None = None,
        dialect: str = "duckdb",
        frequencies: TermFrequencies | None = None,
    ) -> None:
        """``frequencies``: the name shares the rare-name weights use; by default Splink counts them over
        the two lists."""
        self._given_frequencies = frequencies
        self._frames = (left, right)
        self.db_api = db_api if db_api is not None else duckdb_api()
        self.dialect = dialect
        self.model = model or LinkageModel.untrained()
        self._sizes = (_row_count(left), _row_count(right))
        # Physical names are unique per session (a Spark session outlives many); display names set the order.
        suffix = uuid.uuid4().hex[:12]
        self._tables = [
            self.db_api.register(left, dataset_display_name=LEFT_TABLE, table_name=f"{LEFT_TABLE}_{suffix}"),
            self.db_api.register(
                right, dataset_display_name=RIGHT_TABLE, table_name=f"{RIGHT_TABLE}_{suffix}"
            ),
        ]
        self.linker = self._new_linker()

    def _new_linker(self) -> Linker:
        linker = Linker(self._tables, splink_settings(self.model, self.dialect), log_level=None)
        self.frequencies = self._frequencies()
        if self.frequencies is not None:
            suffix = uuid.uuid4().hex[:12]
            for column in TF_COLUMNS:
                shares = self.frequencies.shares.get(column, {})
                table: Any = pd.DataFrame({column: list(shares), f"tf_{column}": list(shares.values())})
                if self.dialect == "spark":  # built from rows: PySpark's pandas conversion breaks on pandas 3
                    spark_api: Any = self.db_api  # SparkAPI: its session builds the frame
                    table = spark_api.spark.createDataFrame(
                        list(shares.items()), schema=f"{column} string, tf_{column} double"
                    )
                registered = self.db_api.register(table, table_name=f"tf_{column}_{suffix}")
                linker.table_management.register_term_frequency_lookup(registered, column)
        return linker

    def train(
        self,
        *,
        seed: int = DEFAULT_SEED,
        u_sample_pairs: float = U_SAMPLE_PAIRS,
        m_floor: float = M_FLOOR,
        progress: Progress = _silent,
    ) -> LinkageModel:
        """Estimate the prior from a strict rule, u by random sampling, m by EM on each training block."""
        training = self.linker.training
        with _quiet_splink():
            progress("estimating the share of matching pairs")
            training.estimate_probability_two_random_records_match(
                [block_on(*PRIOR_RULE)], recall=PRIOR_RULE_RECALL
            )
            progress(f"estimating u on {u_sample_pairs:,.0f} random pairs")
            training.estimate_u_using_random_sampling(max_pairs=u_sample_pairs, seed=seed)
            for keys in EM_TRAINING_KEYS:
                progress(f"estimating m by EM on pairs sharing {' + '.join(keys)}")
                # Without the rare-name weights: EM learns each level's m; rarity is a matter of u.
                training.estimate_parameters_using_expectation_maximisation(
                    block_on(*keys), estimate_without_term_frequencies=True
                )
        trained = LinkageModel.from_splink_dict(self.linker.misc.save_model_to_json())
        self.model = trained.completed(m_floor)
        self.linker = self._new_linker()
        return self.model

    def fit_prior(self) -> LinkageModel:
        """Re-estimate the prior on these lists, keeping the model's m and u values.

        The share of matching pairs belongs to the lists, not to the model: a model trained on two lists of
        20,000 would think a match ten times rarer among two lists of 2,000 than it is.
        """
        with _quiet_splink():
            self.linker.training.estimate_probability_two_random_records_match(
                [block_on(*PRIOR_RULE)], recall=PRIOR_RULE_RECALL
            )
        estimated = float(self.linker.misc.save_model_to_json()["probability_two_random_records_match"])
        pairs = max(1, self._sizes[0] * self._sizes[1])
        # Lists with no pair meeting the strict rule still get the chance of one match among all pairs.
        self.model = self.model.with_prior(min(max(estimated, 1.0 / pairs), MAX_PRIOR))
        self.linker = self._new_linker()
        return self.model

    def predict(self, *, min_probability: float = 0.01) -> pd.DataFrame:
        """Every blocked pair scoring at least ``min_probability``, fetched fully (DuckDB blocks otherwise).

        Columns: ``left_id``, ``right_id``, ``match_weight``, ``match_probability``, then per comparison its
        level (``gamma_<name>``) and match weight (``mw_<name>``), and the keys each side was compared on.
        """
        with _quiet_splink():
            scored = self.linker.inference.predict(
                threshold_match_probability=min_probability, warning_mode="never"
            )
            frame = self._fetch(scored)
        return _tidy(frame)

    def _fetch(self, scored: Any) -> pd.DataFrame:
        """The whole result as pandas, then the table dropped (DuckDB blocks on a result left unfetched).

        Spark goes through Arrow: PySpark's own pandas conversion breaks on pandas 3.
        """
        if self.dialect == "spark":
            frame: pd.DataFrame = scored.as_pyarrow_table().to_pandas()
        else:
            frame = scored.as_pandas_dataframe()
        scored.drop_table_from_database_and_remove_from_cache()
        return frame

    def score_every_pair(self) -> pd.DataFrame:
        """Every left record against every right record, no blocking: for short lists and for checks."""
        with _quiet_splink():
            scored = self.linker.inference.score_pairs(self._tables[0], self._tables[1])
            frame = self._fetch(scored)
        return _tidy(frame)

    def _frequencies(self) -> TermFrequencies | None:
        """The shares given, or with a trained model those of the two lists shrunk toward the model's average
        (a Spark frame's name columns are read through Arrow, so both backends weigh names alike)."""
        if self._given_frequencies is not None:
            return self._given_frequencies
        if not self.model.trained:
            return None
        return TermFrequencies.of(*(_name_columns(frame) for frame in self._frames), model=self.model)


def _name_columns(frame: Any) -> pd.DataFrame:
    """The columns term frequencies count, as pandas (a Spark frame through Arrow)."""
    if isinstance(frame, pd.DataFrame):
        return frame
    table: pd.DataFrame = frame.select(*TF_COLUMNS).toArrow().to_pandas()
    return table


def _row_count(table: Any) -> int:
    """Rows of a pandas frame, or of a backend's frame (a Spark DataFrame counts itself)."""
    return len(table) if hasattr(table, "__len__") else int(table.count())


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns={"unique_id_l": "left_id", "unique_id_r": "right_id"})
    frame = frame.drop(columns=["source_dataset_l", "source_dataset_r"], errors="ignore")
    for spec in COMPARISONS:
        column = tf_column(spec)
        if column is None or f"tf_{column}_l" not in frame.columns:
            continue
        # The share the rare-name weight used, where the pair's level carries one (as the index reports it).
        shares = np.fmax(
            frame[f"tf_{column}_l"].to_numpy(dtype=float), frame[f"tf_{column}_r"].to_numpy(dtype=float)
        )
        applied = frame[f"gamma_{spec.name}"].isin(tf_gammas(spec)).to_numpy()
        frame[f"name_share_{spec.name}"] = np.where(applied, shares, np.nan)
    return frame.sort_values(["match_probability", "left_id", "right_id"], ascending=[False, True, True])


def pair_columns(frame: pd.DataFrame, prefix: str) -> list[str]:
    """The per-comparison columns of a prediction frame with ``prefix`` (``gamma_`` or ``mw_``)."""
    return [c for c in frame.columns if c.startswith(prefix)]
