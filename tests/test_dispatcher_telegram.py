"""The dispatcher against the fake Telegram Bot API: words with buttons then a voice note,
flood waits, timeouts with backoff, a blocked chat moving to the next channel with the
coordinator told, every status on the row, and a sender that crashes losing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, time, timedelta

import pytest
from sqlalchemy import select, update

from bot.bootstrap import Club
from bot.outbox.delivery import Sender
from bot.outbox.dispatcher import Dispatcher
from storage.models import ChannelState, OutboxMessage, Person
from storage.outbox import Status
from tests.club_data import add_person, add_series
from tests.club_rows import outbox
from tests.clubs import club_settings, prepared_club
from tests.fakes.clock import FakeClock, dispatcher_for, local, planner_for
from tests.fakes.sender import RecordingSender
from tests.fakes.telegram_api import FakeBotApi

THURSDAY = 3
COORDINATOR = 9000
DAY_BEFORE = local(2026, 12, 2, 11, 0)


@dataclass
class Scene:
    fake: FakeBotApi
    club: Club
    clock: FakeClock
    console: RecordingSender
    ids: dict[str, int]
    session: int = 0

    def dispatcher(self) -> Dispatcher:
        senders: dict[str, Sender] = {
            "telegram": self.club.senders["telegram"],
            "console": self.console,
        }
        return dispatcher_for(self.club, self.clock, senders)

    async def plan(self, *names: str) -> list[OutboxMessage]:
        """Plan the Thursday's reminders; keep only the day-before ones of `names`."""
        await planner_for(self.club, self.clock).plan()
        keep = [self.ids[name] for name in names]
        async with self.club.units() as uow:
            await uow.session.execute(
                update(OutboxMessage)
                .where(
                    (OutboxMessage.payload["kind"].as_string() != "day_before")
                    | OutboxMessage.person_id.not_in(keep)
                )
                .values(status=Status.SKIPPED)
            )
            await uow.commit()
        rows = await outbox(self.club, status=Status.PENDING)
        self.session = rows[0].session_id or 0
        return rows

    async def drain(self) -> int:
        dispatcher = self.dispatcher()
        handled = 0
        while found := await dispatcher.run_once():
            handled += found
        return handled


@pytest.fixture
async def scene(database_url: str) -> AsyncIterator[Scene]:
    async with (
        FakeBotApi() as fake,
        prepared_club(club_settings(database_url, bot_api=fake)) as club,
    ):
        series = await add_series(club, "Singing", THURSDAY, time(10, 30), time(12, 30))
        ids = {
            "Ann": await add_person(club, "Ann", telegram_id=1001, spoken=True, series=[series]),
            "Bob": await add_person(club, "Bob", telegram_id=1002, series=[series]),
            "Cat": await add_person(
                club,
                "Cat",
                telegram_id=1003,
                console_name="cat",
                channels="telegram,console",
                series=[series],
            ),
            "Cora": await add_person(club, "Cora", roles=("coordinator",), telegram_id=COORDINATOR),
        }
        yield Scene(fake, club, FakeClock(DAY_BEFORE), RecordingSender("console"), ids)


async def test_words_with_buttons_then_a_spoken_voice_note(scene: Scene) -> None:
    await scene.plan("Ann", "Bob")
    assert await scene.drain() == 2
    fake = scene.fake
    [words] = fake.sent_messages(1001)
    labels = [b["text"] for row in words["reply_markup"]["inline_keyboard"] for b in row]
    assert len(labels) == 4 and "Yes, coming" in labels[0]
    assert "Singing" in words["text"] and "Thursday 3 December" in words["text"]
    assert "SE27 9JU" in words["text"]
    [voice] = fake.sent_voices(1001)
    assert voice.data.startswith(b"OggS") and b"OpusHead" in voice.data[:200]
    assert voice.message_id > words["message_id"]  # after the words
    assert voice.message["voice"]["duration"] >= 1
    assert fake.sent_voices(1002) == []  # Bob did not ask for spoken versions
    assert len(fake.sent_messages(1002)) == 1
    rows = {r.person_id: r for r in await outbox(scene.club, status=Status.SENT)}
    assert rows[scene.ids["Ann"]].provider_id == str(words["message_id"])
    assert rows[scene.ids["Ann"]].sent_at is not None
    assert rows[scene.ids["Ann"]].last_error is None
    assert rows[scene.ids["Ann"]].attempts == 1
    assert fake.rejected_by_limit == 0


