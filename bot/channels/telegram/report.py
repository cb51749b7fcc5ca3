"""The committee's report in a Telegram chat: the summary as words, the chart as a
picture and the printable page as a document, through the Bot API's one policy."""

from __future__ import annotations

import logging

from telegram import Bot

from bot.channels.telegram.sending import Refused, call
from bot.report import Report, render_html, render_png, render_summary
from bot.report.delivery import ReportChannel

__all__ = ["report_in_chat"]

log = logging.getLogger(__name__)


def report_in_chat(bot: Bot) -> ReportChannel:
    async def say(handle: str, words: str) -> None:
        try:
            await call(lambda: bot.send_message(int(handle), words))
        except Refused as refused:
            log.warning("a line about the report did not go: %s", refused.verdict.reason)

    async def show(handle: str, report: Report) -> None:
        chat = int(handle)
        summary, chart, page = render_summary(report), render_png(report), render_html(report)
        try:
            await call(lambda: bot.send_message(chat, summary))
            await call(lambda: bot.send_photo(chat, photo=chart))
            await call(
                lambda: bot.send_document(
                    chat, document=page.encode(), filename="committee-report.html"
                )
            )
        except Refused as refused:
            log.warning("the report did not reach who asked: %s", refused.verdict.reason)

    return ReportChannel(say, show)
