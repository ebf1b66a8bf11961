"""Build default_model.json: the model Homebound uses until a mediator trains one on real lists.

Run from the project root: `PYTHONPATH=src:. .venv/bin/python tools/make_default_model.py`.
Trains on a synthetic sought list and held list of 20,000 records each (homebound.synthetic, fixed seed),
the same way `homebound link` trains on two real lists.
"""

from __future__ import annotations

from pathlib import Path

from homebound.linkage.batch import LinkSession
from homebound.linkage.features import frame_from_rows, prepare_features
from homebound.linkage.model import LinkageModel
from homebound.synthetic.scenario import generate_exchange_lists

SIZE = 20_000
SEED = 20230108
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "homebound" / "linkage" / "data" / "default_model.json"


def build() -> LinkageModel:
    lists = generate_exchange_lists(SIZE, SEED, n_reverse=0).forward
    left = prepare_features(frame_from_rows(lists.sought))
    right = prepare_features(frame_from_rows(lists.held))
    return LinkSession(left, right).train()


if __name__ == "__main__":
    build().save(OUTPUT)
    print(f"wrote {OUTPUT}")