async def test_a_flood_wait_is_obeyed_and_the_message_goes_after_it(scene: Scene) -> None:
    await scene.plan("Bob")
    scene.fake.fail_next("sendMessage", "429", retry_after=1)
    assert await scene.drain() == 1
    [row] = await outbox(scene.club, status=Status.PENDING)
    assert row.last_error == "flood wait" and row.attempts == 1
    assert row.due_at.replace(tzinfo=UTC) == scene.clock.now + timedelta(seconds=1)
    assert await scene.drain() == 0  # not before the wait is over
    scene.clock.advance(timedelta(seconds=1))
    assert await scene.drain() == 1
    [row] = await outbox(scene.club, person_id=scene.ids["Bob"], status=Status.SENT)
    assert row.attempts == 2
    assert len(scene.fake.sent_messages(1002)) == 1
    calls = [c for c in scene.fake.calls if c.method == "sendMessage"]
    assert calls[1].time - calls[0].time >= 0.9  # the sender held back for retry_after


async def test_timeouts_are_retried_with_growing_waits(scene: Scene) -> None:
    await scene.plan("Bob")
    scene.fake.fail_next("sendMessage", "timeout", times=2, delay=0.05)
    waits = []
    for _ in range(2):
        before = scene.clock.now
        assert await scene.drain() == 1
        [row] = await outbox(scene.club, status=Status.PENDING)
        waits.append(row.due_at.replace(tzinfo=UTC) - before)
        assert row.last_error in {"NetworkError", "TimedOut"}
        scene.clock.set(row.due_at.replace(tzinfo=UTC))
    assert waits == [timedelta(seconds=5), timedelta(seconds=10)]
    assert await scene.drain() == 1
    [row] = await outbox(scene.club, status=Status.SENT)
    assert row.attempts == 3
    assert len(scene.fake.sent_messages(1002)) == 1


async def test_a_blocked_chat_moves_to_the_next_channel_and_the_coordinator_is_told(
    scene: Scene,
) -> None:
    await scene.plan("Cat", "Bob")
    scene.fake.block_chat(1003)
    assert await scene.drain() == 3  # Bob's, Cat's on Telegram, then Cat's in the console
    [failed] = await outbox(scene.club, status=Status.FAILED)
    assert (failed.channel, failed.last_error) == ("telegram", "blocked")
    [moved] = await outbox(scene.club, channel="console")
    assert moved.status == Status.SENT
    assert moved.idempotency_key == f"{failed.idempotency_key}>console"
    [message] = scene.console.sent
    assert message.handle == "cat" and message.reply.texts[0].key == "reminder.day_before"
    async with scene.club.units() as uow:
        states = [(s.person_id, s.channel) for s in await uow.session.scalars(select(ChannelState))]
    assert states == [(scene.ids["Cat"], "telegram")]
    told = [m["text"] for m in scene.fake.sent_messages(COORDINATOR)]
    assert told == ["Cat can no longer get messages by Telegram."]
    # The next reminder goes straight to the console.
    await planner_for(scene.club, scene.clock).plan()
    async with scene.club.units() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == Status.SKIPPED)
            .where(OutboxMessage.person_id == scene.ids["Cat"])
            .values(status=Status.PENDING)
        )
        await uow.commit()
    scene.clock.set(local(2026, 12, 3, 9, 0))
    await scene.drain()
    assert len(scene.fake.sent_messages(1003)) == 0
    assert len(scene.console.sent) >= 2


async def test_a_sender_that_crashes_loses_nothing(scene: Scene) -> None:
    await scene.plan("Cat")
    scene.console.script.append(RuntimeError("a bug in a channel"))
    async with scene.club.units() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == Status.PENDING)
            .values(channel="console")
        )
        await uow.commit()
    assert await scene.drain() == 1
    [row] = await outbox(scene.club, status=Status.PENDING)
    assert row.last_error == "RuntimeError" and row.channel == "console"
    scene.clock.advance(timedelta(seconds=5))
    assert await scene.drain() == 1
    assert [m.handle for m in scene.console.sent] == ["cat"]
    assert (await outbox(scene.club, id=row.id))[0].status == Status.SENT


