"""/report on Telegram (and in the terminal), for the committee member who asked: first a
line in their language that the report is coming, then the summary as words, the chart as
a picture and the printable page as a document. The engine says nothing itself, so that
line can never arrive after the report."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from telegram import Bot

from bot.report.gather import gather_report
from bot.report.model import Report
from bot.report.page import render_html
from bot.report.period import read_period
from bot.report.picture import render_png
from bot.report.polls import PollResults
from bot.report.text import render_summary, render_text
from conversations import Catalogue, text
from storage import UnitOfWorkFactory, split_address

__all__ = ["ReportDelivery"]

log = logging.getLogger(__name__)

Say = Callable[[str], Awaitable[object]]
Made = TypeVar("Made")


class ReportDelivery:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        catalogue: Catalogue,
        club_name: str,
        zone: ZoneInfo,
        telegram: Bot | None,
    ) -> None:
        """`telegram`: the bot that sends the picture and page (None without Telegram)."""
        self._units = units
        self._catalogue = catalogue
        self._club_name = club_name
        self._zone = zone
        self.telegram = telegram

    async def __call__(self, address: str) -> None:
        """The last four weeks' report, to whoever asked, where they asked."""
        channel, handle = split_address(address)
        if channel == "telegram" and self.telegram is not None:
            await self._to_telegram(address, self.telegram, int(handle))
        elif channel == "console":
            await self._to_console(address)

    async def _to_telegram(self, address: str, bot: Bot, chat: int) -> None:
        async def say(words: str) -> object:
            return await bot.send_message(chat, words)

        def render(report: Report) -> tuple[str, bytes, bytes]:
            return render_summary(report), render_png(report), render_html(report).encode()

        made = await self._made(address, say, render)
        if made is not None:
            summary, chart, page = made
            await bot.send_message(chat, summary)
            await bot.send_photo(chat, photo=chart)
            await bot.send_document(chat, document=page, filename="committee-report.html")

    async def _to_console(self, address: str) -> None:
        async def say(words: str) -> None:
            print(f"\n{words}")

        made = await self._made(address, say, render_text)
        if made is not None:
            await say(made)

    async def _made(self, address: str, say: Say, render: Callable[[Report], Made]) -> Made | None:
        """Says the report is coming, then makes it; if that fails, says so kindly."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            language = person.language if person is not None else "en"
        await say(self._catalogue.render(language, text("report.making")))
        try:
            return render(await self._gather())
        except Exception:  # whatever broke, the person is told, never left waiting
            log.exception("the report could not be made")
            await say(self._catalogue.render(language, text("report.failed")))
            return None

    async def _gather(self) -> Report:
        period = read_period(None, None, datetime.now(self._zone).date())
        async with self._units() as uow:
            return await gather_report(
                uow,
                self._catalogue,
                self._club_name,
                self._zone,
                period,
                PollResults(self._catalogue),
            )
