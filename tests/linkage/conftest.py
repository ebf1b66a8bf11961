"""Shared linkage fixtures: a synthetic pair of lists with its truth, its keys, and a model trained on it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from homebound.linkage.batch import LinkSession
from homebound.linkage.features import frame_from_rows, prepare_features
from homebound.linkage.model import LinkageModel
from homebound.synthetic.scenario import ListPair, generate_exchange_lists

LIST_SIZE = 2500
SEED = 31


@dataclass(frozen=True)
class KeyedLists:
    lists: ListPair
    left: pd.DataFrame  # keys of the sought list
    right: pd.DataFrame  # keys of the held list


@pytest.fixture(scope="session")
def keyed_lists() -> KeyedLists:
    lists = generate_exchange_lists(LIST_SIZE, SEED, n_reverse=0).forward
    left = prepare_features(frame_from_rows(lists.sought))
    right = prepare_features(frame_from_rows(lists.held))
    return KeyedLists(lists, left, right)


@pytest.fixture(scope="session")
def trained_model(keyed_lists: KeyedLists) -> LinkageModel:
    session = LinkSession(keyed_lists.left, keyed_lists.right)
    return session.train(u_sample_pairs=5e5)


@pytest.fixture(scope="session")
def predictions(keyed_lists: KeyedLists, trained_model: LinkageModel) -> pd.DataFrame:
    """Every blocked pair of the two lists with its score, levels and weights (no probability floor)."""
    session = LinkSession(keyed_lists.left, keyed_lists.right, trained_model)
    return session.predict(min_probability=0.0)
