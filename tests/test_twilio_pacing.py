"""Texts within the number's rate: `SendWindow` keeps at most a rate's worth of texts in
any window, counted from when Twilio answered (so a request that started late cannot
bunch with the ones after it); through the whole stack, the fake's per-number limit
refuses nothing. (How fast is a benchmark's question: benchmarks/twilio_benchmark.py.)"""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.twilio.pacing import SendWindow
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import outbox
from tests.clubs import twilio_club
from tests.twilio_support import CLUB_NUMBER, add_session


class Clock:
    """A clock that moves only when a sleep or a request's round trip moves it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def send(window: SendWindow, clock: Clock, round_trip: float = 0.0) -> float:
    """One send through the window; returns the moment it began."""
    async with window.turn():
        began = clock.now
        clock.now += round_trip
    return began


async def test_a_window_holds_the_send_after_a_full_window() -> None:
    clock = Clock()
    window = SendWindow(5, clock=clock, sleep=clock.sleep)
    began = [await send(window, clock) for _ in range(5)]
    assert began == [100.0] * 5 and clock.slept == []  # a window's worth at once
    sixth = await send(window, clock)
    assert sixth == pytest.approx(101.0)
    assert clock.slept == [pytest.approx(1.0)]


async def test_a_slow_answer_pushes_the_send_a_window_later() -> None:
    """The first request took 0.3 s to be answered: it may have reached Twilio at any
    moment until then, so the sixth waits until a second after that answer."""
    clock = Clock()
    window = SendWindow(5, clock=clock, sleep=clock.sleep)
    await send(window, clock, round_trip=0.3)
    for _ in range(4):
        clock.now += 0.2
        await send(window, clock)
    assert clock.now == pytest.approx(101.1)
    sixth = await send(window, clock)
    assert sixth == pytest.approx(101.3)


async def test_a_window_for_a_slow_rate_spaces_single_sends() -> None:
    clock = Clock()
    window = SendWindow(0.5, clock=clock, sleep=clock.sleep)
    first = await send(window, clock)
    second = await send(window, clock)
    assert second - first == pytest.approx(2.0)


async def test_a_failed_send_still_counts_and_frees_its_turn() -> None:
    clock = Clock()
    window = SendWindow(1, clock=clock, sleep=clock.sleep)
    with pytest.raises(RuntimeError):
        async with window.turn():
            raise RuntimeError("Twilio did not answer")
    assert await send(window, clock) == pytest.approx(101.0)


async def test_sends_waiting_together_go_in_turn() -> None:
    clock = Clock()
    window = SendWindow(2, clock=clock, sleep=clock.sleep)
    began = await asyncio.gather(*(send(window, clock) for _ in range(6)))
    assert sorted(began) == pytest.approx([100.0, 100.0, 101.0, 101.0, 102.0, 102.0])


async def test_texts_at_the_numbers_rate_are_never_refused(database_url: str) -> None:
    """The fake refuses a sixth text in any second (429/20429); the club, set to 5 a
    second, sends eleven reminders and none is refused."""
    async with twilio_club(database_url, twilio_per_second=5.0) as tc:
        tc.fake.per_number_rate(5)
        session = await add_session(tc.club)
        for n in range(11):
            person = await add_phone_person(tc.club, f"Member {n}", f"+4477009002{n:02d}")
            await queue_reminder(tc.club, person, session)

        assert await tc.dispatch() == 11

        assert tc.fake.rejected_by_rate == 0
        assert tc.fake.accepted_sends == 11
        assert tc.fake.max_sends_in_any_second(CLUB_NUMBER) <= 5
        assert {r.status for r in await outbox(tc.club)} == {Status.SENT}
