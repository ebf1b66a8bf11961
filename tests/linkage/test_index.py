"""Incremental look-ups agree with Splink: same levels, same weights, same candidates; updates in place."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from homebound.linkage.batch import LinkSession
from homebound.linkage.comparisons import COMPARISONS
from homebound.linkage.features import frame_from_rows, prepare_features
from homebound.linkage.frequencies import TermFrequencies
from homebound.linkage.index import RegistryIndex
from homebound.linkage.model import LinkageModel
from tests.linkage.conftest import KeyedLists

AGREEMENT_PAIRS = 1000


def _keys(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {str(r["unique_id"]): r for r in records}


@pytest.fixture(scope="module")
def held_index(keyed_lists: KeyedLists, trained_model: LinkageModel) -> RegistryIndex:
    # The name shares of both lists, as Splink counts them in batch: then the two must score alike.
    shares = TermFrequencies.of(keyed_lists.left, keyed_lists.right, model=trained_model)
    return RegistryIndex.from_features(keyed_lists.right, trained_model, frequencies=shares)


def test_levels_and_weights_agree_with_splink_on_1000_pairs(
    keyed_lists: KeyedLists,
    predictions: pd.DataFrame,
    held_index: RegistryIndex,
    trained_model: LinkageModel,
) -> None:
    # Half the sample from the blocked pairs (mostly matches, every band), half from all pairs of a slice
    # of the lists (mostly non-matches, where disagreeing levels show).
    half = AGREEMENT_PAIRS // 2
    blocked = predictions.sample(half, random_state=1)
    every = LinkSession(
        keyed_lists.left.head(30),
        keyed_lists.right.head(40),
        trained_model,
        frequencies=TermFrequencies.of(keyed_lists.left, keyed_lists.right, model=trained_model),
    ).score_every_pair()
    sample = pd.concat([blocked, every.sample(half, random_state=2)])
    assert len(sample) == AGREEMENT_PAIRS
    assert sample["match_probability"].min() < 0.01
    assert sample["match_probability"].max() > 0.99
    sought = _keys(keyed_lists.left)
    row_of = {rid: row for row, rid in enumerate(held_index.record_ids)}
    for _, pair in sample.iterrows():
        levels, weight = held_index.score_rows(sought[pair["left_id"]], np.array([row_of[pair["right_id"]]]))
        for spec in COMPARISONS:
            assert int(levels[spec.name][0]) == int(pair[f"gamma_{spec.name}"]), (spec.name, pair["left_id"])
        assert math.isclose(float(weight[0]), float(pair["match_weight"]), abs_tol=1e-9)
    # The rare-name weights were not all zero: the agreement holds with them in play.
    assert (sample["mw_tf_adj_family_name"].abs() > 0.5).sum() > 100
    assert (sample["mw_tf_adj_given_name"].abs() > 0.5).sum() > 100


def test_look_up_finds_what_splink_finds(
    keyed_lists: KeyedLists, predictions: pd.DataFrame, held_index: RegistryIndex
) -> None:
    floor = 0.01
    scored = predictions[predictions["match_probability"] >= floor]
    expected = scored.groupby("left_id")["right_id"].apply(set).to_dict()
    sought_rows = {r["record_id"]: r for r in keyed_lists.lists.sought}
    for left_id in keyed_lists.left["unique_id"].sample(300, random_state=5):
        found = held_index.look_up(sought_rows[left_id], min_probability=floor, limit=1000)
        assert {c.record_id for c in found} == expected.get(left_id, set()), left_id
        assert [c.match_probability for c in found] == sorted(
            (c.match_probability for c in found), reverse=True
        )


def test_candidate_carries_its_explanation(keyed_lists: KeyedLists, held_index: RegistryIndex) -> None:
    sought_id, held_id = keyed_lists.lists.truth[0]
    sought = next(r for r in keyed_lists.lists.sought if r["record_id"] == sought_id)
    best = held_index.look_up(sought, min_probability=0.0)[0]
    assert best.record_id == held_id
    assert set(best.levels) == {c.name for c in COMPARISONS}
    total = held_index.model.prior_weight() + sum(best.weights.values()) + sum(best.tf_adjustments.values())
    assert math.isclose(total, best.match_weight, abs_tol=1e-9)
    # The rare-name weight is there, with the share it used.
    assert set(best.tf_adjustments) == {"family_name", "given_name"}
    assert best.name_shares["family_name"] is not None


NEW_HELD = {
    "record_id": "RU-H-NEW",
    "family_name": "КОВАЛЕНКО",
    "given_name": "АЛЕКСАНДР",
    "patronymic": "НИКОЛАЕВИЧ",
    "sex": "м",
    "date_of_birth": "1994-12-03",
    "unit": "A-1234",
}
SOUGHT = {
    "record_id": "UA-S-NEW",
    "family_name": "Коваленко",
    "given_name": "Олександр",
    "patronymic": "Миколайович",
    "sex": "ч",
    "date_of_birth": "03.12.1994",
    "unit": "в/ч А1234",
}


@pytest.mark.parametrize("resort_every", [1, 50_000])
def test_added_record_is_found_in_place(
    trained_model: LinkageModel, keyed_lists: KeyedLists, resort_every: int
) -> None:
    index = RegistryIndex.from_records(frame_from_rows(keyed_lists.lists.held[:500]), trained_model)
    index.resort_every = resort_every
    assert not [c for c in index.look_up(SOUGHT, min_probability=0.5) if c.record_id == "RU-H-NEW"]
    index.add(NEW_HELD)
    assert len(index) == 501
    found = index.look_up(SOUGHT, min_probability=0.5)
    assert found[0].record_id == "RU-H-NEW"
    assert found[0].match_probability > 0.99


def test_empty_index_grows_from_nothing(trained_model: LinkageModel, keyed_lists: KeyedLists) -> None:
    index = RegistryIndex(trained_model)
    assert index.look_up(SOUGHT) == []
    index.extend(keyed_lists.lists.held[:2000])  # past the first capacity doubling
    index.add(NEW_HELD)
    assert index.look_up(SOUGHT, min_probability=0.5)[0].record_id == "RU-H-NEW"


def test_many_at_once_scores_as_one_by_one_and_as_splink(
    keyed_lists: KeyedLists, predictions: pd.DataFrame, held_index: RegistryIndex
) -> None:
    floor = 0.01
    sought = keyed_lists.left.sample(400, random_state=7).reset_index(drop=True)
    found = held_index.look_up_many(sought, min_probability=floor, limit=1000)
    assert len(found) > 300
    scored = predictions[predictions["match_probability"] >= floor].set_index(["left_id", "right_id"])
    pairs = {
        (str(sought["unique_id"][q]), r) for q, r in zip(found["query"], found["record_id"], strict=True)
    }
    expected = {p for p in scored.index if p[0] in set(sought["unique_id"])}
    assert pairs == expected
    for _, row in found.sample(200, random_state=3).iterrows():
        batch = scored.loc[(str(sought["unique_id"][row["query"]]), row["record_id"])]
        assert math.isclose(row["match_weight"], float(batch["match_weight"]), abs_tol=1e-9)
        for spec in COMPARISONS:
            assert int(row[f"gamma_{spec.name}"]) == int(batch[f"gamma_{spec.name}"])
    sought_rows = {r["record_id"]: r for r in keyed_lists.lists.sought}
    for q in range(0, 400, 40):
        one = held_index.look_up(sought_rows[str(sought["unique_id"][q])], min_probability=floor, limit=3)
        many = found[found["query"] == q].head(3)
        assert [c.record_id for c in one] == many["record_id"].tolist()
        assert [c.match_weight for c in one] == pytest.approx(many["match_weight"].tolist(), abs=1e-9)


def test_records_are_replaced_and_removed_in_place(
    trained_model: LinkageModel, keyed_lists: KeyedLists
) -> None:
    index = RegistryIndex.from_records(frame_from_rows(keyed_lists.lists.held[:300]), trained_model)
    index.add(NEW_HELD)
    assert "RU-H-NEW" in index
    # The same id with other names: the old spelling is no longer found, the new one is.
    index.add({**NEW_HELD, "family_name": "ШЕВЧЕНКО", "given_name": "ТАРАС", "patronymic": "ГРИГОРЬЕВИЧ"})
    assert len(index) == 301
    assert not [c for c in index.look_up(SOUGHT, min_probability=0.5) if c.record_id == "RU-H-NEW"]
    index.add(NEW_HELD)
    assert index.look_up(SOUGHT, min_probability=0.5)[0].record_id == "RU-H-NEW"
    many = index.look_up_many(prepare_features(frame_from_rows([SOUGHT])), min_probability=0.5)
    assert many["record_id"].tolist()[:1] == ["RU-H-NEW"]
    assert index.remove("RU-H-NEW")
    assert not index.remove("RU-H-NEW")
    assert "RU-H-NEW" not in index
    assert len(index) == 300
    assert not [c for c in index.look_up(SOUGHT, min_probability=0.5) if c.record_id == "RU-H-NEW"]
    many = index.look_up_many(prepare_features(frame_from_rows([SOUGHT])), min_probability=0.5)
    assert "RU-H-NEW" not in many["record_id"].tolist()
    # Removing most records compacts the arrays; what is left is still found.
    for record in keyed_lists.lists.held[:300]:
        if record["record_id"] != keyed_lists.lists.held[0]["record_id"]:
            index.remove(str(record["record_id"]))
    index.add(NEW_HELD)
    assert len(index) == 2
    assert index.look_up(SOUGHT, min_probability=0.5)[0].record_id == "RU-H-NEW"


def test_a_rare_family_name_weighs_more_than_a_common_one(
    trained_model: LinkageModel, keyed_lists: KeyedLists
) -> None:
    # Name-only evidence (no date of birth on the sought side): the surname's rarity decides.
    index = RegistryIndex.from_records(frame_from_rows(keyed_lists.lists.held[:1000]), trained_model)
    given = ("Петро", "Іван", "Андрій", "Тарас", "Богдан", "Степан", "Василь", "Роман", "Юрій", "Павло")
    for k in range(40):
        index.add({"record_id": f"K{k}", "family_name": "Коваленко", "given_name": given[k % 10]})
    index.add(
        {"record_id": "K-A", "family_name": "КОВАЛЕНКО", "given_name": "АЛЕКСАНДР", "patronymic": "ИВАНОВИЧ"}
    )
    index.add(
        {"record_id": "C-A", "family_name": "ЦЮЦЮРА", "given_name": "АЛЕКСАНДР", "patronymic": "ИВАНОВИЧ"}
    )
    sought = {"given_name": "Олександр", "patronymic": "Іванович"}
    common = index.look_up({"record_id": "q1", "family_name": "Коваленко", **sought}, min_probability=0.0)
    rare = index.look_up({"record_id": "q2", "family_name": "Цюцюра", **sought}, min_probability=0.0)
    common_pair = next(c for c in common if c.record_id == "K-A")
    rare_pair = next(c for c in rare if c.record_id == "C-A")
    assert common_pair.levels == rare_pair.levels
    # In a registry of about a thousand the shares are shrunk toward the model's average (PRIOR_RECORDS), so
    # the gap is a few bits: 41 Коваленко against one Цюцюра.
    assert rare_pair.match_weight - common_pair.match_weight > 3.0
    rare_share, common_share = rare_pair.name_shares["family_name"], common_pair.name_shares["family_name"]
    assert rare_share is not None and common_share is not None
    assert common_share > 10 * rare_share


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_one_record_packs_its_keys_as_the_arrays_do(width: int) -> None:
    """The look-up's scalar packing gives the index's keys, wrapping at 64 bits included (four codes)."""
    from homebound.linkage.index import _pack, _pack_one

    rng = np.random.default_rng(width)
    codes = rng.integers(-1, 1 << 23, size=(5_000, width))
    codes[rng.random(codes.shape) < 0.1] = -1
    packed = _pack([codes[:, k].astype(np.int32) for k in range(width)])
    assert [_pack_one([int(c) for c in row]) for row in codes] == packed.tolist()
