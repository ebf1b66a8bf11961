"""The app's clock: seconds since the epoch, injected so that tests set the time instead of waiting for it
(the second factor's 30 s steps, the throttle's holds)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()
