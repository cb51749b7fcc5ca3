"""/report on Telegram (and in the terminal), for the committee member who asked: first a
line in their language that the report is coming, then the report shown the channel's
way (on Telegram the summary as words, the chart as a picture and the printable page as a
document). The engine says nothing itself, so that line can never arrive after the
report; each channel hands in its own way to say and to show, through its own policy."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.report.gather import gather_report
from bot.report.model import Report
from bot.report.period import read_period
from bot.report.polls import PollResults
from bot.report.text import render_text
from conversations import Catalogue, text
from storage import UnitOfWorkFactory, split_address

__all__ = ["ReportChannel", "ReportDelivery", "printed_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportChannel:
    """How one channel reaches whoever asked (by their handle there)."""

    say: Callable[[str, str], Awaitable[None]]
    """(handle, words): a line to them."""
    show: Callable[[str, Report], Awaitable[None]]
    """(handle, report): the report, as this channel shows it."""


async def _print_line(_handle: str, words: str) -> None:
    print(f"\n{words}")


async def _print_report(_handle: str, report: Report) -> None:
    print(f"\n{render_text(report)}")


printed_report = ReportChannel(_print_line, _print_report)
"""The terminal chat: the report as text."""


class ReportDelivery:
    def __init__(
        self,
        units: UnitOfWorkFactory,
        catalogue: Catalogue,
        club_name: str,
        zone: ZoneInfo,
        channels: Mapping[str, ReportChannel],
    ) -> None:
        """`channels`: the channels that can show a report, by name."""
        self._units = units
        self._catalogue = catalogue
        self._club_name = club_name
        self._zone = zone
        self._channels = channels

    async def __call__(self, address: str) -> None:
        """The last four weeks' report, to whoever asked, where they asked; if it cannot
        be made, they are told kindly, never left waiting."""
        channel, handle = split_address(address)
        reach = self._channels.get(channel)
        if reach is None:
            return
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            language = person.language if person is not None else "en"
        await reach.say(handle, self._catalogue.render(language, text("report.making")))
        try:
            report = await self._gather()
            await reach.show(handle, report)
        except Exception:  # whatever broke, the person is told
            log.exception("the report could not be made")
            await reach.say(handle, self._catalogue.render(language, text("report.failed")))

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
