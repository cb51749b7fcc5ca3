"""A coordinator's notice, end to end through both fakes: the /notice flow on Telegram
(every answer a button the bot really sent), the outbox, the dispatcher, the Telegram,
text and call fakes, speech, live progress and the summary; a double-tapped confirm; the
command line; and the bad input of issue 6 (a long notice, an empty group, an opted-out
person)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection

import bot.service.dialogue as dialogue_module
from bot.channels.twilio.voice import spoken_with_keys
from bot.cli.main import run_command
from bot.service.broadcast_progress import Progress, read_progress
from bot.service.positions import load_position
from conversations import Input, Position, Reply
from conversations.flows.notice import LONGEST_NOTICE
from conversations.model import text
from storage import UnitOfWork
from storage.models import Broadcast, OutboxMessage
from storage.outbox import Status
from tests.club_data import add_person
from tests.club_rows import outbox
from tests.clubs import coordinator_club
from tests.coordinator_support import (
    CLUB_NUMBER,
    COORDINATOR,
    PUBLIC_URL,
    Scene,
    audit,
    button_keys,
    said,
)

CLUB = "Healthy Living Club"
WORDS = "The hall is closed on Friday for repairs. We meet again on Tuesday."
AS_SENT = f"A message from the {CLUB}. {WORDS}"
TOM, TIA, BEN = 1001, 1002, 1003
SUE, CAT, OLLY = "+447700900201", "+447700900202", "+447700900401"
VIC = "+447700900301"
NEAR_ONE_TEXT = (
    "The Tuesday Club moves to the small hall this week, as the big hall is painted. "
    "Please come in by the side door, next to the car park."
)
"""Under 160 letters alone; over it inside "A message from the Healthy Living Club. "."""
PROJECT = str(Path(__file__).resolve().parents[1])
CLI_SECONDS = 60


async def everyone(scene: Scene) -> dict[str, int]:
    """A club on every channel: Telegram with and without spoken versions, one who has
    blocked the bot, text, a phone call, a member reached through her carer's texts, and
    one who texted STOP."""
    club = scene.club
    ids = {
        "Tom": await add_person(club, "Tom", telegram_id=TOM, spoken=True),
        "Tia": await add_person(club, "Tia", telegram_id=TIA),
        "Ben": await add_person(club, "Ben", telegram_id=BEN),
        "Sue": await add_person(club, "Sue", phone=SUE),
        "Vic": await add_person(club, "Vic", phone=VIC, channels="voice"),
        "Mo": await add_person(club, "Mo", channels=""),
        "Olly": await add_person(club, "Olly", phone=OLLY),
    }
    ids["Cat"] = await add_person(club, "Cat", roles=("carer",), phone=CAT, cares_for=ids["Mo"])
    scene.bot.block_chat(BEN)
    await scene.text_in(OLLY, "STOP")
    return ids


async def write_notice(scene: Scene, words: str = WORDS, group: str = "to_everyone") -> str:
    """/notice, the words, no voice message, the group: returns the preview's words."""
    tg = scene.tg
    await tg.say(COORDINATOR, "/notice")
    assert tg.replies(COORDINATOR) == [tg.words("notice.write")]
    await tg.say(COORDINATOR, words)
    await tg.press(COORDINATOR, "words_only")
    if group not in {"to_everyone", "to_members_carers"}:
        await tg.press(COORDINATOR, "more")
    await tg.press(COORDINATOR, group)
    return "\n".join(tg.replies(COORDINATOR))


def notices_on_telegram(scene: Scene, words: str = AS_SENT) -> dict[int, int]:
    """Chat id -> how many times the notice's words arrived there."""
    found: dict[int, int] = {}
    for message in scene.bot.sent_messages():
        if message["text"] == words:
            chat = int(message["chat"]["id"])
            found[chat] = found.get(chat, 0) + 1
    return found


def spoken_after_the_notice(scene: Scene, chat: int) -> bool:
    """A voice note followed the notice's words in this chat."""
    [notice] = [m for m in scene.bot.sent_messages(chat) if m["text"] == AS_SENT]
    return any(v.message_id > notice["message_id"] for v in scene.bot.sent_voices(chat))


