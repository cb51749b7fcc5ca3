"""What the club does once an input's changes are committed: tell the coordinators of a
request for help, follow a calendar change, follow a notice as it goes, send a report.

The service stands below the outbox and the channels, so they are handed in here by the
composition root rather than imported."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.service.recorder import HelpNeeded

__all__ = [
    "AfterCommit",
    "BroadcastListener",
    "HelpListener",
    "ReportListener",
    "SessionListener",
]

HelpListener = Callable[[HelpNeeded], Awaitable[None]]
SessionListener = Callable[[str, int], Awaitable[int]]
"""(event, session or series id) -> how many people will be told."""
BroadcastListener = Callable[[int, str], Awaitable[None]]
"""(notice id, the address of the coordinator who sent it)."""
ReportListener = Callable[[str], Awaitable[None]]
"""(the address of whoever asked for the report)."""


async def _nothing_to_do(*_: object) -> None:
    return None


async def _nobody_told(*_: object) -> int:
    return 0


@dataclass(frozen=True)
class AfterCommit:
    on_help: HelpListener = _nothing_to_do
    on_session: SessionListener = _nobody_told
    on_broadcast: BroadcastListener = _nothing_to_do
    on_report: ReportListener = _nothing_to_do
