"""The coordinator's web page without a browser: Today's counts and phone list, a notice
previewed as each channel shows it and sent through the club's outbox (once, however
often "Send" is pressed), the report and its downloads; and bad input, which gets a
kind page and saves nothing: never a 500, never a traceback in the log."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.bootstrap import Club
from bot.channels.dashboard import TryIt, dashboard_routes
from storage import UnitOfWorkFactory, open_database
from storage.models import AuditEntry, Broadcast, OutboxMessage, utc_now
from tests.club_data import add_person
from tests.dashboard_support import broadcasts, browser, sign_in

WORDS = "The hall is warm today. Tea at two."


def _try_it(club: Club) -> TryIt:
    return TryIt(club.site, club.dialogue, club.units, club.settings.zone)


async def _next_session(club: Club) -> tuple[int, int]:
    await club.planner.plan()  # the calendar filled from the demo club's series
    async with club.units() as uow:
        now = utc_now()
        found = await uow.sessions.between(now, now + timedelta(days=7))
        return found[0].id, found[0].series_id or 0


async def test_today_shows_the_next_session_with_its_counts_and_numbers(club: Club) -> None:
    session_id, series = await _next_session(club)
    rose = await add_person(club, "Rose", series=[series], phone="+447700900101")
    pat = await add_person(club, "Pat", series=[series], phone="+447700900102")
    await add_person(club, "Olu", series=[series], phone="+447700900103")
    mary = await add_person(club, "Mary", series=[series])
    jo = await add_person(club, "Jo", roles=("carer",), phone="+447700900104", cares_for=mary)
    async with club.units() as uow:
        await uow.sessions.set_answer(session_id, rose, "coming", rose)
        await uow.sessions.set_answer(session_id, pat, "not_coming", pat)
        await uow.sessions.set_answer(session_id, mary, "need_help", jo)
        await uow.commit()
    async with browser(club) as client:
        await sign_in(club, client)
        page = (await client.get("/dashboard/today")).text
    assert "Coming: 1; need help getting there: 1; not answered: 1; not coming: 1." in page
    assert 'Mary: no phone number (answered by Jo: <a href="tel:+447700900104">' in page
    assert 'Olu: <a href="tel:+447700900103">+447700900103</a>' in page


async def test_a_notice_is_previewed_as_each_channel_shows_it_and_sent_once(club: Club) -> None:
    await add_person(club, "Ana", phone="+447700900201", language="pt")
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        form = {"csrf": csrf, "words": WORDS, "audience": "everyone"}
        preview = await client.post("/dashboard/notices/preview", data=form)
        assert preview.status_code == 200
        text = preview.text
        assert "A message from the Healthy Living Club. The hall is warm today." in text
        assert "By text message it takes 1 part" in text or "takes 1 part" in text
        assert 'lang="pt"' in text and "Uma mensagem" in text
        once = text.split('name="once" value="')[1].split('"')[0]
        sent = await client.post("/dashboard/notices/send", data=form | {"once": once})
        again = await client.post("/dashboard/notices/send", data=form | {"once": once})
        assert again.status_code == 303, "a double press of Send sends nothing more"
        follow = await client.get(sent.headers["location"])
        assert follow.status_code == 200 and "Sent to 0 of" in follow.text
    async with club.units() as uow:
        notice = (await uow.session.scalars(select(Broadcast))).one()
        rows = list(await uow.session.scalars(select(OutboxMessage.id)))
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
        assert notice.words == WORDS and notice.created_by_id is not None
        assert len(rows) == notice.recipients >= 1
    assert "notice sent" in actions


@pytest.mark.parametrize(("urgent", "line"), [(False, "It will go at"), (True, "marked urgent")])
async def test_the_preview_says_when_a_notice_goes_in_the_quiet_hours(
    club: Club, urgent: bool, line: str
) -> None:
    held = replace(club.site, quiet_hours=lambda now: now + timedelta(hours=9))
    quiet = replace(club, web=Starlette(routes=dashboard_routes(held, _try_it(club))))
    async with browser(quiet) as client:
        csrf = await sign_in(quiet, client)
        form = {"csrf": csrf, "words": WORDS, "audience": "everyone"}
        preview = await client.post(
            "/dashboard/notices/preview", data=form | ({"urgent": "yes"} if urgent else {})
        )
    assert line in preview.text
    assert ("It will go at" in preview.text) is not urgent


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"words": "", "audience": "everyone"}, "Please write the notice first."),
        ({"words": "x" * 10_000, "audience": "everyone"}, "Please keep it under 1000 letters."),
        ({"words": WORDS, "audience": "the queen"}, "Please choose who should get it."),
        ({"words": WORDS}, "Please choose who should get it."),
        ({"words": WORDS, "audience": "activity", "activity": "x"}, "do not know that activity"),
    ],
)
async def test_a_notice_that_cannot_go_is_answered_kindly_and_kept(
    club: Club, form: dict[str, str], says: str
) -> None:
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        for step in ("preview", "send"):
            answer = await client.post(f"/dashboard/notices/{step}", data=form | {"csrf": csrf})
            assert answer.status_code == 400 and says in answer.text
            if form.get("words"):
                assert form["words"][:50] in answer.text, "nothing typed is lost"
    assert await broadcasts(club) == 0


async def test_malformed_forms_and_pages_get_a_kind_answer(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        headers = {"content-type": "application/x-www-form-urlencoded"}
        bad_bodies = [b"csrf=" + csrf.encode() + b"&words=\xff\xfe", b"a=" + b"x" * 70_000]
        for body in bad_bodies:
            answer = await client.post("/dashboard/notices/send", content=body, headers=headers)
            assert answer.status_code == 400 and "could not be read" in answer.text
        for path in ("/dashboard/notices/99999", "/dashboard/notices/x", "/dashboard/report.exe"):
            answer = await client.get(path)
            assert answer.status_code == 404 and "nothing here" in answer.text
        dates = await client.get("/dashboard/report?from=2026-13-01")
        assert dates.status_code == 400 and "From must be a date" in dates.text
    assert await broadcasts(club) == 0
    assert "Traceback" not in caplog.text


async def test_the_report_shows_its_charts_and_downloads(club: Club) -> None:
    today = datetime.now(club.settings.zone).date()
    period = f"from={(today - timedelta(days=27)).isoformat()}&to={today.isoformat()}"
    async with browser(club) as client:
        await sign_in(club, client)
        page = await client.get(f"/dashboard/report?{period}")
        assert page.status_code == 200 and "At a glance" in page.text
        assert 'aria-current="page"' in page.text, "the page's own links are there"
        csv = await client.get(f"/dashboard/report.csv?{period}")
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.content.startswith("\ufeff".encode()) and b"attachment" in (
            csv.headers["content-disposition"].encode()
        )
        png = await client.get(f"/dashboard/report.png?{period}")
        assert png.content.startswith(b"\x89PNG")


async def test_a_page_asked_for_while_the_database_is_down_says_so(
    club: Club, caplog: pytest.LogCaptureFixture
) -> None:
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        cookie = client.cookies.get("club_session") or ""
    gone = open_database("postgresql+asyncpg://postgres@127.0.0.1:9/none")
    down = replace(club.site, units=UnitOfWorkFactory(gone))
    downed = replace(club, web=Starlette(routes=dashboard_routes(down, _try_it(club))))
    try:
        async with browser(downed) as client:
            client.cookies.set("club_session", cookie, path="/dashboard")
            for answer in (
                await client.get("/dashboard/today"),
                await client.post("/dashboard/notices/send", data={"csrf": csrf}),
                await client.get("/dashboard/signin/link.1.2.3.abc"),
            ):
                assert answer.status_code in {400, 503}
                assert "<html" in answer.text and "Traceback" not in answer.text
            assert (await client.get("/dashboard/today")).status_code == 503
    finally:
        await gone.dispose()
    assert "Traceback" not in caplog.text and "+44" not in caplog.text
