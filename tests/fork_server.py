"""`bot.cli.main.main(["dispatch"])` in processes forked from one that has already imported
the program (a Python start costs seconds on a busy machine): for the kill test and the
kill benchmark, which start a dispatcher again and again (no tests here)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

__all__ = ["ForkServer"]

WAIT_SECONDS = 30.0
"""How long an answer from the fork server may take (a failure, never a pass condition)."""

FORK_SERVER = """
import os, sys
from bot.cli.main import main
print("ready", flush=True)
for line in sys.stdin:
    command, _, argument = line.strip().partition(" ")
    if command == "start":
        pid = os.fork()
        if pid == 0:
            os.dup2(2, 1)
            code = main(["dispatch"])
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        print(pid, flush=True)
    elif command == "wait":
        print(os.waitstatus_to_exitcode(os.waitpid(int(argument), 0)[1]), flush=True)
"""


class ForkServer:
    """Starts `bot.cli.main.main(["dispatch"])` in forked processes, on request."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls, environment: dict[str, str], log: Path) -> ForkServer:
        with log.open("ab") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                FORK_SERVER,
                env=environment,
                cwd=log.parent,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=sink,
            )
        server = cls(process)
        assert await server._read() == "ready"
        return server

    async def _ask(self, line: str) -> str:
        assert self._process.stdin is not None
        self._process.stdin.write(f"{line}\n".encode())
        await self._process.stdin.drain()
        return await self._read()

    async def _read(self) -> str:
        assert self._process.stdout is not None
        answer = await asyncio.wait_for(self._process.stdout.readline(), WAIT_SECONDS)
        return answer.decode().strip()

    async def dispatcher(self) -> int:
        return int(await self._ask("start"))

    async def wait(self, pid: int) -> int:
        return int(await self._ask(f"wait {pid}"))

    async def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        await asyncio.wait_for(self._process.wait(), WAIT_SECONDS)
