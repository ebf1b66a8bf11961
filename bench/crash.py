"""Crashes under writes: `kill -9` of `homebound serve` at random moments while writers keep sending, each
retrying its request with the same Idempotency-Key until it is answered; on PostgreSQL also the database
connections cut (a killed backend, a network blip), the database unreachable for a while, and (with
`--kill-postgres`, on a private cluster of its own) PostgreSQL itself killed with SIGKILL and started again.

Afterwards every acknowledged write must be in the database exactly once (record, log entry and stored
answer together, nothing half-written), the log must verify, and after each kill the service must answer
a real database read again within 10 s.

Run from the project root:
    .venv/bin/python bench/crash.py --kills 10                 # PostgreSQL (a fresh database)
    .venv/bin/python bench/crash.py --kills 10 --sqlite        # the embedded default
    .venv/bin/python bench/crash.py --kills 10 --kill-postgres # PostgreSQL killed too (bench/pg_cluster.py)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy.engine import make_url

from bench.live import PARTIES, Acknowledged, Fixture, Server, check_database, fresh_postgres, prepare
from bench.pg_cluster import PrivateCluster, private_cluster
from bench.tcp_proxy import TcpProxy

HEALTHY_WITHIN = 10.0
WRITERS = 4


@dataclass
class CrashReport:
    kills: int = 0
    recoveries: list[float] = field(default_factory=list)  # seconds from the kill to a real read answering
    outages: int = 0  # database cut off for a while (PostgreSQL)
    drops: int = 0  # database connections cut (PostgreSQL)
    database_kills: int = 0  # PostgreSQL's whole process tree killed with SIGKILL, then started again
    database_restarts: list[float] = field(default_factory=list)  # seconds its crash recovery took
    attempts: Counter[int] = field(default_factory=Counter)  # status (0: no answer) -> count
    abandoned: int = 0  # writes never answered before the run ended (must be 0)
    unexpected: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "kills": self.kills,
            "recovery_max_s": round(max(self.recoveries, default=0.0), 2),
            "recovery_mean_s": round(sum(self.recoveries) / max(1, len(self.recoveries)), 2),
            "database_outages": self.outages,
            "connection_drops": self.drops,
            "database_kills": self.database_kills,
            "database_restart_max_s": round(max(self.database_restarts, default=0.0), 2),
            "attempts": {str(k): v for k, v in sorted(self.attempts.items())},
            "abandoned": self.abandoned,
            "unexpected": self.unexpected[:10],
        }


class Writer(threading.Thread):
    """Creates and updates records; every request retried, same key and body, until it is answered."""

    def __init__(
        self, index: int, server: Server, fixture: Fixture, done: Acknowledged, report: CrashReport
    ) -> None:
        super().__init__(name=f"writer-{index}", daemon=True)
        self.index, self.server, self.done, self.report = index, server, done, report
        party = PARTIES[index % len(PARTIES)]
        self.auth = {"Authorization": f"Bearer {fixture.tokens[party]}"}
        self.actor_id = fixture.actor_ids[party]
        self.random = random.Random(index)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.etags: dict[str, str] = {}

    def run(self) -> None:
        with httpx.Client(base_url=self.server.base_url, timeout=5.0) as http:
            count = 0
            while not self.stop.is_set():
                count += 1
                if self.etags and count % 3 == 0:
                    self.update(http)
                else:
                    self.create(http, count)

    def _until_answered(
        self, http: httpx.Client, method: str, url: str, body: dict[str, str], headers: dict[str, str]
    ) -> httpx.Response | None:
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            try:
                answer = http.request(method, url, json=body, headers=headers)
            except httpx.HTTPError:
                self._count(0)
                time.sleep(0.05)
                continue
            self._count(answer.status_code)
            if answer.status_code in (409, 503) and answer.headers.get("Retry-After"):
                time.sleep(0.1)  # database away or the same key still in flight: the same request again
                continue
            if answer.status_code >= 500:
                time.sleep(0.1)
                continue
            return answer
        with self.lock:
            self.report.abandoned += 1
        return None

    def _count(self, status: int) -> None:
        with self.lock:
            self.report.attempts[status] += 1

    def create(self, http: httpx.Client, count: int) -> None:
        key = str(uuid.uuid4())
        body = {
            "registry": "held",
            "record_id": f"K-{self.index}-{count}-{key[:8]}",
            "family_name": "Мельник",
        }
        answer = self._until_answered(
            http, "POST", "/api/v1/persons", body, {**self.auth, "Idempotency-Key": key}
        )
        if answer is None:
            return
        if answer.status_code != 201:
            self.report.unexpected.append(f"create {answer.status_code} {answer.text[:200]}")
            return
        with self.lock:
            self.done.created[answer.json()["id"]] = body["record_id"]
            self.done.keys.setdefault(self.actor_id, set()).add(key)
        self.etags[answer.json()["id"]] = answer.headers["ETag"]

    def update(self, http: httpx.Client) -> None:
        person_id = self.random.choice(sorted(self.etags))
        key = str(uuid.uuid4())
        headers = {**self.auth, "Idempotency-Key": key, "If-Match": self.etags[person_id]}
        body = {"unit": f"unit {uuid.uuid4().hex[:10]}"}
        answer = self._until_answered(http, "PATCH", f"/api/v1/persons/{person_id}", body, headers)
        if answer is None:
            return
        if answer.status_code != 200:
            self.report.unexpected.append(f"update {answer.status_code} {answer.text[:200]}")
            return
        self.etags[person_id] = answer.headers["ETag"]
        with self.lock:
            self.done.updates[person_id] = self.done.updates.get(person_id, 0) + 1
            self.done.keys.setdefault(self.actor_id, set()).add(key)


def wait_healthy(server: Server, token: str, started: float) -> float:
    """Seconds from `started` until a request that reads the database answers 200."""
    while time.monotonic() - started < HEALTHY_WITHIN * 3:
        try:
            answer = httpx.get(
                f"{server.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=2
            )
            if answer.status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return float("inf")


def run_crashes(
    database_url: str,
    server_url: str,
    *,
    kills: int,
    proxy: TcpProxy | None,
    seed: int,
    log_dir: Path,
    cluster: PrivateCluster | None = None,
) -> tuple[CrashReport, Acknowledged]:
    """Kill the server `kills` times at random moments (and disturb the database through `proxy`; kill
    `cluster`, the database server itself, every third time: the running server must recover unaided)."""
    fixture = prepare(database_url, persons_per_party=20)
    report, done, chance = CrashReport(), Acknowledged(), random.Random(seed)
    server = Server(server_url, log_path=log_dir / "server.log")
    server.start()
    writers = [Writer(i, server, fixture, done, report) for i in range(WRITERS)]
    for writer in writers:
        writer.start()
    token = fixture.tokens[PARTIES[0]]
    try:
        for kill in range(kills):
            time.sleep(chance.uniform(0.3, 1.5))
            if proxy is not None and kill % 3 == 1:
                report.drops += 1
                proxy.drop_connections()
                time.sleep(chance.uniform(0.2, 0.6))
            if proxy is not None and kill % 5 == 2:
                report.outages += 1
                proxy.cut()
                time.sleep(chance.uniform(1.0, 2.5))
                proxy.restore()
                report.recoveries.append(wait_healthy(server, token, time.monotonic()))
            if cluster is not None and kill % 3 == 0:
                report.database_kills += 1
                cluster.crash()
                time.sleep(chance.uniform(0.3, 1.5))  # writers meet a database that is gone
                report.database_restarts.append(cluster.start())
                report.recoveries.append(wait_healthy(server, token, time.monotonic()))
            killed_at = time.monotonic()
            server.kill()
            report.kills += 1
            server.start(timeout=HEALTHY_WITHIN * 3)
            report.recoveries.append(wait_healthy(server, token, killed_at))
        time.sleep(1.0)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=90)
        server.stop()
    return report, done


def run(
    database_url: str,
    *,
    kills: int,
    seed: int,
    log_dir: Path,
    cut_database: bool,
    healthy_within: float = HEALTHY_WITHIN,
    cluster: PrivateCluster | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Kill and disturb under writers; return the figures and every broken promise.

    `healthy_within` bounds the slowest recovery: the issue's 10 s here and in `main`; CI tests pass a looser
    bound, as recovery is mostly the Python start of the new process and slows with the machine's load.
    """
    os.environ.setdefault("HOMEBOUND_KEY_DIR", str(log_dir / "keys"))
    if not cut_database:
        report, done = run_crashes(
            database_url, database_url, kills=kills, proxy=None, seed=seed, log_dir=log_dir, cluster=cluster
        )
    else:
        url = make_url(database_url)
        with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
            via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
            report, done = run_crashes(
                database_url, via_proxy, kills=kills, proxy=proxy, seed=seed, log_dir=log_dir, cluster=cluster
            )
    problems = check_database(database_url, done)
    if max(report.recoveries, default=0.0) > healthy_within:
        problems.append(f"slowest recovery {max(report.recoveries):.1f} s > {healthy_within} s")
    if report.abandoned:
        problems.append(f"{report.abandoned} writes never answered")
    problems.extend(report.unexpected[:10])
    figures = report.figures() | {
        "acknowledged_creates": len(done.created),
        "acknowledged_updates": sum(done.updates.values()),
    }
    return figures, problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL")
    parser.add_argument(
        "--kill-postgres",
        action="store_true",
        help="run PostgreSQL as a private cluster and kill it with SIGKILL every third round",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.sqlite:
            url = f"sqlite:///{tmp}/crash.sqlite3"
            figures, problems = run(
                url, kills=args.kills, seed=args.seed, log_dir=Path(tmp), cut_database=False
            )
        elif args.kill_postgres:
            with private_cluster() as cluster:
                figures, problems = run(
                    cluster.url,
                    kills=args.kills,
                    seed=args.seed,
                    log_dir=Path(tmp),
                    cut_database=True,
                    cluster=cluster,
                )
        else:
            with fresh_postgres() as url:
                figures, problems = run(
                    url, kills=args.kills, seed=args.seed, log_dir=Path(tmp), cut_database=True
                )
    print(json.dumps(figures, indent=2))
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
