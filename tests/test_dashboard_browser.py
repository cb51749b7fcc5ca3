"""The coordinator's web page in a real browser: Debian's Chromium driven by Playwright,
against the club's web app served by uvicorn on 127.0.0.1. Sam signs in by the printed
link, reads Today, writes and sends a notice with the keyboard alone, reads the report,
and registers a test carer in Try it by buttons alone (typing only names); a committee
member reads the report and is refused sending kindly; axe-core finds no serious or
critical problem on any page. Each page's picture is kept (`tests/screenshots/`, when
DASHBOARD_SCREENSHOTS=1; else the test's own folder)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, async_playwright

from bot.bootstrap import Club
from bot.channels.dashboard import link_for
from storage.models import utc_now
from tests.club_data import add_person
from tests.clubs import club_settings, prepared_club
from tests.report_club import build_year

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)"
)
KEPT = Path(__file__).parent / "screenshots"
SERIOUS = {"serious", "critical"}
PEOPLE = {
    "Rose": "+447700900301",
    "Pat": "+447700900302",
    "Ola": "+447700900303",
    "Ben": "+447700900304",
    "Ivy": None,
}


class _Quiet(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def served(sqlite_url: str, demo: bool = True) -> AsyncIterator[Club]:
    """The club, its web app served on a free port of 127.0.0.1 (links point there)."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()  # the browser's first request waits for uvicorn to accept it
    port = listening.getsockname()[1]
    async with prepared_club(club_settings(sqlite_url, port=port), demo) as club:
        server = _Quiet(uvicorn.Config(club.web, log_level="warning", access_log=False))
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        try:
            yield club
        finally:
            server.should_exit = True
            await serving
            listening.close()


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = await browser.new_context(viewport={"width": 1000, "height": 900})
            yield await context.new_page()
        finally:
            await browser.close()


async def looked_at(page: Page, name: str, folder: Path) -> None:
    """The page's picture, and axe-core's findings: none serious or critical."""
    target = KEPT if os.environ.get("DASHBOARD_SCREENSHOTS") else folder
    target.mkdir(exist_ok=True)
    await page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    results = await Axe().run(page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert serious == [], f"{name}: {serious}"


async def some_answers(club: Club) -> None:
    """Five people who come on the next session's day, three of whom have answered."""
    await club.planner.plan()
    async with club.units() as uow:
        now = utc_now()
        meeting = (await uow.sessions.between(now, now + timedelta(days=7)))[0]
        session_id, series_id = meeting.id, meeting.series_id or 0
    people = {}
    for name, phone in PEOPLE.items():
        people[name] = await add_person(club, name, phone=phone, series=[series_id])
    async with club.units() as uow:
        for name, answer in (("Rose", "coming"), ("Pat", "need_help"), ("Ola", "not_coming")):
            await uow.sessions.set_answer(session_id, people[name], answer, people[name])
        await uow.commit()


async def tab_to(page: Page, selector: str) -> None:
    """Press Tab until `selector` has the focus, as someone using only a keyboard."""
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"Tab never reached {selector}")


async def test_sam_signs_in_reads_today_sends_a_notice_and_reads_the_report(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with served(sqlite_url) as club, chromium() as page:
        await some_answers(club)
        base = f"http://127.0.0.1:{club.settings.port}"
        await page.goto(f"{base}/dashboard/today")
        assert page.url.endswith("/dashboard/signin?why=signed_out")
        await looked_at(page, "signin", tmp_path)
        link = await link_for(club.site, "Sam")
        assert link is not None
        await page.goto(link)
        await looked_at(page, "signin-link", tmp_path)
        await page.get_by_role("button", name="Sign in as Sam").click()
        await page.wait_for_url(f"{base}/dashboard/today")
        assert await page.get_by_role("heading", level=1).inner_text() == "The next sessions"
        await looked_at(page, "today", tmp_path)

        await page.get_by_role("link", name="Notices").click()
        await looked_at(page, "notices", tmp_path)
        await tab_to(page, "#words")
        await page.keyboard.type("The hall is warm today. Tea at two.")
        await tab_to(page, "button[type=submit]:not(.quiet)")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{base}/dashboard/notices/preview")
        assert "By text message it takes 1 part" in await page.content()
        await looked_at(page, "notice-preview", tmp_path)
        await tab_to(page, "main button[type=submit]")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{base}/dashboard/notices/1")
        assert "Sent to 0 of 5." in await page.inner_text("main"), "Ivy has no phone"
        await looked_at(page, "notice-progress", tmp_path)

        await page.get_by_role("link", name="Report").click()
        assert await page.get_by_role("heading", name="At a glance").is_visible()

        await page.get_by_role("link", name="Try it").click()
        for label in ("English", "I care for someone who comes"):
            await page.get_by_role("button", name=label).click()
        for name in ("Jo", "Mary"):
            await page.get_by_label("Or type an answer").fill(name)
            await page.get_by_role("button", name="Send").click()
        for label in ("No", "Here in this chat", "No", "Yes, that is fine"):
            await page.get_by_role("button", name=label, exact=True).click()
        assert "Thank you, Jo." in await page.inner_text("main")
        await looked_at(page, "try-it", tmp_path)


async def test_a_committee_member_reads_the_report_and_is_refused_sending(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with served(sqlite_url, demo=False) as club, chromium() as page:
        await build_year(club)
        await add_person(club, "Carol", roles=("committee",))
        link = await link_for(club.site, "Carol")
        assert link is not None
        await page.goto(link)
        await page.get_by_role("button", name="Sign in as Carol").click()
        assert await page.get_by_role("link", name="Notices").count() == 0
        await page.get_by_role("link", name="Report").click()
        await page.fill("#from", "2026-01-01")
        await page.fill("#to", "2026-12-31")
        await page.get_by_role("button", name="Show the report").click()
        await page.wait_for_url("**/dashboard/report?from=2026-01-01&to=2026-12-31")
        assert await page.locator("main svg").count() >= 1, "the report's charts"
        await looked_at(page, "report", tmp_path)
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Download the figures (CSV)").click()
        assert (await download.value).suggested_filename.endswith(".csv")
        answer = await page.goto(f"http://127.0.0.1:{club.settings.port}/dashboard/notices")
        assert answer is not None and answer.status == 403
        assert "only a coordinator can do that" in await page.inner_text("main")
        await looked_at(page, "refused", tmp_path)
