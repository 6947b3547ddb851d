"""The retry schedule, with a fixed random source and clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from calgate.domain.webhooks.schedule import (
    GIVE_UP_AFTER,
    JITTER,
    RETRY_AFTER_CAP,
    SCHEDULE,
    gives_up,
    next_attempt,
)

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
STEPS = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]


class Fixed(random.Random):
    """A random source whose ``random()`` always returns ``value``."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def _wait(attempts: int, rng: random.Random, retry_after: float | None = None) -> float:
    at = next_attempt(attempts, NOW, retry_after=retry_after, rng=rng)
    assert at is not None
    return (at - NOW).total_seconds()


def test_the_schedule_is_standard_webhooks():
    assert [s.total_seconds() for s in SCHEDULE] == STEPS


@pytest.mark.parametrize("attempts", range(len(STEPS)))
def test_without_jitter_each_retry_waits_its_step(attempts):
    assert _wait(attempts, Fixed(0.5)) == pytest.approx(STEPS[attempts])


@pytest.mark.parametrize("attempts", range(1, len(STEPS)))
def test_jitter_stays_within_ten_percent(attempts):
    step = STEPS[attempts]
    assert _wait(attempts, Fixed(0.0)) == pytest.approx(step * (1 - JITTER))
    assert _wait(attempts, Fixed(0.999999)) == pytest.approx(step * (1 + JITTER), rel=1e-5)


def test_jitter_spreads_retries_of_the_same_step():
    rng = random.Random(17)
    waits = {_wait(3, rng) for _ in range(50)}
    assert len(waits) > 40
    assert min(waits) >= 1800 * 0.9 and max(waits) <= 1800 * 1.1


def test_the_first_attempt_is_immediate():
    assert next_attempt(0, NOW, retry_after=None, rng=Fixed(0.0)) == NOW
    assert next_attempt(0, NOW, retry_after=None, rng=Fixed(0.99)) == NOW


def test_none_after_the_last_attempt():
    assert next_attempt(len(STEPS) - 1, NOW, retry_after=None, rng=Fixed(0.5)) is not None
    assert next_attempt(len(STEPS), NOW, retry_after=None, rng=Fixed(0.5)) is None
    assert next_attempt(len(STEPS) + 5, NOW, retry_after=None, rng=Fixed(0.5)) is None


def test_negative_attempts_are_a_bug():
    with pytest.raises(ValueError):
        next_attempt(-1, NOW, retry_after=None, rng=Fixed(0.5))


def test_retry_after_longer_than_the_step_is_honoured():
    assert _wait(1, Fixed(0.0), retry_after=120) == 120  # step 5 s
    assert _wait(2, Fixed(0.5), retry_after=3600) == 3600  # step 5 min


def test_retry_after_shorter_than_the_step_does_not_bring_it_forward():
    assert _wait(3, Fixed(0.5), retry_after=1) == pytest.approx(1800)
    assert _wait(3, Fixed(0.0), retry_after=0) == pytest.approx(1800 * 0.9)


@pytest.mark.parametrize("huge", [86400 * 30, float("inf"), 1e300])
def test_retry_after_is_capped(huge):
    assert _wait(1, Fixed(0.5), retry_after=huge) == RETRY_AFTER_CAP.total_seconds()
    assert timedelta(hours=24) == RETRY_AFTER_CAP


@pytest.mark.parametrize("odd", [-5.0, float("nan"), float("-inf")])
def test_a_meaningless_retry_after_is_ignored(odd):
    assert _wait(2, Fixed(0.5), retry_after=odd) == pytest.approx(300)


def test_retry_after_on_the_first_attempt_is_not_a_thing():
    # the first attempt has had no answer yet: nothing to honour
    assert next_attempt(0, NOW, retry_after=60, rng=Fixed(0.5)) == NOW


def test_gives_up_after_five_days_of_failures():
    assert timedelta(days=5) == GIVE_UP_AFTER
    assert not gives_up(NOW, NOW)
    assert not gives_up(NOW - timedelta(days=5) + timedelta(seconds=1), NOW)
    assert gives_up(NOW - timedelta(days=5), NOW)
    assert gives_up(NOW - timedelta(days=9), NOW)


def test_the_whole_schedule_ends_before_the_endpoint_is_given_up():
    # one message's retries (about 3.2 days with the largest jitter) end inside the five days:
    # only an endpoint failing message after message is disabled
    total = sum(STEPS) * (1 + JITTER)
    assert timedelta(seconds=total) < GIVE_UP_AFTER
