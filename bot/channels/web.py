"""The web app: Telegram's webhook, audio for calls and links, a health check, and the
coordinator's web page (`bot/channels/dashboard/`).

Telegram repeats any update that does not get a 2xx, so malformed or unwanted updates
get 200; only an answer that could not be saved gets 500, to be sent again. An error no
handler expected stops at `LastResort`; an update it broke gets 200 (sent again, it would
break again, and hold up the person's later messages).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update

from bot.channels.last_resort import LastResort
from bot.channels.request_body import limited_body
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.twilio.webhooks import TwilioWebhooks

__all__ = [
    "MAX_UPDATE_BYTES",
    "SECRET_HEADER",
    "TelegramWebhook",
    "database_health",
    "make_web_app",
]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
NOT_KEPT = "no-store"
"""Audio may name a person, and erasure must leave no copy in a cache along the way (Twilio
fetches a clip for each call it plays in; that costs little)."""
AudioSource = Callable[[str], Awaitable[bytes | None]]
HealthCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class TelegramWebhook:
    channel: TelegramChannel
    secret: str


def database_health(database: AsyncEngine) -> HealthCheck:
    """`GET /healthz`: whether the database answers."""

    async def healthy() -> bool:
        try:
            async with database.connect() as connection:
                await connection.execute(sql("SELECT 1"))
        except Exception:
            log.warning("health check: storage unavailable")
            return False
        return True

    return healthy


def make_web_app(
    health: HealthCheck,
    telegram: TelegramWebhook | None = None,
    audio: AudioSource | None = None,
    twilio: TwilioWebhooks | None = None,
    pages: Sequence[BaseRoute] = (),
) -> Starlette:
    """The club's one web app; `pages` are the coordinator's web page's routes."""

    async def healthz(_request: Request) -> Response:
        if await health():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "storage unavailable"}, status_code=503)

    async def telegram_update(request: Request) -> Response:
        if telegram is None:
            return PlainTextResponse("Not found", status_code=404)
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, telegram.secret.encode()):
            return PlainTextResponse("Forbidden", status_code=403)
        body = await limited_body(request, MAX_UPDATE_BYTES)
        if body is None:
            log.warning("ignored an oversized Telegram update")
            return PlainTextResponse("ok")
        try:
            update = Update.de_json(json.loads(body), telegram.channel.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            log.warning("ignored a Telegram update that could not be read")
            return PlainTextResponse("ok")
        if update is None:
            return PlainTextResponse("ok")
        saved = await telegram.channel.handle_update(update, retry_later=True)
        return PlainTextResponse("ok" if saved else "retry", status_code=200 if saved else 500)

    async def audio_file(request: Request) -> Response:
        key = request.path_params["key"].removesuffix(".mp3")
        found = await audio(key) if audio is not None else None
        if found is None:
            return PlainTextResponse("Not found", status_code=404)
        return Response(found, media_type="audio/mpeg", headers={"Cache-Control": NOT_KEPT})

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/telegram", telegram_update, methods=["POST"]),
        Route("/audio/{key}", audio_file, methods=["GET"]),
    ]
    answers: dict[str, Response] = {"/telegram": PlainTextResponse("ok")}
    if twilio is not None:
        routes += [
            Route("/twilio/sms", twilio.sms, methods=["POST"]),
            Route("/twilio/voice", twilio.voice, methods=["POST"]),
            Route("/twilio/status", twilio.status, methods=["POST"]),
        ]
        answers |= twilio.apologies()
    routes += pages
    return Starlette(routes=routes, middleware=[Middleware(LastResort, answers=answers)])