async def test_the_words_are_never_sent_twice_when_the_voice_note_crashes(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    await scene.plan("Ann")
    sender = scene.club.senders["telegram"]
    real_voice = sender.send_voice  # type: ignore[attr-defined]
    failures = [RuntimeError("killed between the words and the voice note")]

    async def crashing_voice(message: object) -> str | None:
        if failures:
            raise failures.pop()
        return await real_voice(message)  # type: ignore[no-any-return]

    monkeypatch.setattr(sender, "send_voice", crashing_voice)
    assert await scene.drain() == 1
    [row] = await outbox(scene.club, status=Status.PENDING)
    assert row.provider_id is not None  # the words were recorded before the voice note
    scene.clock.advance(timedelta(seconds=5))
    assert await scene.drain() == 1
    assert len(scene.fake.sent_messages(1001)) == 1
    assert len(scene.fake.sent_voices(1001)) == 1
    [row] = await outbox(scene.club, status=Status.SENT)
    assert row.provider_id == str(scene.fake.sent_messages(1001)[0]["message_id"])


async def test_a_restart_sends_only_what_a_dead_dispatcher_left_unrecorded(
    scene: Scene,
) -> None:
    rows = await scene.plan("Ann", "Bob")
    ann = next(r for r in rows if r.person_id == scene.ids["Ann"])
    # A dispatcher died holding both rows, after Ann's words were out and recorded.
    async with scene.club.units() as uow:
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == Status.PENDING)
            .values(
                status=Status.SENDING,
                claimed_until=scene.clock.now + timedelta(minutes=2),
                attempts=1,
            )
        )
        await uow.outbox.note_first_part_sent(ann.id, "4242")
        await uow.commit()
    assert await scene.drain() == 0  # their lease has not run out
    dispatcher = scene.dispatcher()
    released = await dispatcher.recover()
    expected = 2 if scene.club.units.engine.dialect.name == "sqlite" else 0
    assert released == expected
    if not expected:  # PostgreSQL: other dispatchers may hold them; the lease decides
        scene.clock.advance(timedelta(minutes=2, seconds=1))
    await scene.drain()
    assert len(scene.fake.sent_messages(1001)) == 0  # Ann's words went before the restart
    assert len(scene.fake.sent_voices(1001)) == 1
    assert len(scene.fake.sent_messages(1002)) == 1
    sent = {r.person_id: r for r in await outbox(scene.club, status=Status.SENT)}
    assert sent[scene.ids["Ann"]].provider_id == "4242"
    assert sent[scene.ids["Ann"]].attempts == (1 if expected else 2)  # a release is no try


async def _everyone_spoken(scene: Scene) -> None:
    async with scene.club.units() as uow:
        await uow.session.execute(update(Person).values(spoken=True))
        await uow.commit()


def _voice_uploads(fake: FakeBotApi) -> list[bytes]:
    return [c.files["voice"] for c in fake.calls if c.method == "sendVoice" and "voice" in c.files]


async def test_the_same_voice_note_is_uploaded_once_and_then_sent_by_its_file_id(
    scene: Scene,
) -> None:
    await _everyone_spoken(scene)
    await scene.plan("Ann", "Bob")
    assert await scene.drain() == 2
    ann, bob = scene.fake.sent_voices(1001), scene.fake.sent_voices(1002)
    assert len(ann) == 1 and len(bob) == 1
    assert ann[0].data == bob[0].data  # the same words, so the same recording
    [upload] = _voice_uploads(scene.fake)  # the other waited for it and went as its file id
    assert upload == ann[0].data
    [by_id] = [c for c in scene.fake.calls if c.method == "sendVoice" and not c.files]
    assert by_id.params["voice"] == ann[0].message["voice"]["file_id"]


async def test_a_file_id_telegram_no_longer_knows_is_uploaded_again(scene: Scene) -> None:
    await _everyone_spoken(scene)
    rows = await scene.plan("Ann")
    await scene.drain()
    async with scene.club.units() as uow:  # Bob's reminder, held back until now
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.person_id == scene.ids["Bob"])
            .where(OutboxMessage.session_id == rows[0].session_id)
            .where(OutboxMessage.payload["kind"].as_string() == "day_before")
            .values(status=Status.PENDING)
        )
        await uow.commit()
    scene.fake.fail_next(
        "sendVoice", "400", chat_id=1002, description="Bad Request: wrong file identifier"
    )
    assert await scene.drain() == 1
    [voice] = scene.fake.sent_voices(1002)
    assert voice.data == scene.fake.sent_voices(1001)[0].data
    assert len(_voice_uploads(scene.fake)) == 2
    sent = {r.person_id: r for r in await outbox(scene.club, status=Status.SENT)}
    assert sent[scene.ids["Bob"]].last_error is None
