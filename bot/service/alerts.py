"""Telling the coordinators: help requests, voice messages, people who cannot be reached.

Each channel that can reach a coordinator adds a sink; local mode prints to the terminal.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Protocol, TextIO
from zoneinfo import ZoneInfo

from bot.service.recorder import HelpNeeded
from bot.service.views import aware
from conversations import (
    Catalogue,
    Text,
    text,
    when_params,
)
from storage import UnitOfWorkFactory, split_address

__all__ = ["AlertSink", "CoordinatorAlerts", "PrintedAlerts"]

log = logging.getLogger(__name__)

HELP_KEYS = {
    "talk": "coordinator.help",
    "lift": "coordinator.lift",
    "voice_note": "coordinator.voice_note",
    "phone_in_use": "coordinator.phone_in_use",
}


class AlertSink(Protocol):
    async def send(self, message: Text, attachment: str) -> None:
        """Deliver `message` (and the channel's `attachment`, if any) to the coordinators."""


class PrintedAlerts:
    """Local mode: the coordinator is whoever watches this terminal."""

    def __init__(self, catalogue: Catalogue, sink: TextIO = sys.stdout) -> None:
        self._catalogue = catalogue
        self._sink = sink

    async def send(self, message: Text, attachment: str) -> None:
        words = self._catalogue.render("en", message)
        self._sink.write(f"\n[For the coordinator] {words}\n")
        self._sink.flush()


class CoordinatorAlerts:
    def __init__(
        self, units: UnitOfWorkFactory, zone: ZoneInfo, sinks: Sequence[AlertSink] = ()
    ) -> None:
        self._sinks = list(sinks)
        self._units = units
        self._zone = zone

    def add_sink(self, sink: AlertSink) -> None:
        self._sinks.append(sink)

    async def help_needed(self, request: HelpNeeded) -> None:
        channel, _ = split_address(request.address)
        flow = request.where.partition(".")[0]
        who: str | Text = request.who or text("coordinator.someone_new")
        if request.asked_by:
            who = text("coordinator.asked_by_carer", who=request.who, carer=request.asked_by)
        params: dict[str, object] = {
            "who": who,
            "where": text(f"where.{flow}"),
            "channel": text(f"channel.{channel}"),
        }
        if request.session_id is not None:
            params |= await self._session_params(request.session_id)
        message = text(HELP_KEYS.get(request.kind, "coordinator.help"), **params)
        await self.tell(message, request.attachment)

    async def _session_params(self, session_id: int) -> dict[str, object]:
        async with self._units() as uow:
            session = await uow.sessions.get(session_id)
            if session is None:
                return {"title": "", "weekday": "", "date": "", "clock": "", "part": ""}
            starts = aware(session.starts_at)
            title = session.title
        return {"title": title, **when_params(starts, self._zone)}

    async def unreachable(self, who: str, channel: str) -> None:
        await self.tell(
            text("coordinator.unreachable", who=who, channel=text(f"channel.{channel}")), ""
        )

    async def tell(self, message: Text, attachment: str = "") -> None:
        for sink in self._sinks:
            try:
                await sink.send(message, attachment)
            except Exception:  # one broken channel must not silence the others
                log.exception("an alert could not be delivered through %s", type(sink).__name__)
