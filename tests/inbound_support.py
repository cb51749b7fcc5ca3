"""Both providers' webhooks on the one web app, as `python -m bot run` serves them in
webhook mode, for probing its edges with odd, forged and garbled requests.

`inbound_club(database_url)` starts the fake Bot API and the fake Twilio API and builds the
club through the real composition root with Telegram in webhook mode and Twilio's texts
and calls. `Inbound.telegram` posts any body to POST /telegram (with the secret header, or
a given one); `Inbound.twilio` posts a form to a Twilio webhook, signed by twilio's own
`RequestValidator` or not. Requests go in process (`httpx.ASGITransport`), which raises
any error the app lets out, so a test sees it.

`watched_logs` keeps every log line written while it runs, as `python -m bot` writes them
but with everything at DEBUG, and says which carry a traceback or any of the words given
(names, numbers, tokens, what people typed).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.web import SECRET_HEADER
from bot.cli.logs import CHATTY_LOGGERS, keep_private
from tests.clubs import twilio_club
from tests.fakes.twilio_api import sign
from tests.telegram_support import SECRET
from tests.twilio_support import PUBLIC_URL, TwilioClub

__all__ = ["Inbound", "LogWatch", "inbound_club", "watched_logs"]


class LogWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, since: int = 0) -> list[str]:
        """Each record (from the `since`-th) as it would be written, with its traceback."""
        formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
        return [formatter.format(record) for record in self.records[since:]]

    def tracebacks(self, since: int = 0) -> list[str]:
        return [line for line in self.lines(since) if "Traceback" in line]

    def mentioning(self, words: Iterable[str], since: int = 0) -> list[str]:
        """Lines that carry any of `words` (each at least 3 characters)."""
        wanted = [word for word in words if len(word) >= 3]
        return [line for line in self.lines(since) if any(word in line for word in wanted)]


@contextlib.contextmanager
def watched_logs(secrets: Iterable[str] = ()) -> Iterator[LogWatch]:
    """Every record written while the block runs, with the root logger at DEBUG, kept
    private as `python -m bot` keeps its logs (`bot.cli.logs.keep_private`)."""
    watch = LogWatch()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *CHATTY_LOGGERS)}
    root.addHandler(watch)
    root.setLevel(logging.DEBUG)
    keep_private([watch], secrets)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@dataclass
class Inbound:
    tw: TwilioClub
    client: httpx.AsyncClient

    @property
    def token(self) -> str:
        assert self.tw.bot_api is not None
        return self.tw.bot_api.token

    async def telegram(
        self, body: bytes | Mapping[str, Any] | list[Any], secret: str | None = SECRET
    ) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return await self.client.post("/telegram", content=content, headers=headers)

    async def twilio(
        self, path: str, params: Mapping[str, str], *, signed: bool = True
    ) -> httpx.Response:
        """POST a form to `path` (query string and all), signed over the public URL."""
        form = dict(params)
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = sign(self.tw.fake.auth_token, PUBLIC_URL + path, form)
        return await self.client.post(path, data=form, headers=headers)


@contextlib.asynccontextmanager
async def inbound_club(database_url: str, **overrides: Any) -> AsyncIterator[Inbound]:
    async with (
        twilio_club(database_url, telegram=True, telegram_webhook_secret=SECRET, **overrides) as tw,
        httpx.AsyncClient(transport=tw.transport(), base_url=PUBLIC_URL) as client,
    ):
        yield Inbound(tw, client)