def texts_received(scene: Scene, words: str = AS_SENT) -> dict[str, int]:
    found: dict[str, int] = {}
    for message in scene.twilio.messages:
        if message.body == words:
            found[message.to] = found.get(message.to, 0) + 1
    return found


async def test_a_notice_reaches_telegram_text_and_call_members_with_speech(
    database_url: str,
) -> None:
    async with coordinator_club(database_url, spoken_coordinator=True) as scene:
        ids = await everyone(scene)
        tg = scene.tg

        preview = await write_notice(scene)
        assert AS_SENT in preview
        # Cora, Tom, Tia, Ben (blocked, not yet known), Sue, Vic, and Cat for Mo; not Olly
        assert tg.words("notice.count", count=7) in preview
        assert tg.words("notice.parts", parts=1) in preview
        confirm = tg.question(COORDINATOR)
        labels = [b["text"] for row in confirm["reply_markup"]["inline_keyboard"] for b in row]
        assert "Yes, send it" in labels[0] and "No, not yet" in labels[1]
        # the preview comes spoken too, for a coordinator who has spoken versions on
        [preview_voice] = scene.bot.sent_voices(COORDINATOR)
        assert preview_voice.data.startswith(b"OggS")

        await tg.press(COORDINATOR, "send_notice")
        assert tg.words("notice.sending") in tg.replies(COORDINATOR)
        [broadcast] = await broadcasts(scene)
        assert (broadcast.recipients, broadcast.skipped, broadcast.audience) == (7, 1, "everyone")
        queued = {(r.person_id, r.channel) for r in await outbox(scene.club)}
        assert queued == {
            (scene.coordinator, "telegram"),
            (ids["Tom"], "telegram"),
            (ids["Tia"], "telegram"),
            (ids["Ben"], "telegram"),
            (ids["Sue"], "sms"),
            (ids["Cat"], "sms"),
            (ids["Vic"], "voice"),
        }

        await scene.drain()
        await scene.club.progress.wait()  # type: ignore[union-attr]

        await what_each_fake_received(scene)
        progress = await counts_agree_with_the_fakes(scene, broadcast.id)
        # Twilio's delivery reports change no count: delivered is still sent
        await scene.settle_texts()
        again = await read_progress(scene.club.units, broadcast.id)
        assert again.sent_by_channel == progress.sent_by_channel
        [entry] = await audit(scene.club, "notice sent")
        assert entry.actor_id == scene.coordinator
        assert entry.detail["people"] == 7


async def what_each_fake_received(scene: Scene) -> None:
    """Each person got the notice once, on their own channel, with speech where wanted."""
    # Telegram: the words to each, a voice note only for those with spoken versions
    assert notices_on_telegram(scene) == {COORDINATOR: 1, TOM: 1, TIA: 1}
    [tom_voice] = scene.bot.sent_voices(TOM)
    assert tom_voice.data.startswith(b"OggS") and b"OpusHead" in tom_voice.data[:200]
    assert scene.bot.sent_voices(TIA) == []
    assert spoken_after_the_notice(scene, COORDINATOR) and spoken_after_the_notice(scene, TOM)
    # Text: Sue and Cat (for Mo), one part each, plain GSM-7; nothing to Olly
    assert texts_received(scene) == {SUE: 1, CAT: 1}
    assert all(m.segments == 1 and m.encoding == "GSM-7" for m in scene.twilio.messages)
    assert scene.twilio.messages_to(OLLY) == []
    # a phone call to Vic that speaks the notice when she answers, then ends
    [call] = scene.twilio.calls_to(VIC)
    assert call.from_ == CLUB_NUMBER
    twiml = await scene.pick_up(VIC)
    assert await spoken_notice_url(scene) in twiml and "<Hangup" in twiml


