"""The outbox: idempotency keys, claiming due rows with a lease, settling, and on
PostgreSQL two dispatchers claiming at once never getting the same row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import Club
from storage.models import Person
from storage.outbox import Delivery, Status
from tests.club_rows import outbox

NOW = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


async def _person(club: Club) -> int:
    async with club.units() as uow:
        person = Person(name="Ann", telegram_id=1001, channels="telegram")
        await uow.people.add(person, ["member"])
        await uow.commit()
        return person.id


def _row(person: int, key: str, due: datetime, channel: str = "telegram") -> Delivery:
    return Delivery(person, channel, "reminder", key, due, {"kind": "day_before"})


async def test_a_key_is_queued_once(club: Club) -> None:
    ann = await _person(club)
    async with club.units() as uow:
        assert await uow.outbox.enqueue([_row(ann, "a", NOW), _row(ann, "b", NOW)]) == 2
        assert await uow.outbox.enqueue([_row(ann, "a", NOW + timedelta(hours=1))]) == 0
        assert await uow.outbox.enqueue([]) == 0
        await uow.commit()
    rows = await outbox(club)
    assert [(r.idempotency_key, r.status, r.attempts) for r in rows] == [
        ("a", Status.PENDING, 0),
        ("b", Status.PENDING, 0),
    ]
    assert rows[0].due_at.replace(tzinfo=UTC) == NOW  # the first one stands


async def test_claims_take_due_rows_in_order_and_hold_them_for_the_lease(club: Club) -> None:
    ann = await _person(club)
    async with club.units() as uow:
        await uow.outbox.enqueue(
            [
                _row(ann, "later", NOW + timedelta(minutes=5)),
                _row(ann, "second", NOW - timedelta(minutes=1)),
                _row(ann, "first", NOW - timedelta(minutes=2)),
                _row(ann, "console", NOW, channel="console"),
            ]
        )
        await uow.commit()
    async with club.units() as uow:
        claimed = await uow.outbox.claim(NOW, 10, LEASE, ["telegram"])
        assert [r.idempotency_key for r in claimed] == ["first", "second"]
        assert {r.status for r in claimed} == {Status.SENDING}
        assert {r.attempts for r in claimed} == {1}
        await uow.commit()
    async with club.units() as uow:
        assert await uow.outbox.claim(NOW + timedelta(minutes=1), 10, LEASE, ["telegram"]) == []
        # The lease ran out (its dispatcher died): the rows go again, one more attempt each.
        again = await uow.outbox.claim(NOW + LEASE + timedelta(seconds=1), 10, LEASE, ["telegram"])
        assert [(r.idempotency_key, r.attempts) for r in again] == [("first", 2), ("second", 2)]
        await uow.commit()
    async with club.units() as uow:
        limited = await uow.outbox.claim(NOW + timedelta(minutes=3), 1, LEASE, None)
        assert [r.idempotency_key for r in limited] == ["console"]
        rest = await uow.outbox.claim(NOW + timedelta(minutes=10), 10, LEASE, None)
        assert [r.idempotency_key for r in rest] == ["first", "second", "console", "later"]


async def test_every_status_is_recorded(club: Club) -> None:
    ann = await _person(club)
    async with club.units() as uow:
        await uow.outbox.enqueue([_row(ann, k, NOW) for k in ("sent", "retry", "failed", "skip")])
        await uow.commit()
    async with club.units() as uow:
        rows = {r.idempotency_key: r.id for r in await uow.outbox.claim(NOW, 10, LEASE)}
        await uow.outbox.settle(rows["sent"], Status.SENT, provider_id="77", sent_at=NOW)
        later = NOW + timedelta(seconds=5)
        await uow.outbox.settle(rows["retry"], Status.PENDING, error="TimedOut", due_at=later)
        await uow.outbox.settle(rows["failed"], Status.FAILED, error="blocked")
        await uow.outbox.settle(rows["skip"], Status.SKIPPED, error="already answered")
        await uow.commit()
        assert await uow.outbox.counts() == {
            Status.SENT: 1,
            Status.PENDING: 1,
            Status.FAILED: 1,
            Status.SKIPPED: 1,
        }
        found = await uow.outbox.by_provider_id("77")
        assert found is not None and found.idempotency_key == "sent"
    by_key = {r.idempotency_key: r for r in await outbox(club)}
    assert by_key["sent"].sent_at is not None and by_key["sent"].claimed_until is None
    assert by_key["retry"].last_error == "TimedOut"
    assert by_key["retry"].due_at.replace(tzinfo=UTC) == NOW + timedelta(seconds=5)
    assert by_key["failed"].last_error == "blocked"
    assert by_key["skip"].last_error == "already answered"


async def test_a_spoken_reminder_remembers_that_its_words_went(club: Club) -> None:
    ann = await _person(club)
    async with club.units() as uow:
        await uow.outbox.enqueue([_row(ann, "spoken", NOW)])
        [row] = await uow.outbox.claim(NOW, 10, LEASE)
        await uow.outbox.note_first_part_sent(row.id, "501")
        await uow.commit()
    [row] = await outbox(club)
    assert (row.status, row.provider_id) == (Status.SENDING, "501")
    assert row.claimed_until is not None  # still held: the voice note is on its way


async def test_rows_left_in_flight_are_released_at_once(club: Club) -> None:
    ann = await _person(club)
    async with club.units() as uow:
        await uow.outbox.enqueue([_row(ann, "held", NOW), _row(ann, "waiting", NOW)])
        await uow.outbox.claim(NOW, 1, LEASE)
        await uow.commit()
    async with club.units() as uow:
        assert await uow.outbox.release_in_flight() == 1
        await uow.commit()
    async with club.units() as uow:
        rows = await uow.outbox.claim(NOW, 10, LEASE)
        # The dead dispatcher's claim does not use up a try.
        assert [(r.idempotency_key, r.attempts) for r in rows] == [("held", 1), ("waiting", 1)]


async def test_two_dispatchers_claiming_at_once_share_the_rows(
    club: Club, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite one dispatcher does the work")
    ann = await _person(club)
    async with club.units() as uow:
        await uow.outbox.enqueue([_row(ann, f"r{n}", NOW) for n in range(10)])
        await uow.commit()
    async with club.units() as first, club.units() as second:
        mine = await first.outbox.claim(NOW, 6, LEASE)  # rows stay locked until commit
        theirs = await second.outbox.claim(NOW, 6, LEASE)
        assert len(mine) == 6 and len(theirs) == 4
        assert not {r.id for r in mine} & {r.id for r in theirs}
        await first.commit()
        await second.commit()
    assert await outbox(club, status=Status.PENDING) == []
