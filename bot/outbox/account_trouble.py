"""A provider refusing the club's own account (a wrong or rotated token, a suspended
account) is the club's problem, never a member's: it is logged loudly, with nothing
personal, and the coordinators are told once (not once a message) until a send on that
account goes again. The messages themselves wait in the outbox (`bot.outbox.policy`)."""

from __future__ import annotations

import logging

from conversations import Text, text

__all__ = ["AccountTrouble"]

log = logging.getLogger(__name__)

ACCOUNTS = {"sms": "twilio", "voice": "twilio"}
"""Channels carried by one account: one refusal stops them all, and is told once."""


def _account(channel: str) -> str:
    return ACCOUNTS.get(channel, channel)


class AccountTrouble:
    """Which accounts are refused now. Whoever notices a refusal first tells the
    coordinators (`noticed` says whether it was the first); alert sinks ask `refused` to
    reach coordinators some other way meanwhile."""

    def __init__(self) -> None:
        self._refused: set[str] = set()

    def refused(self, channel: str) -> bool:
        return _account(channel) in self._refused

    def noticed(self, channel: str, reason: str) -> Text | None:
        """A send on `channel` met the account's refusal: the first time, it is logged and
        this returns what to tell the coordinators."""
        account = _account(channel)
        if account in self._refused:
            return None
        self._refused.add(account)
        log.error(
            "%s refuses the club's own account (%s): messages wait in the outbox and "
            "nobody is marked unreachable; correct the credentials and restart",
            account,
            reason,
        )
        carried = [name for name, by in ACCOUNTS.items() if by == account] or [channel]
        names = tuple(text(f"channel.{name}") for name in carried)
        return text("coordinator.account_refused", channel=names)

    def cleared(self, channel: str) -> None:
        """A send on `channel` went: its account is accepted again."""
        account = _account(channel)
        if account in self._refused:
            self._refused.discard(account)
            log.warning("%s accepts the club's account again", account)
