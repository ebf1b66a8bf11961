"""What a held attempt costs: family status look-ups with wrong secrets at the production Argon2 cost, the
first ten checked (401, a hash each), the rest held by the address throttle (429, no hash).

    PYTHONPATH=src .venv/bin/python bench/held_lookups.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from homebound.config import Settings
from homebound.db.engine import make_engine
from homebound.db.migrate import upgrade
from homebound.web.app import create_app


def main(attempts: int = 40) -> None:
    directory = Path(tempfile.mkdtemp())
    url = f"sqlite:///{directory / 'hb.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(Settings(environment="development", database_url=url, key_dir=directory / "keys"))
    client = TestClient(app, client=("192.0.2.1", 40000))
    times: dict[int, list[float]] = {}
    for n in range(attempts):
        started = time.perf_counter()
        body = {"case_code": f"AAAA-BBBB-{n:04d}", "secret": "guessing-it"}
        answer = client.post("/api/v1/inquiries/status", json=body)
        times.setdefault(answer.status_code, []).append((time.perf_counter() - started) * 1000)
    for status, spent in sorted(times.items()):
        print(f"{status}: {len(spent)} look-ups, median {statistics.median(spent):.1f} ms")


if __name__ == "__main__":
    main()
