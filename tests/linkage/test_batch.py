"""Batch linkage end to end on synthetic lists: blocking, training, prediction, bands, explanations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from homebound.linkage.assign import Bands, decide
from homebound.linkage.batch import LinkSession
from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.evaluate import blocking_recall, score_pairs
from homebound.linkage.explain import explain_pair
from homebound.linkage.model import LinkageModel, ModelMismatch, splink_settings
from tests.linkage.conftest import KeyedLists


def test_blocking_keeps_nearly_every_true_pair(keyed_lists: KeyedLists) -> None:
    lists = keyed_lists.lists
    assert blocking_recall(keyed_lists.left, keyed_lists.right, lists.truth) >= 0.99


def test_proposals_are_accurate_and_one_to_one(keyed_lists: KeyedLists, predictions: pd.DataFrame) -> None:
    proposed = decide(predictions, Bands())
    assert proposed["left_id"].is_unique
    assert proposed["right_id"].is_unique
    scores = score_pairs(zip(proposed["left_id"], proposed["right_id"], strict=True), keyed_lists.lists.truth)
    assert scores.precision >= 0.98
    assert scores.recall >= 0.97
    matches = proposed[proposed["decision"] == "match"]
    match_scores = score_pairs(
        zip(matches["left_id"], matches["right_id"], strict=True), keyed_lists.lists.truth
    )
    assert match_scores.precision >= 0.995


def test_hard_negatives_are_not_auto_matched(keyed_lists: KeyedLists, predictions: pd.DataFrame) -> None:
    """Twins, brothers and namesakes: never put forward as a confident match."""
    proposed = decide(predictions, Bands())
    matches = set(
        zip(proposed.loc[proposed["decision"] == "match", "left_id"], proposed["right_id"], strict=False)
    )
    negatives = {(n.sought_id, n.held_id) for n in keyed_lists.lists.hard_negatives}
    assert negatives
    assert len(matches & negatives) <= 0.01 * len(negatives)


def test_explanation_adds_up_to_the_score(trained_model: LinkageModel, predictions: pd.DataFrame) -> None:
    for _, pair in predictions.head(200).iterrows():
        explanation = explain_pair(pair.to_dict(), trained_model)
        total = explanation.prior_weight + sum(e.match_weight + e.tf_adjustment for e in explanation.evidence)
        assert math.isclose(total, explanation.match_weight, abs_tol=1e-9)
        # A level adjusted for the name's rarity says by how much and at which share.
        for e in explanation.evidence:
            assert (e.name_share is None) == (e.rarity() == "")
        assert [e.comparison for e in explanation.evidence] == [c.name for c in COMPARISONS]
        assert "family_name" in explanation.summary()
    shares = predictions["name_share_family_name"].dropna()
    assert len(shares) > 100 and shares.between(0, 1).all()


def test_model_file_round_trip(tmp_path: Path, trained_model: LinkageModel, keyed_lists: KeyedLists) -> None:
    path = tmp_path / "model.json"
    trained_model.save(path)
    loaded = LinkageModel.load(path)
    assert loaded == trained_model
    assert loaded.match_weights() == trained_model.match_weights()
    again = LinkSession(keyed_lists.left.head(300), keyed_lists.right.head(300), loaded).predict()
    first = LinkSession(keyed_lists.left.head(300), keyed_lists.right.head(300), trained_model).predict()
    pd.testing.assert_frame_equal(again.reset_index(drop=True), first.reset_index(drop=True))


def test_model_file_of_other_levels_is_refused(tmp_path: Path, trained_model: LinkageModel) -> None:
    path = tmp_path / "model.json"
    trained_model.save(path)
    settings = json.loads(path.read_text(encoding="utf-8"))
    settings["comparisons"][0]["comparison_levels"].pop(2)
    path.write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(ModelMismatch, match="family_name"):
        LinkageModel.load(path)


def test_trained_weights_order_the_evidence(trained_model: LinkageModel) -> None:
    """Agreement weighs for a match, disagreement against, missing values not at all."""
    for name, weights in trained_model.match_weights().items():
        missing, different, strongest = weights[0], weights[1], weights[-1]
        assert missing == 0.0, name
        assert different < 0 < strongest, name
    assert trained_model.trained


@pytest.mark.parametrize(
    ("dialect", "function"), [("duckdb", "jaro_winkler_similarity"), ("spark", "jaro_winkler")]
)
def test_one_model_renders_for_each_backend(trained_model: LinkageModel, dialect: str, function: str) -> None:
    settings = splink_settings(trained_model, dialect).create_settings_dict(dialect)
    family = settings["comparisons"][0]["comparison_levels"]
    assert any(f"{function}(" in level["sql_condition"] for level in family)
    assert LinkageModel.from_splink_dict(settings) == trained_model


def test_unknown_backend_is_refused(trained_model: LinkageModel) -> None:
    with pytest.raises(ValueError, match="sqlite"):
        splink_settings(trained_model, "sqlite")