async def counts_agree_with_the_fakes(scene: Scene, broadcast_id: int) -> Progress:
    """read_progress and the coordinator's summary say what the fakes received."""
    tg = scene.tg
    progress = await read_progress(scene.club.units, broadcast_id)
    assert progress.sent_by_channel == {"telegram": 3, "sms": 2, "voice": 1}
    assert (progress.total, progress.done, progress.finished) == (7, 7, True)
    assert progress.unreached == ["Ben"]
    sent_on_telegram = sum(notices_on_telegram(scene).values())
    assert progress.sent_by_channel["telegram"] == sent_on_telegram
    assert progress.sent_by_channel["sms"] == sum(texts_received(scene).values())
    assert progress.sent_by_channel["voice"] == len(scene.twilio.call_requests)
    # the coordinator saw "Sent to N of 7" kept up to date, then the summary by channel
    shown = said(scene, COORDINATOR)
    assert tg.words("notice.progress", done=0, total=7) in shown
    edits = [e.text for e in scene.bot.edits(COORDINATOR) if (e.text or "").startswith("Sent to")]
    assert edits and edits[-1] == tg.words("notice.progress", done=7, total=7)
    # (the alert that Ben is unreachable races the summary: either may come last)
    finished = tg.words("notice.finished", sent=6)
    [summary] = [
        m["text"] for m in scene.bot.sent_messages(COORDINATOR) if m["text"].startswith(finished)
    ]
    assert summary.splitlines() == [
        tg.words("notice.finished", sent=6),
        tg.words("notice.by_channel", channel=text("channel.sms"), count=2),
        tg.words("notice.by_channel", channel=text("channel.telegram"), count=3),
        tg.words("notice.by_channel", channel=text("channel.voice"), count=1),
        tg.words("notice.unreached", names="Ben"),
    ]
    return progress


