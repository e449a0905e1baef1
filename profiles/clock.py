"""The one clock: every timestamp the product writes or compares comes from here.

Services and repositories read the time from the clock a ``Store`` was built with,
never from ``datetime.now`` directly, so that tests and benchmarks can run the whole
product at any instant (a Monday 03:00 UTC, a Sunday night in Berlin) and get the
same answers as in production.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, benchmarks, simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware time")
        with self._lock:
            self._now = when

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now += delta
            return self._now
