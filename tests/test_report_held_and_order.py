"""Issue 18, item 10: the report counted sessions still to come as held ("8 sessions were
held… Thursday 31 December… attendance was not taken"), and on Telegram "/report" said
"I am making the report now." after the report had arrived. Each through the engine and
a channel, in English and Polish where there are words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.bootstrap import Club
from bot.cli.main import run_command
from bot.report import gather_report, read_period, render_text
from conversations import (
    Catalogue,
    Engine,
    Input,
    InputKind,
    MakeReport,
    PersonView,
    Snapshot,
    all_flows,
    text,
)
from storage.models import Person, utc_now
from tests.clubs import add_person as person
from tests.clubs import coordinator_club
from tests.coordinator_support import audit
from tests.report_club import bare_club, session_row
from tests.test_report_command import arguments

__all__ = ["bare_club"]

TOM = 1001
CATALOGUE = Catalogue.load()
ENGINE = Engine(all_flows(CATALOGUE.language_list()), CATALOGUE.vocabulary, CATALOGUE.label)


async def sessions_around_now(club: Club) -> None:
    """One ended an hour ago, one going on now, one tomorrow, and one cancelled."""
    now = utc_now()
    async with club.units() as uow:
        for title, starts in [
            ("Ended", now - timedelta(hours=3)),
            ("Going on", now - timedelta(minutes=10)),
            ("Tomorrow", now + timedelta(days=1)),
        ]:
            await uow.sessions.add(session_row(title, "music", starts))
        await uow.sessions.add(session_row("Called off", "art", now - timedelta(days=2), True))
        await uow.commit()


async def test_only_sessions_that_have_ended_are_held(bare_club: Club) -> None:
    await sessions_around_now(bare_club)
    today = utc_now().astimezone(bare_club.settings.zone).date()
    period = read_period(None, (today + timedelta(days=7)).isoformat(), today)
    async with bare_club.units() as uow:
        report = await gather_report(
            uow, bare_club.catalogue, "Test Club", bare_club.settings.zone, period
        )
    assert [s.title for s in report.sessions] == ["Ended"]
    assert report.cancelled == 1
    words = render_text(report)
    assert "1 session was held. 1 session was cancelled." in words
    assert "Going on" not in words and "Tomorrow" not in words


async def test_the_command_line_report_to_a_later_day_counts_no_session_to_come(
    bare_club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    await sessions_around_now(bare_club)
    today = utc_now().astimezone(bare_club.settings.zone).date()
    week = ("--from", (today - timedelta(days=7)).isoformat())
    later = ("--to", (today + timedelta(days=30)).isoformat())
    assert await run_command(bare_club, arguments(*week, *later)) == 0
    out = capsys.readouterr().out
    assert "1 session was held." in out
    assert "Tomorrow" not in out and "attendance was not taken" in out  # only "Ended"
    assert out.count("attendance was not taken") == 1


def committee_snapshot(channel: str, language: str) -> Snapshot:
    tom = PersonView(1, "Tom", frozenset({"member", "committee"}), language=language)
    return Snapshot(channel, "Test Club", tom)


@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_report_flow_leaves_the_words_to_whoever_delivers_it(language: str) -> None:
    """The engine asks for the report and says nothing itself: its words would go out
    after the dialogue's listener had already sent the report."""
    said = Input(InputKind.COMMAND, "report")
    outcome = ENGINE.handle(committee_snapshot("telegram", language), None, said)
    assert outcome.replies == [] and outcome.changes == [MakeReport()]
    assert outcome.position is not None and outcome.position.flow == "idle"


async def committee_member(club: Club, language: str) -> int:
    tom = await person(club, "Tom", roles=("member", "committee"), telegram_id=TOM)
    async with club.units() as uow:
        await uow.session.execute(update(Person).where(Person.id == tom).values(language=language))
        await uow.commit()
    return tom


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_on_telegram_the_report_comes_after_saying_it_is_coming(
    database_url: str, language: str
) -> None:
    async with coordinator_club(database_url) as scene:
        await committee_member(scene.club, language)
        await sessions_around_now(scene.club)
        await scene.tg.say(TOM, "/report")
        chat = [(entry.sender, entry.kind, entry.text) for entry in scene.bot.chat_log(TOM)]
        making = scene.club.catalogue.render(language, text("report.making"))
        assert [(sender, kind) for sender, kind, _ in chat] == [
            ("person", "text"),
            ("bot", "text"),
            ("bot", "text"),
            ("bot", "photo"),
            ("bot", "document"),
        ]
        assert chat[1][2] == making
        summary = str(chat[2][2])
        assert summary.startswith(scene.club.settings.club_name)
        assert "1 session was held." in summary  # not the one going on, nor tomorrow's
        assert len(await audit(scene.club, "report made")) == 1


async def test_a_report_that_cannot_be_made_is_said_kindly(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("bot.report.delivery.gather_report", broken)
    async with coordinator_club(database_url) as scene:
        await committee_member(scene.club, "en")
        await scene.tg.say(TOM, "/report")
        words = scene.tg.words
        assert scene.tg.replies(TOM) == [words("report.making"), words("report.failed")]
        assert scene.bot.sent_files(chat_id=TOM) == []
