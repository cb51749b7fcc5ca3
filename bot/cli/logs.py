"""Logging for every command: warnings and errors, with nothing secret or personal in them.

Libraries log what the club must not keep: httpx and httpcore every request's URL (the
Bot API's carries the bot token) and python-telegram-bot whole updates (the database
drivers, statements with their values: `storage.database` holds those). These loggers are
held at WARNING whatever level the rest is set to, and every line written passes through
`Redact`, which blanks the club's secrets and anything shaped like a bot token, in the
message and in any traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["CHATTY_LOGGERS", "Redact", "keep_private", "set_up_logging"]

FORMAT = "%(levelname)s %(name)s: %(message)s"
CHATTY_LOGGERS = ("httpx", "httpcore", "telegram")
BOT_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
"""Telegram's bot tokens: the bot's id, a colon and 35 characters."""
HIDDEN = "[hidden]"
SHORTEST_SECRET = 8
"""Shorter "secrets" would blank ordinary words."""


class Redact(logging.Filter):
    """Blanks secrets in a record's message and traceback before any handler writes it."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._secrets = sorted(
            {secret for secret in secrets if secret and len(secret) >= SHORTEST_SECRET},
            key=len,
            reverse=True,
        )

    def redact(self, words: str) -> str:
        for secret in self._secrets:
            words = words.replace(secret, HIDDEN)
        return BOT_TOKEN.sub(HIDDEN, words)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def keep_private(handlers: Iterable[logging.Handler], secrets: Iterable[str | None]) -> None:
    """Hold the chatty loggers at WARNING and redact every line these handlers write."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redact = Redact(secrets)
    for handler in handlers:
        handler.addFilter(redact)


def set_up_logging(secrets: Iterable[str | None]) -> None:
    """Warnings and errors to standard error, kept private."""
    logging.basicConfig(level=logging.WARNING, format=FORMAT)
    keep_private(logging.getLogger().handlers, secrets)
