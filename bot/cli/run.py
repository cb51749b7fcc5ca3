"""`python -m bot run` with credentials: the web app, Telegram by polling or webhook, and
the dispatcher, until stopped; seen message ids are pruned beside them."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from starlette.applications import Starlette

from bot.channels.telegram.service import TelegramService, start_telegram, stop_telegram
from bot.cli.long_run import settle_for_a_long_run
from bot.outbox.dispatcher import Dispatcher
from bot.service.sightings import keep_sightings_pruned
from storage import UnitOfWorkFactory

__all__ = ["run_service"]

log = logging.getLogger(__name__)


async def run_service(
    web: Starlette,
    dispatcher: Dispatcher,
    telegram: TelegramService | None,
    units: UnitOfWorkFactory,
    host: str,
    port: int,
) -> None:
    """Serve until interrupted (SIGINT or SIGTERM, which uvicorn handles)."""
    if telegram is not None:
        await start_telegram(telegram)
    settle_for_a_long_run()
    server = uvicorn.Server(
        uvicorn.Config(web, host=host, port=port, log_level="warning", access_log=False)
    )
    log.warning("serving on %s:%d", host, port)
    stop = asyncio.Event()
    dispatching = asyncio.create_task(dispatcher.run(stop))
    pruning = asyncio.create_task(keep_sightings_pruned(units, stop))
    try:
        await server.serve()
    finally:
        stop.set()
        await dispatching
        await pruning
        if telegram is not None:
            await stop_telegram(telegram)