async def test_a_call_member_hears_the_notice_when_she_answers(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Vic", phone=VIC, channels="voice")
        await write_notice(scene)
        await scene.tg.press(COORDINATOR, "send_notice")
        await scene.drain()
        twiml = await scene.pick_up(VIC)
        assert twiml.count("<Play>") == 1 and "<Hangup" in twiml
        assert await spoken_notice_url(scene) in twiml
        audio = await scene.get(await spoken_notice_url(scene))
        assert audio.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"))


async def spoken_notice_url(scene: Scene, words: str = WORDS) -> str:
    """Where the club keeps the notice spoken (the URL a call <Play>s)."""
    catalogue = scene.club.catalogue
    spoken = spoken_with_keys(
        catalogue, "en", Reply((text("notice.broadcast", club=CLUB, words=words),))
    )
    assert scene.club.speech is not None
    info = catalogue.info["en"]
    clip = await scene.club.speech.find(spoken, info.speech, info.speech_tld)
    assert clip is not None, "the notice was spoken"
    return f"{PUBLIC_URL}/audio/{clip.key}.mp3"


async def test_a_coordinator_s_voice_message_goes_as_it_is_with_the_words(
    database_url: str,
) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Tom", telegram_id=TOM, spoken=True)
        await add_person(scene.club, "Tia", telegram_id=TIA)
        await add_person(scene.club, "Sue", phone=SUE)
        tg = scene.tg
        await tg.say(COORDINATOR, "/notice")
        await tg.say(COORDINATOR, WORDS)
        recorded = b"OggS the coordinator's own voice"
        await tg.voice(COORDINATOR, recorded)
        await tg.press(COORDINATOR, "to_members_carers")
        await tg.press(COORDINATOR, "send_notice")
        await scene.drain()
        [broadcast] = await broadcasts(scene)
        assert broadcast.voice_attachment is not None
        for chat in (TOM, TIA):  # the recording itself, to everyone on Telegram
            [voice] = scene.bot.sent_voices(chat)
            assert voice.data == recorded
        assert texts_received(scene) == {SUE: 1}  # a text carries the words only


async def test_a_double_tapped_confirm_sends_once(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Tom", telegram_id=TOM)
        await add_person(scene.club, "Sue", phone=SUE)
        await write_notice(scene)
        confirm = scene.tg.question(COORDINATOR)
        data = scene.tg.button(confirm, "send_notice")
        await scene.tg.press_data(COORDINATOR, confirm["message_id"], data)
        await scene.tg.press_data(COORDINATOR, confirm["message_id"], data)
        sending = scene.tg.words("notice.sending")
        assert said(scene, COORDINATOR).count(sending) == 1
        await scene.drain()
        await scene.club.progress.wait()  # type: ignore[union-attr]
        assert len(await broadcasts(scene)) == 1
        assert notices_on_telegram(scene) == {COORDINATOR: 1, TOM: 1}
        assert texts_received(scene) == {SUE: 1}
        assert scene.bot.unanswered_callbacks() == []


async def test_two_confirms_arriving_together_send_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Webhook mode hands updates over concurrently: two presses of "send" at once. Each
    input waits (up to a second) after reading the open question until the other has read
    it too, so the race is met every time rather than now and then."""
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        await write_notice(scene)
        confirm = scene.tg.question(COORDINATOR)
        question_id = int(scene.tg.button(confirm, "send_notice").partition(":")[0][1:])
        address = f"telegram:{COORDINATOR}"
        press = Input.choice("send_notice", question_id)
        read = load_position
        readers: list[str] = []
        both_read = asyncio.Event()

        async def read_then_wait_for_the_other(uow: UnitOfWork, at: str) -> Position | None:
            found = await read(uow, at)
            readers.append(at)
            if len(readers) >= 2:
                both_read.set()
            with contextlib.suppress(TimeoutError):  # the other waits on our lock
                await asyncio.wait_for(both_read.wait(), 1.0)
            return found

        monkeypatch.setattr(dialogue_module, "load_position", read_then_wait_for_the_other)
        answers = await asyncio.gather(
            scene.club.dialogue.handle(address, press, once="telegram:9001"),
            scene.club.dialogue.handle(address, press, once="telegram:9002"),
        )
        monkeypatch.setattr(dialogue_module, "load_position", read)
        assert sum(1 for a in answers if a.taken == "send_notice") >= 1
        assert len(await broadcasts(scene)) == 1


async def test_the_command_line_queues_the_same(database_url: str, tmp_path: Path) -> None:
    async with coordinator_club(database_url) as scene:
        ids = await everyone(scene)
        await write_notice(scene)
        await scene.tg.press(COORDINATOR, "send_notice")
        by_flow = {(r.person_id, r.channel) for r in await outbox(scene.club)}

        output = await run_cli(scene, tmp_path, "broadcast", "--to", "everyone", WORDS)
        [flow_notice, cli_notice] = await broadcasts(scene)
        assert cli_notice.words == flow_notice.words == WORDS
        assert (cli_notice.recipients, cli_notice.skipped) == (7, 1)
        assert cli_notice.created_by_id is None
        by_cli = {
            (r.person_id, r.channel) for r in await outbox(scene.club, broadcast_id=cli_notice.id)
        }
        assert by_cli == by_flow
        assert (ids["Olly"], "sms") not in by_cli
        assert "Skipped, no way to reach them: 1. A text message takes 1 parts." in output
        assert (
            f"Notice {cli_notice.id} queued for 7 people (2 by sms, 4 by telegram, 1 by voice)."
            in output
        )

        await scene.drain()
        assert notices_on_telegram(scene) == {COORDINATOR: 2, TOM: 2, TIA: 2}
        assert texts_received(scene) == {SUE: 2, CAT: 2}
        assert len(scene.twilio.calls_to(VIC)) == 2
        cli_progress = await read_progress(scene.club.units, cli_notice.id)
        assert cli_progress.sent_by_channel == {"telegram": 3, "sms": 2, "voice": 1}


async def run_cli(scene: Scene, folder: Path, *arguments: str) -> str:
    """`python -m bot ARGUMENTS` in its own process, configured like the club under test."""
    settings = scene.club.settings
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": PROJECT,
        "DATABASE_URL": settings.database_url,
        "TTS_ENGINE": "off",
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token or "",
        "TELEGRAM_BASE_URL": settings.telegram_base_url or "",
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid or "",
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token or "",
        "TWILIO_FROM_NUMBER": settings.twilio_from_number or "",
        "TWILIO_BASE_URL": settings.twilio_base_url or "",
        "PUBLIC_URL": settings.public_url or "",
        "QUIET_HOURS": settings.quiet_hours,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *arguments,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), CLI_SECONDS)
    words = output.decode()
    assert process.returncode == 0, words
    return words


async def broadcasts(scene: Scene) -> list[Broadcast]:
    async with scene.club.units() as uow:
        found = list(await uow.session.scalars(select(Broadcast).order_by(Broadcast.id)))
        uow.session.expunge_all()
        return found


# ------------------------------------------------------------------ bad input


async def test_a_notice_too_long_for_one_text_says_how_many_parts(database_url: str) -> None:
    long_words = " ".join(
        ["The Tuesday Club moves to the small hall while the big hall is painted."] * 5
    )
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        preview = await write_notice(scene, long_words)
        sent_as = f"A message from the {CLUB}. {long_words}"
        assert 153 * 2 < len(sent_as) <= 153 * 3
        assert scene.tg.words("notice.parts", parts=3) in preview
        await scene.tg.press(COORDINATOR, "send_notice")
        await scene.drain()
        [message] = scene.twilio.messages_to(SUE)
        assert message.body == sent_as
        assert (message.segments, message.encoding) == (3, "GSM-7")


async def test_the_preview_counts_the_parts_of_the_text_as_sent(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        preview = await write_notice(scene, NEAR_ONE_TEXT)
        await scene.tg.press(COORDINATOR, "send_notice")
        await scene.drain()
        [message] = scene.twilio.messages_to(SUE)
        assert message.segments == 2
        assert scene.tg.words("notice.parts", parts=message.segments) in preview


async def test_the_command_line_counts_the_parts_of_the_text_as_sent(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        assert await command(scene, "members_carers", NEAR_ONE_TEXT) == 0
        await scene.drain()
        [message] = scene.twilio.messages_to(SUE)
        assert message.segments == 2
        assert f"A text message takes {message.segments} parts." in capsys.readouterr().out


async def test_a_notice_over_the_longest_is_refused_kindly(database_url: str) -> None:
    """Up to 1,000 letters (longer than any other typed answer); more is refused with the
    limit named, and the coordinator writes it again."""
    async with coordinator_club(database_url) as scene:
        tg = scene.tg
        await tg.say(COORDINATOR, "/notice")
        await tg.say(COORDINATOR, "word " * 201)
        [again] = tg.replies(COORDINATOR)
        assert again.startswith(tg.words("notice.too_long", longest=LONGEST_NOTICE))
        assert tg.words("notice.write") in again
        await tg.say(COORDINATOR, "word " * 199)
        assert tg.replies(COORDINATOR)[-1].startswith(tg.words("notice.voice"))


async def test_an_empty_group_sends_nothing_and_says_so(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)  # a member; no volunteers at all
        tg = scene.tg
        await tg.say(COORDINATOR, "/notice")
        await tg.say(COORDINATOR, WORDS)
        await tg.press(COORDINATOR, "words_only")
        await tg.press(COORDINATOR, "more")
        await tg.press(COORDINATOR, "to_volunteers")
        question = tg.question(COORDINATOR)
        assert question["text"].startswith(tg.words("notice.count", count=0))
        assert "send_notice" not in button_keys(question), "nobody would get it: not offered"
        assert question["text"].endswith(tg.words("notice.audience"))
        await tg.press(COORDINATOR, "to_members_carers")
        assert tg.words("notice.count", count=1) in "\n".join(tg.replies(COORDINATOR))
        await tg.press(COORDINATOR, "keep_notice")
        assert tg.replies(COORDINATOR) == [tg.words("notice.kept")]
        await scene.drain()
        assert await broadcasts(scene) == []
        assert await outbox(scene.club) == []
        assert scene.twilio.messages == []
        assert await audit(scene.club, "notice sent") == []


async def test_a_group_by_activity_reaches_only_those_who_enjoy_it(database_url: str) -> None:
    async with coordinator_club(database_url) as scene:
        club = scene.club
        tom = await add_person(club, "Tom", telegram_id=TOM)
        await add_person(club, "Tia", telegram_id=TIA)
        async with club.units() as uow:
            activity = {a.key: a.id for a in await uow.club.activities()}
            await uow.people.set_preference(tom, activity["gardening"], "yes", tom)
            await uow.commit()
        tg = scene.tg
        await tg.say(COORDINATOR, "/notice")
        await tg.say(COORDINATOR, "Seeds are here.")
        await tg.press(COORDINATOR, "words_only")
        await tg.press(COORDINATOR, "more")
        await tg.press(COORDINATOR, "to_activity")
        assert tg.replies(COORDINATOR)[-1].startswith(tg.words("notice.activity"))
        await tg.say(COORDINATOR, "Gardening")
        assert tg.words("notice.count", count=1) in "\n".join(tg.replies(COORDINATOR))
        await tg.press(COORDINATOR, "send_notice")
        await scene.drain()
        notice = f"A message from the {CLUB}. Seeds are here."
        assert notices_on_telegram(scene, notice) == {TOM: 1}


async def test_a_notice_to_someone_who_opted_out_skips_and_counts_them(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        olly = await add_person(scene.club, "Olly", phone=OLLY)
        await scene.text_in(OLLY, "STOP")
        opted = [m["text"] for m in scene.bot.sent_messages(COORDINATOR)]
        assert opted == [scene.tg.words("coordinator.opted_out", who="Olly")]
        preview = await write_notice(scene, group="to_members_carers")
        assert scene.tg.words("notice.count", count=1) in preview
        await scene.tg.press(COORDINATOR, "send_notice")
        assert await command(scene, "members_carers") == 0
        output = capsys.readouterr().out
        assert "queued for 1 people (1 by sms)" in output
        assert "Skipped, no way to reach them: 1." in output
        await scene.drain()
        assert [b.skipped for b in await broadcasts(scene)] == [1, 1]
        assert olly not in {r.person_id for r in await outbox(scene.club)}
        assert texts_received(scene) == {SUE: 2}
        assert scene.twilio.messages_to(OLLY) == []


async def test_the_command_line_refuses_an_empty_group(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        assert await command(scene, "volunteers") == 2
        said_then = capsys.readouterr().out.strip()
        assert said_then == "Not sent: nobody in that group can be reached (0 skipped)."
        assert await outbox(scene.club) == []
        assert await broadcasts(scene) == []


async def command(scene: Scene, group: str, words: str = WORDS) -> int:
    """`python -m bot broadcast --to GROUP WORDS`, run in this process on the scene's club."""
    arguments = argparse.Namespace(
        command="broadcast", to=group, activity=None, text=words, urgent=False
    )
    return await run_command(scene.club, arguments)


# ------------------------------------------------------------- progress reads


async def test_progress_is_read_in_one_go_while_the_dispatcher_commits(
    database_url: str,
) -> None:
    """The summary must count what it says finished: a row settled between two of the
    progress reads would otherwise be "finished" but missing from the count by channel."""
    if not database_url.startswith("sqlite"):
        pytest.skip("settles a row from a second connection to the SQLite file")
    async with coordinator_club(database_url) as scene:
        await add_person(scene.club, "Sue", phone=SUE)
        await add_person(scene.club, "Tom", telegram_id=TOM)
        await write_notice(scene)
        await scene.tg.press(COORDINATOR, "send_notice")
        [broadcast] = await broadcasts(scene)
        async with scene.club.units() as uow:  # everyone's row but Sue's is already sent
            for row in await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast.id)
            ):
                row.status = Status.SENT if row.channel == "telegram" else Status.SENDING
            await uow.commit()
        path = database_url.partition("///")[2]
        reads = 0

        def settle_sue_after_the_first_read(
            connection: Connection, cursor: object, statement: str, *_: object
        ) -> None:
            nonlocal reads
            if "outbox" in statement and statement.lstrip().upper().startswith("SELECT"):
                reads += 1
                if reads == 1:
                    with sqlite3.connect(path) as other:
                        other.execute("UPDATE outbox SET status = 'sent' WHERE channel = 'sms'")

        engine = scene.club.database.sync_engine
        event.listen(engine, "after_cursor_execute", settle_sue_after_the_first_read)
        try:
            progress = await read_progress(scene.club.units, broadcast.id)
        finally:
            event.remove(engine, "after_cursor_execute", settle_sue_after_the_first_read)
        counted = sum(progress.sent_by_channel.values())
        assert counted == progress.done, progress
