"""The same settings and model file on Splink's Spark backend (local mode): it agrees with DuckDB."""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from homebound.linkage.assign import Bands, decide
from homebound.linkage.batch import LinkSession
from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.features import FEATURE_COLUMNS
from homebound.linkage.model import LinkageModel
from tests.linkage.conftest import KeyedLists

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one JVM: both tests on one worker, sharing the module's session
    # Splink brings Spark results to pandas through PySpark, which warns about pandas 3 on every call.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

SPARK_RECORDS = 2000
_INTEGERS = ("dob_y", "dob_m", "dob_d")


def _spark_or_why_not() -> str | None:
    """What is missing for Spark's local mode (the `spark` extra, a Java runtime), or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for Spark (apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    missing = _spark_or_why_not()
    if missing is not None:
        if os.environ.get("CI"):  # `make test` installs the extra and CI has Java: a failure, never a skip
            pytest.fail(missing)
        pytest.skip(missing)
    import pyspark.sql as pyspark_sql
    from splink.backends.spark import similarity_jar_location

    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("homebound-linkage-test")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(tmp_path_factory.mktemp("spark-checkpoints")))
    yield session
    session.stop()


def _spark_frame(spark: Any, keys: pd.DataFrame) -> Any:
    from pyspark.sql.types import BooleanType, IntegerType, StringType, StructField, StructType

    def kind(column: str) -> Any:
        if column in _INTEGERS:
            return IntegerType()
        return BooleanType() if column == "giv_dim" else StringType()

    schema = StructType([StructField(c, kind(c), nullable=True) for c in FEATURE_COLUMNS])
    plain = keys.astype(object).where(keys.notna(), None)
    rows = [
        tuple(
            None if v is None else (int(v) if c in _INTEGERS else v)
            for c, v in zip(FEATURE_COLUMNS, r, strict=True)
        )
        for r in plain.itertuples(index=False)
    ]
    return spark.createDataFrame(rows, schema)


def test_spark_agrees_with_duckdb(
    spark: Any, keyed_lists: KeyedLists, trained_model: LinkageModel, tmp_path: Path
) -> None:
    from splink import SparkAPI

    path = tmp_path / "model.json"
    trained_model.save(path)
    model = LinkageModel.load(path)  # one model file for both backends
    left, right = keyed_lists.left.head(SPARK_RECORDS), keyed_lists.right.head(SPARK_RECORDS)

    on_duckdb = LinkSession(left, right, model).predict(min_probability=0.01)
    session = LinkSession(
        _spark_frame(spark, left),
        _spark_frame(spark, right),
        model,
        db_api=SparkAPI(spark_session=spark),
        dialect="spark",
    )
    on_spark = session.predict(min_probability=0.01)

    duck = on_duckdb.set_index(["left_id", "right_id"])
    sprk = on_spark.set_index(["left_id", "right_id"])
    assert len(duck) > 500
    assert set(duck.index) == set(sprk.index)
    joined = duck.merge(sprk, left_index=True, right_index=True, suffixes=("_duckdb", "_spark"))
    gammas = [f"gamma_{c.name}" for c in COMPARISONS]
    same_levels = (
        joined[[f"{g}_duckdb" for g in gammas]].to_numpy()
        == joined[[f"{g}_spark" for g in gammas]].to_numpy()
    ).all(axis=1)
    # Jaro-Winkler is two implementations (DuckDB's and the Java jar's): a pair at a threshold may differ.
    assert same_levels.mean() >= 0.995
    agreeing = joined[same_levels]
    assert all(
        math.isclose(a, b, abs_tol=1e-9)
        for a, b in zip(agreeing["match_weight_duckdb"], agreeing["match_weight_spark"], strict=True)
    )
    decided_duck = decide(on_duckdb, Bands())
    decided_spark = decide(on_spark, Bands())
    pairs = lambda d: set(zip(d["left_id"], d["right_id"], d["decision"], strict=True))  # noqa: E731
    assert len(pairs(decided_duck) ^ pairs(decided_spark)) <= 0.005 * len(decided_duck)


def test_training_on_spark_learns_what_duckdb_learns(
    spark: Any, keyed_lists: KeyedLists, trained_model: LinkageModel
) -> None:
    """The same settings train on Spark; sampling differs between backends, so weights agree within bits."""
    from splink import SparkAPI

    from homebound.linkage.evaluate import score_pairs

    left, right = keyed_lists.left.head(SPARK_RECORDS), keyed_lists.right.head(SPARK_RECORDS)
    session = LinkSession(
        _spark_frame(spark, left),
        _spark_frame(spark, right),
        db_api=SparkAPI(spark_session=spark),
        dialect="spark",
    )
    on_spark = session.train(u_sample_pairs=5e5)
    assert on_spark.trained
    on_duckdb = LinkSession(left, right).train(u_sample_pairs=5e5)
    for name, weights in on_spark.match_weights().items():
        for spark_weight, duckdb_weight in zip(weights, on_duckdb.match_weights()[name], strict=True):
            assert abs(spark_weight - duckdb_weight) <= 2.0, name
    proposals = decide(session.predict(), Bands())
    scores = score_pairs(
        zip(proposals["left_id"], proposals["right_id"], strict=True), keyed_lists.lists.truth
    )
    assert scores.precision >= 0.98
