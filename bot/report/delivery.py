"""/report on Telegram (and in the terminal): the summary as words, the chart as a
picture and the printable page as a document, for the committee member who asked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot

from bot.report import (
    gather_report,
    read_period,
    render_html,
    render_png,
    render_summary,
    render_text,
)
from bot.report.polls import PollResults
from conversations import (
    Catalogue,
)
from storage import UnitOfWorkFactory, split_address

__all__ = ["ReportDelivery"]


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
        period = read_period(None, None, datetime.now(self._zone).date())
        async with self._units() as uow:
            report = await gather_report(
                uow,
                self._catalogue,
                self._club_name,
                self._zone,
                period,
                PollResults(self._catalogue),
            )
        channel, handle = split_address(address)
        if channel == "telegram" and self.telegram is not None:
            chat = int(handle)
            await self.telegram.send_message(chat, render_summary(report))
            await self.telegram.send_photo(chat, photo=render_png(report))
            await self.telegram.send_document(
                chat, document=render_html(report).encode(), filename="committee-report.html"
            )
        elif channel == "console":
            print(f"\n{render_text(report)}")
