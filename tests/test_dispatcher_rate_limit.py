"""The rate limiter spreads sends out evenly: never two booked closer than the overall rate
allows, never two to one recipient closer than its own rate, one slow recipient holding
up nobody else, and a 429 holding everyone."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from types import SimpleNamespace

import pytest

from bot.outbox import rate_limit
from bot.outbox.rate_limit import ARRIVAL_SLACK, OVERALL_MARGIN, PER_KEY_MARGIN, RateLimiter

NOW = 1000.0


@pytest.fixture
def booked(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The moments sends are booked for, on a clock standing still at NOW: the limiter's
    sleeps are noted instead of slept."""
    moments: list[float] = []
    real_sleep = asyncio.sleep

    async def note(seconds: float) -> None:
        moments.append(NOW + seconds)
        await real_sleep(0)

    fake = SimpleNamespace(sleep=note, Lock=asyncio.Lock)
    monkeypatch.setattr(rate_limit, "asyncio", fake)
    return moments


async def _book(
    limiter: RateLimiter, keys: list[str], booked: list[float]
) -> list[tuple[float, str]]:
    async def one(key: str) -> tuple[float, str]:
        before = len(booked)
        await limiter.acquire(key)
        return (booked[before] if len(booked) > before else NOW), key

    return sorted(await asyncio.gather(*(one(key) for key in keys)))


async def test_sends_are_spaced_overall_and_per_recipient(booked: list[float]) -> None:
    limiter = RateLimiter(per_second=30, per_key_per_second=1, clock=lambda: NOW)
    sent = await _book(limiter, [f"chat{i % 4}" for i in range(40)], booked)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(sent)]
    assert min(gaps) >= (1 + OVERALL_MARGIN) / 30 - 1e-9
    by_key: dict[str, list[float]] = defaultdict(list)
    for moment, key in sent:
        by_key[key].append(moment)
    for moments in by_key.values():
        assert len(moments) == 10
        assert min(b - a for a, b in itertools.pairwise(moments)) >= 1 + PER_KEY_MARGIN - 1e-9
    # Ten a recipient at 1.1 seconds apart, each on the next free slot, the last of the four
    # recipients starting three slots after the first: the last goes about ten seconds on.
    slot = (1 + OVERALL_MARGIN) / 30
    latest = 3 * slot + 9 * (1 + PER_KEY_MARGIN + slot)
    assert 9 * (1 + PER_KEY_MARGIN) <= sent[-1][0] - NOW <= latest


async def test_within_any_second_no_more_than_the_rate(booked: list[float]) -> None:
    limiter = RateLimiter(per_second=30, per_key_per_second=1, clock=lambda: NOW)
    sent = await _book(limiter, [f"chat{i}" for i in range(300)], booked)
    moments = [moment for moment, _ in sent]
    busiest = max(sum(1 for other in moments if start <= other < start + 1.0) for start in moments)
    assert busiest == 30
    assert moments[-1] - NOW == pytest.approx(299 * (1 + OVERALL_MARGIN) / 30)


async def test_one_recipient_waiting_does_not_hold_up_the_others(booked: list[float]) -> None:
    limiter = RateLimiter(per_second=30, per_key_per_second=1, clock=lambda: NOW)
    sent = await _book(limiter, ["slow", "slow", *[f"chat{i}" for i in range(20)]], booked)
    others = [moment for moment, key in sent if key != "slow"]
    # The second message to "slow" waits 1.1 seconds; the twenty others fill the time.
    assert max(others) - NOW < 0.75
    assert sent[-1][1] == "slow"
    slot = (1 + OVERALL_MARGIN) / 30
    assert 1 + PER_KEY_MARGIN <= sent[-1][0] - NOW <= 1 + PER_KEY_MARGIN + slot


async def test_a_flood_wait_holds_every_send() -> None:
    limiter = RateLimiter(per_second=None, per_key_per_second=None)
    await limiter.acquire("a")
    limiter.pause(0.2)
    start = time.monotonic()
    await limiter.acquire("b")
    assert time.monotonic() - start >= 0.19


async def test_no_limits_means_no_waiting() -> None:
    limiter = RateLimiter(per_second=None, per_key_per_second=None)
    start = time.monotonic()
    for _ in range(1000):
        await limiter.acquire("chat")
    assert time.monotonic() - start < 1.0


async def test_at_a_very_high_rate_a_send_is_never_late_at_its_own_moment() -> None:
    limiter = RateLimiter(per_second=1_000_000, per_key_per_second=1_000_000)
    moment = await limiter.acquire("chat")
    assert not limiter.late(moment)  # else a held sender would book again for ever
    paced = RateLimiter(per_second=30, per_key_per_second=1)
    assert not paced.late(await paced.acquire("chat"))
    assert paced.interval == pytest.approx((1 + OVERALL_MARGIN) / 30)


async def test_actual_starts_never_exceed_the_rate_within_a_second() -> None:
    """Moments keep sends apart, but one held up on its way and the next on time would
    bunch up: the starts themselves are kept within the rate."""
    limiter = RateLimiter(per_second=10, per_key_per_second=None)
    started: list[float] = []
    for _ in range(12):
        await limiter.starting()
        started.append(time.monotonic())
    assert started[9] - started[0] < 0.5  # ten go at once when nothing went before
    assert started[10] - started[0] >= 1 + ARRIVAL_SLACK - 0.002
    assert started[11] - started[1] >= 1 + ARRIVAL_SLACK - 0.002
