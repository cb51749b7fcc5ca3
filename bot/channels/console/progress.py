"""A notice's progress printed in the terminal chat (local mode)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.service.broadcast_progress import Edit, ProgressShown, Say

__all__ = ["progress_printed"]


def progress_printed(screen: TextIO = sys.stdout) -> ProgressShown:
    def shown(_handle: str) -> tuple[Say, Edit | None]:
        async def say(words: str) -> object:
            screen.write(f"\n{words}\n")
            screen.flush()
            return None

        return say, None

    return shown
