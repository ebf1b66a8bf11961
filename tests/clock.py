"""A clock the tests set: the app reads it for the second factor's steps and the throttles' holds."""

from __future__ import annotations

# The start of a 30 s step in 2030: no test depends on when it runs, or waits for the next step.
START = 1_899_999_990.0


class SetClock:
    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
