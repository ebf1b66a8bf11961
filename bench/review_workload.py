"""Benchmark: the mediator's workload on the demo, as the review queue now allows it.

Run: .venv/bin/python bench/review_workload.py [--persons 1500] [--seed 2023]

Loads `homebound demo` into a fresh SQLite database (matching on arrival, the shipped model), then reads the
mediator's queue: pairs proposed by band, how many are true (from the generator's truth), and the actions a
mediator needs — one bulk action per page of strong matches, one look per pair to review
(`services.review_bulk.workload`) — per true pair proposed, against one click per pair.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from homebound.db.custody import key_custody
from homebound.db.engine import make_engine
from homebound.db.matching_tables import MatchCandidateRow
from homebound.db.migrate import upgrade
from homebound.db.tables import PersonRow
from homebound.db.uow import UnitOfWorkFactory
from homebound.services import review_bulk
from homebound.services.demo import _actor, load_demo
from homebound.services.passwords import PasswordCost
from homebound.services.review_queue import QueueFilter
from homebound.synthetic.scenario import generate_exchange_lists


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/demo.sqlite3")
        upgrade(engine)
        uows = UnitOfWorkFactory(engine, key_custody(Path(folder) / "keys"))
        # Weak password hashing: the accounts are thrown away with the database.
        load_demo(uows, persons=args.persons, seed=args.seed, cost=PasswordCost(1, 8, 1))
        work = review_bulk.workload(uows, _actor(uows, "mediator"), QueueFilter())
        with uows.reader() as uow:
            source = dict(uow.session.execute(select(PersonRow.id, PersonRow.source_id)).all())
            queued = uow.session.execute(
                select(MatchCandidateRow.sought_person_id, MatchCandidateRow.held_person_id)
            ).all()
    scenario = generate_exchange_lists(args.persons, args.seed)
    assert scenario.reverse is not None
    truth = set(scenario.forward.truth) | set(scenario.reverse.truth)
    true_found = sum((source[s], source[h]) in truth for s, h in queued)
    per_pair = work.actions_left / max(1, true_found)
    sought = len(scenario.forward.sought) + len(scenario.reverse.sought)
    print(
        f"demo: {sought:,} sought records, {len(truth):,} true pairs; queue {len(queued):,} pairs "
        f"({work.open_match:,} match, {work.open_review:,} review), {true_found:,} of them true; "
        f"{work.actions_left:,} actions = {per_pair:.3f} per true pair proposed "
        f"(one click per pair: {len(queued) / max(1, true_found):.3f})"
    )


if __name__ == "__main__":
    main()
