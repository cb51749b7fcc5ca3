"""Issue 18, item 9: notices and polls arrived at night; the quiet hours held back reminders
only. Everything the club sends on its own now waits for the morning (QUIET_HOURS), unless
the coordinator marks a notice urgent, which the preview then says.

The coordinator writes on Telegram at 22:40: the notice waits until 9 in the morning, when
Tom reads it in English on Telegram and Ana in Portuguese by text; marked urgent it goes at
once (a Portuguese-speaking coordinator sees it so in the preview). A poll started at night
waits too. In the afternoon nothing is asked. `python -m bot broadcast` waits, or goes
with `--urgent`.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import update

from bot.cli import broadcast as broadcast_command
from bot.cli.main import run_command
from conversations import text
from conversations.calendar import at_local
from conversations.when import when_params
from storage.models import Person
from tests.club_rows import outbox
from tests.clubs import add_person as person
from tests.clubs import coordinator_club
from tests.coordinator_support import COORDINATOR, Scene, audit
from tests.fakes.clock import FakeClock

TOM, ANA = 1001, "+447700900201"
WORDS = "The hall is closed tomorrow because of the snow."


@pytest.fixture
async def scene(database_url: str) -> AsyncIterator[Scene]:
    async with coordinator_club(database_url, quiet_hours="20:00-09:00") as scene:
        await person(scene.club, "Tom", telegram_id=TOM)
        ana = await person(scene.club, "Ana", phone=ANA)
        await speaks(scene, ana, "pt")
        yield scene


async def speaks(scene: Scene, person_id: int, language: str) -> None:
    async with scene.club.units() as uow:
        await uow.session.execute(
            update(Person).where(Person.id == person_id).values(language=language)
        )
        await uow.commit()


def at(scene: Scene, hour: int, minute: int = 0, days: int = 1) -> datetime:
    zone = scene.club.settings.zone
    return at_local(datetime.now(zone).date() + timedelta(days=days), time(hour, minute), zone)


async def write_to_everyone(scene: Scene, now: datetime) -> str:
    scene.club.dialogue.clock = FakeClock(now)
    tg = scene.tg
    await tg.say(COORDINATOR, "/notice")
    await tg.say(COORDINATOR, WORDS)
    await tg.press(COORDINATOR, "words_only")
    await tg.press(COORDINATOR, "to_everyone")
    return "\n".join(tg.replies(COORDINATOR))


async def due_times(scene: Scene, kind: str) -> set[datetime]:
    return {row.due_at.replace(tzinfo=UTC) for row in await outbox(scene.club, kind=kind)}


async def test_a_notice_written_at_night_waits_for_the_morning(scene: Scene) -> None:
    tg, club = scene.tg, scene.club
    night, morning = at(scene, 22, 40), at(scene, 9, days=2)
    asked = await write_to_everyone(scene, night)
    assert asked == tg.words("notice.quiet")
    await tg.press(COORDINATOR, "wait_morning")
    preview = "\n".join(tg.replies(COORDINATOR))
    assert tg.words("notice.held", clock=when_params(morning, club.settings.zone)["clock"]) in (
        preview
    )
    assert "It will go at 9 in the morning." in preview
    await tg.press(COORDINATOR, "send_notice")
    assert tg.replies(COORDINATOR) == ["All right. The notice will go at 9 in the morning."]
    assert await due_times(scene, "broadcast") == {morning}

    await scene.drain(FakeClock(night + timedelta(minutes=5)))
    assert scene.bot.sent_messages(TOM) == [] and scene.twilio.messages_to(ANA) == []
    await scene.drain(FakeClock(morning))
    as_sent = {
        language: club.catalogue.render(
            language, text("notice.broadcast", club=club.settings.club_name, words=WORDS)
        )
        for language in ("en", "pt")
    }
    assert [m["text"] for m in scene.bot.sent_messages(TOM)] == [as_sent["en"]]
    assert [m.body for m in scene.twilio.messages_to(ANA)] == [as_sent["pt"]]
    assert as_sent["pt"].startswith("Uma mensagem do Healthy Living Club.")


async def test_an_urgent_notice_goes_at_once_and_the_preview_says_so(scene: Scene) -> None:
    tg, club = scene.tg, scene.club
    await speaks(scene, scene.coordinator, "pt")
    night = at(scene, 23, 15)
    asked = await write_to_everyone(scene, night)
    assert asked == club.catalogue.render("pt", text("notice.quiet"))
    await tg.press(COORDINATOR, "urgent")
    preview = "\n".join(tg.replies(COORDINATOR))
    assert "Está marcado como urgente, por isso vai agora." in preview
    await tg.press(COORDINATOR, "send_notice")
    assert tg.replies(COORDINATOR)[0] == club.catalogue.render("pt", text("notice.sending"))
    assert await due_times(scene, "broadcast") == {night}
    await scene.drain(FakeClock(night))
    assert len(scene.bot.sent_messages(TOM)) == 1 and len(scene.twilio.messages_to(ANA)) == 1
    [sent] = await audit(club, "notice sent")
    assert sent.detail["urgent"] is True


async def test_in_the_afternoon_a_notice_goes_at_once_without_asking(scene: Scene) -> None:
    tg = scene.tg
    afternoon = at(scene, 14, 5)
    preview = await write_to_everyone(scene, afternoon)
    assert tg.words("notice.quiet") not in preview
    assert preview.endswith(tg.words("notice.confirm"))
    assert "It will go at" not in preview and "urgent" not in preview
    await tg.press(COORDINATOR, "send_notice")
    assert tg.replies(COORDINATOR)[0] == tg.words("notice.sending")
    assert await due_times(scene, "broadcast") == {afternoon}
    await scene.drain(FakeClock(afternoon))
    assert len(scene.bot.sent_messages(TOM)) == 1


async def test_a_poll_started_at_night_waits_for_the_morning(scene: Scene) -> None:
    tg = scene.tg
    night, morning = at(scene, 21, 30), at(scene, 9, days=2)
    scene.club.dialogue.clock = FakeClock(night)
    await tg.say(COORDINATOR, "/choose")
    await tg.press(COORDINATOR, "ask_now")
    assert await due_times(scene, "poll") == {morning}
    await scene.drain(FakeClock(night + timedelta(hours=1)))
    assert scene.bot.sent_messages(TOM) == []
    await scene.drain(FakeClock(morning))
    [asked] = [m["text"] for m in scene.bot.sent_messages(TOM)]
    assert asked.startswith(tg.words("poll.ask"))
    assert scene.twilio.messages_to(ANA)[0].body.startswith(
        scene.club.catalogue.render("pt", text("poll.ask"))
    )


@pytest.mark.parametrize("urgent", [False, True])
async def test_the_command_line_waits_in_the_quiet_hours_unless_urgent(
    scene: Scene, urgent: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    night, morning = at(scene, 22, 40), at(scene, 9, days=2)
    monkeypatch.setattr(broadcast_command, "utc_now", lambda: night)
    arguments = argparse.Namespace(
        command="broadcast", to="everyone", activity=None, text=WORDS, urgent=urgent
    )
    assert await run_command(scene.club, arguments) == 0
    out = capsys.readouterr().out
    assert await due_times(scene, "broadcast") == ({night} if urgent else {morning})
    if urgent:
        assert "Marked urgent: it goes now, in the quiet hours (20:00-09:00)." in out
    else:
        assert "It is the quiet hours (20:00-09:00): it will go at 09:00 on " in out
        assert "Add --urgent to send it now." in out
