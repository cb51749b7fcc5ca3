"""The bot token never reaches any output (issue 12, item 8): a token Telegram refuses
stops `python -m bot run` with one line naming TELEGRAM_BOT_TOKEN, and httpx's request
lines (whose URLs carry the token) are never written, whatever the log levels."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest

from bot.cli.logs import HIDDEN, Redact
from tests.fakes.telegram_api import FakeBotApi
from tests.inbound_support import watched_logs

PROJECT = Path(__file__).resolve().parents[1]
WRONG_TOKEN = "987654321:WRONG-token-abcdefghijklmnopqrstuvwxyz"
WAIT_SECONDS = 120.0
"""How long a start may take on a loaded machine (a failure, never a pass condition)."""


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_token_telegram_refuses_stops_the_start_with_one_line(
    tmp_path: Path, webhook: bool
) -> None:
    async with FakeBotApi() as fake:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_", "PUBLIC_", "PORT"))
        }
        environment |= {
            "TELEGRAM_BOT_TOKEN": WRONG_TOKEN,
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{fake.port}",
            "PYTHONPATH": str(PROJECT),
        }
        if webhook:
            environment |= {
                "PUBLIC_URL": "https://club.example.org",
                "TELEGRAM_WEBHOOK_SECRET": "s3cret",
            }
        started = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=environment,
            cwd=tmp_path,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(started.communicate(), WAIT_SECONDS)
    assert started.returncode == 2
    assert out == b""
    assert err.decode().splitlines() == [
        "Cannot start: TELEGRAM_BOT_TOKEN: Telegram refused this token. Check it with @BotFather."
    ]
    secret_part = WRONG_TOKEN.partition(":")[2]
    assert secret_part.encode() not in out + err


async def test_httpx_request_lines_never_carry_the_token_even_at_debug() -> None:
    async with FakeBotApi() as fake:
        bot = fake.make_bot()
        with watched_logs([fake.token]) as logs:
            for name in ("httpx", "httpcore", "telegram"):  # someone turns everything up
                logging.getLogger(name).setLevel(logging.DEBUG)
            async with bot:
                await bot.get_me()
    assert [line for line in logs.lines() if "HTTP Request" in line], "httpx did log"
    assert logs.mentioning([fake.token, fake.token.partition(":")[2]]) == []


def test_redact_blanks_secrets_and_token_shapes_in_messages_and_tracebacks() -> None:
    redact = Redact(["a-club-secret-value", None, "short"])
    try:
        raise RuntimeError(f"The token `{WRONG_TOKEN}` was rejected, a-club-secret-value")
    except RuntimeError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "sent %s and %s",
            (WRONG_TOKEN, "short"),
            sys.exc_info(),
        )
    assert redact.filter(record)
    written = logging.Formatter().format(record)
    assert WRONG_TOKEN not in written and "a-club-secret-value" not in written
    assert f"sent {HIDDEN} and short" in written  # too short to be a secret: left alone
    assert "Traceback" in written and f"The token `{HIDDEN}`" in written
