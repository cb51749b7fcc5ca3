"""The fake Telegram Bot API in a process of its own, steered by lines on stdin.

`python -m benchmarks.fake_telegram_server` prints its port, then answers one line per
command: `limits PER_SECOND PER_CHAT` ("none" switches one off), `count` (sends taken so
far), `until COUNT` (answers once that many are taken, so a benchmark need not keep
asking), `stats` (a JSON line of its counters), `quit`. A process of its own keeps the fake's
work off the measured program's CPU time on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter, defaultdict
from typing import Any

from tests.fakes.telegram_api import FakeBotApi

__all__ = ["stats_of"]

SENDS = {"sendMessage", "sendVoice"}
UNTIL_LOOKS_EVERY = 0.002


def _busiest_second(times: list[float]) -> int:
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def stats_of(fake: FakeBotApi) -> dict[str, Any]:
    """Counters a benchmark reads: sends taken and refused, and the busiest seconds."""
    accepted = [c for c in fake.calls if c.method in SENDS and c.status == 200]
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in accepted:
        by_chat[int(call.params["chat_id"])].append(call.time)
    texts = Counter(int(c.params["chat_id"]) for c in accepted if c.method == "sendMessage")
    return {
        "accepted": len(accepted),
        "voices": sum(1 for c in accepted if c.method == "sendVoice"),
        "rejected_by_limit": fake.rejected_by_limit,
        "texts_by_chat": {str(chat): count for chat, count in texts.items()},
        "busiest_second": _busiest_second(sorted(c.time for c in accepted)),
        "busiest_chat_second": max(
            (_busiest_second(sorted(times)) for times in by_chat.values()), default=0
        ),
        "first_send": min((c.time for c in accepted), default=0.0),
        "last_send": max((c.time for c in accepted), default=0.0),
    }


def _rate(word: str) -> int | None:
    return None if word == "none" else int(word)


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with FakeBotApi(max_hold=5.0) as fake:
        print(fake.port, flush=True)
        while line := (await reader.readline()).decode().strip():
            command, *words = line.split()
            if command == "limits":
                fake.limits(_rate(words[0]), _rate(words[1]))
                print("ok", flush=True)
            elif command == "count":
                print(fake.accepted_sends, flush=True)
            elif command == "until":
                while fake.accepted_sends < int(words[0]):  # noqa: ASYNC110 - a counter
                    await asyncio.sleep(UNTIL_LOOKS_EVERY)
                print(fake.accepted_sends, flush=True)
            elif command == "stats":
                print(json.dumps(stats_of(fake)), flush=True)
            elif command == "quit":
                break


if __name__ == "__main__":
    asyncio.run(serve())
