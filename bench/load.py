"""Load run against `homebound serve` on 127.0.0.1: concurrent clients, 70% reads / 25% writes / 5% retried
writes, latency percentiles per kind, and afterwards the database checked (every acknowledged write in
the log exactly once, the log verifying).

Run from the project root:
    .venv/bin/python bench/load.py --clients 30 --seconds 180        # the issue's CI figure
    .venv/bin/python bench/load.py --clients 50 --seconds 600 --slo  # the release run
With no --database-url it makes (and drops) a fresh PostgreSQL database on 127.0.0.1:5432.
--slo exits 1 when read p99 > 300 ms or write (or retried write) p99 > 500 ms; any 5xx or failed check
always exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.live import PARTIES, Acknowledged, Fixture, Server, check_database, fresh_postgres, prepare

# Between two requests a client waits 0.5-1.5 s (Locust's `between(0.5, 1.5)`): 30 clients then offer
# about 25 requests a second. --think 0 0 gives closed-loop clients, which measure saturation instead.
THINK = (0.5, 1.5)
READ_P99_MS = 300.0
WRITE_P99_MS = 500.0
SURNAMES = ("Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук", "Іванов", "Смирнов")
_NO_ANSWER = 0


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": [], "retry": []})
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    replay_mismatches: int = 0
    done: Acknowledged = field(default_factory=Acknowledged)

    def record(self, kind: str, seconds: float, status: int) -> None:
        self.latencies[kind].append(seconds)
        self.statuses[(kind, status)] += 1

    def server_errors(self) -> int:
        return sum(n for (_kind, status), n in self.statuses.items() if status >= 500 or status == _NO_ANSWER)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class LoadClient:
    """One simulated user of one party, with its own record ids, ETags and random stream."""

    def __init__(
        self, index: int, party: str, fixture: Fixture, tally: Tally, http: httpx.AsyncClient
    ) -> None:
        self.index, self.party, self.tally, self.http = index, party, tally, http
        self.auth = {"Authorization": f"Bearer {fixture.tokens[party]}"}
        self.actor_id = fixture.actor_ids[party]
        self.random = random.Random(index)
        seeds = fixture.seeds[party]
        self.seeds = seeds
        self.editable: list[str] = seeds[index % 15 :: 15]  # a slice no other client of the party edits
        self.etags: dict[str, str] = {}
        self.created = 0

    async def send(self, kind: str, method: str, url: str, **request: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            answer = await self.http.request(method, url, **request)
        except httpx.HTTPError:
            self.tally.record(kind, time.perf_counter() - started, _NO_ANSWER)
            return None
        self.tally.record(kind, time.perf_counter() - started, answer.status_code)
        return answer

    async def step(self) -> None:
        draw = self.random.random()
        if draw < 0.70:
            await self.read()
        elif draw < 0.95:
            await (self.create() if self.random.random() < 0.5 else self.update())
        else:
            await self.retried_create()

    async def read(self) -> None:
        choice = self.random.randrange(4)
        if choice == 0:
            offset = self.random.randrange(max(1, len(self.seeds) - 50))
            await self.send(
                "read", "GET", f"/api/v1/persons?registry=held&limit=50&offset={offset}", headers=self.auth
            )
        elif choice == 1:
            await self.send(
                "read", "GET", f"/api/v1/persons/{self.random.choice(self.seeds)}", headers=self.auth
            )
        elif choice == 2:
            prefix = self.random.choice(SURNAMES)[:3]
            body = {"family_name_prefix": prefix, "limit": 20}
            await self.send("read", "POST", "/api/v1/persons/search", json=body, headers=self.auth)
        else:
            await self.send("read", "GET", "/api/v1/log/entries?limit=50", headers=self.auth)

    def _new_person(self) -> dict[str, str]:
        self.created += 1
        return {
            "registry": "held",
            "record_id": f"L-{self.index}-{self.created}-{uuid.uuid4().hex[:6]}",
            "family_name": self.random.choice(SURNAMES),
            "given_name": "Олександр",
            "sex": "male",
            "date_of_birth": f"{self.random.randrange(1960, 2004)}",
        }

    def _acknowledge_create(self, key: str, answer: httpx.Response) -> None:
        body = answer.json()
        self.tally.done.created[body["id"]] = body["record_id"]
        self.tally.done.keys.setdefault(self.actor_id, set()).add(key)
        self.etags[body["id"]] = answer.headers["ETag"]
        self.editable.append(body["id"])

    async def create(self) -> None:
        key = str(uuid.uuid4())
        answer = await self.send(
            "write",
            "POST",
            "/api/v1/persons",
            json=self._new_person(),
            headers={**self.auth, "Idempotency-Key": key},
        )
        if answer is not None and answer.status_code == 201:
            self._acknowledge_create(key, answer)

    async def update(self) -> None:
        person_id = self.random.choice(self.editable)
        if person_id not in self.etags:
            answer = await self.send("read", "GET", f"/api/v1/persons/{person_id}", headers=self.auth)
            if answer is None or answer.status_code != 200:
                return
            self.etags[person_id] = answer.headers["ETag"]
        key = str(uuid.uuid4())
        headers = {**self.auth, "Idempotency-Key": key, "If-Match": self.etags[person_id]}
        unit = f"в/ч {self.random.randrange(10_000, 99_999)}-{uuid.uuid4().hex[:4]}"  # always a change
        answer = await self.send(
            "write", "PATCH", f"/api/v1/persons/{person_id}", json={"unit": unit}, headers=headers
        )
        if answer is None:
            self.etags.pop(person_id, None)
        elif answer.status_code == 200:
            self.etags[person_id] = answer.headers["ETag"]
            self.tally.done.updates[person_id] = self.tally.done.updates.get(person_id, 0) + 1
            self.tally.done.keys.setdefault(self.actor_id, set()).add(key)
        elif answer.status_code == 412:
            self.etags.pop(person_id, None)

    async def retried_create(self) -> None:
        """A client that lost the answer sends the same request again, with the same key."""
        key, person = str(uuid.uuid4()), self._new_person()
        headers = {**self.auth, "Idempotency-Key": key}
        answers = []
        for _ in range(self.random.randrange(2, 4)):
            answer = await self.send("retry", "POST", "/api/v1/persons", json=person, headers=headers)
            if answer is not None and answer.status_code == 201:
                answers.append(answer)
        if answers:
            if len({a.json()["id"] for a in answers}) != 1:
                self.tally.replay_mismatches += 1
            self._acknowledge_create(key, answers[0])


async def run_load(
    base_url: str, fixture: Fixture, *, clients: int, seconds: float, think: tuple[float, float] = THINK
) -> Tally:
    """Each client waits `think` seconds (uniform) between requests, as a person at a desk does."""
    host = urlparse(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("load runs go to 127.0.0.1 only")
    tally = Tally()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as http:
        users = [LoadClient(i, PARTIES[i % len(PARTIES)], fixture, tally, http) for i in range(clients)]

        async def drive(user: LoadClient) -> None:
            await asyncio.sleep(user.random.uniform(0, think[1]))  # clients do not start in lock-step
            while time.monotonic() < deadline:
                await user.step()
                await asyncio.sleep(user.random.uniform(*think))

        await asyncio.gather(*(drive(user) for user in users))
    return tally


def summary(tally: Tally, seconds: float) -> dict[str, Any]:
    figures: dict[str, Any] = {"seconds": seconds}
    for kind, values in tally.latencies.items():
        figures[kind] = {
            "requests": len(values),
            "per_second": round(len(values) / seconds, 1),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            "max_ms": round(max(values, default=0) * 1000, 1),
        }
    figures["statuses"] = {f"{kind} {status}": n for (kind, status), n in sorted(tally.statuses.items())}
    figures["acknowledged"] = {
        "created": len(tally.done.created),
        "updates": sum(tally.done.updates.values()),
    }
    figures["server_errors"] = tally.server_errors()
    figures["replay_mismatches"] = tally.replay_mismatches
    return figures


def run(
    database_url: str,
    *,
    clients: int,
    seconds: float,
    persons: int,
    log_dir: Path,
    think: tuple[float, float] = THINK,
) -> tuple[dict[str, Any], list[str]]:
    # Signing keys of the throw-away parties stay with the run, not in var/keys.
    os.environ.setdefault("HOMEBOUND_KEY_DIR", str(log_dir / "keys"))
    fixture = prepare(database_url, persons_per_party=persons)
    with Server(database_url, log_path=log_dir / "server.log") as server:
        load = run_load(server.base_url, fixture, clients=clients, seconds=seconds, think=think)
        tally = asyncio.run(load)
    figures = summary(tally, seconds) | {"clients": clients, "think_s": list(think)}
    return figures, check_database(database_url, tally.done)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--persons", type=int, default=300, help="held records seeded per party")
    parser.add_argument("--database-url", help="default: a fresh PostgreSQL database, dropped afterwards")
    parser.add_argument(
        "--think", type=float, nargs=2, default=THINK, metavar=("MIN", "MAX"), help="seconds between requests"
    )
    parser.add_argument(
        "--slo", action="store_true", help="exit 1 if read p99 > 300 ms or write p99 > 500 ms"
    )
    args = parser.parse_args()
    options = {"clients": args.clients, "seconds": args.seconds, "persons": args.persons}
    think = (args.think[0], args.think[1])
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            figures, problems = run(args.database_url, log_dir=Path(tmp), think=think, **options)
        else:
            with fresh_postgres() as url:
                figures, problems = run(url, log_dir=Path(tmp), think=think, **options)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    for problem in problems:
        print("PROBLEM", problem)
    breached = args.slo and (
        figures["read"]["p99_ms"] > READ_P99_MS
        or max(figures["write"]["p99_ms"], figures["retry"]["p99_ms"]) > WRITE_P99_MS
    )
    return 1 if problems or figures["server_errors"] or figures["replay_mismatches"] or breached else 0


if __name__ == "__main__":
    sys.exit(main())
