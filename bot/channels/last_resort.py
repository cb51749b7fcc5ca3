"""The web app's last resort: an error no handler expected is logged and answered, and
never let out of the app.

Starlette's ServerErrorMiddleware answers 500 and then raises the error again, for the
server to log; uvicorn then closes the connection of an app that raised after it had
started its answer. The next request on that keep-alive connection (an innocent one, such
as Telegram's next update) was reset. Here the error stops: the log line names its type
and where it was raised, never its message or a traceback, which may carry a phone number
or words someone typed; and each endpoint gets the answer its caller can live with.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from pathlib import Path

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LastResort"]

log = logging.getLogger(__name__)

PROJECT = Path(__file__).resolve().parents[2]
OURS = tuple(PROJECT / package for package in ("bot", "conversations", "storage", "config"))
SORRY = PlainTextResponse("Sorry, something went wrong.", status_code=500)


class LastResort:
    """ASGI middleware: `answers` by path (Telegram's webhook, Twilio's), else a plain 500."""

    def __init__(self, app: ASGIApp, answers: Mapping[str, Response]) -> None:
        self._app = app
        self._answers = dict(answers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, watched)
        except Exception as error:
            log.error(
                "unexpected %s at %s, answering %s %s",
                type(error).__name__,
                where(error),
                scope["method"],
                scope["path"],
            )
            if not started:
                await self._answers.get(scope["path"], SORRY)(scope, receive, send)


def where(error: BaseException) -> str:
    """ "file:line" where the club's own code last stood when `error` was raised (the
    innermost frame, when it was raised outside the club's code)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if _is_ours(frame.filename)]
    if not frames:
        return "unknown"
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    return f"{path.relative_to(PROJECT) if ours else path}:{frame.lineno}"


def _is_ours(filename: str) -> bool:
    path = Path(filename)
    return any(path.is_relative_to(package) for package in OURS)
