"""When a webhook message is attempted again (Standard Webhooks' schedule), and when an endpoint
that fails every attempt is given up on. Pure: the clock and the random source are passed in."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Protocol

# The wait before each attempt, counted from the previous one's failure: attempt 1 at once,
# then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (about 3 days in all).
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
# Each wait is spread by up to this fraction either way, so endpoints that failed together
# (a receiver's outage) are not all retried in the same second.
JITTER = 0.1
# A receiver's Retry-After is honoured up to this: a longer one (or a date far ahead) must not
# park a message for weeks.
RETRY_AFTER_CAP = timedelta(hours=24)
# An endpoint whose every attempt has failed for this long is disabled (and the admins told).
GIVE_UP_AFTER = timedelta(days=5)


class RandomSource(Protocol):
    def random(self) -> float: ...


def next_attempt(
    attempts_made: int, now: datetime, *, retry_after: float | None, rng: RandomSource
) -> datetime | None:
    """When to make the next attempt, ``attempts_made`` having failed (the last one just now,
    answering ``retry_after`` seconds if it sent Retry-After); None when the schedule is over.

    The wait is the schedule's step ± ``JITTER``; a Retry-After longer than that is waited out
    (up to ``RETRY_AFTER_CAP``), a shorter one does not bring the attempt forward."""
    if attempts_made < 0:
        raise ValueError("attempts_made cannot be negative")
    if attempts_made >= len(SCHEDULE):
        return None
    step = SCHEDULE[attempts_made].total_seconds()
    wait = step * (1 + JITTER * (2 * rng.random() - 1))
    if attempts_made > 0 and retry_after is not None and not math.isnan(retry_after):
        wait = max(wait, min(retry_after, RETRY_AFTER_CAP.total_seconds()))
    return now + timedelta(seconds=max(wait, 0.0))


def gives_up(first_failure: datetime, now: datetime) -> bool:
    """Whether an endpoint failing every attempt since ``first_failure`` is to be disabled; any
    success in between starts the count again (the caller keeps ``first_failure``)."""
    return now - first_failure >= GIVE_UP_AFTER
