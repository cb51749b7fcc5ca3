"""What a storage error means: passing (try again soon) or refused (never, as it stands).

The one place that tells them apart. A lost connection, a lock or a deadlock passes, and
so does a row a concurrent writer has just added (trying again reads theirs); a value the
database cannot keep (a number past 64 bits, a string longer than its column, a NUL) is
refused however often it is tried, so it is not retried into "storage unavailable".
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["Trouble", "storage_trouble"]


class Trouble(StrEnum):
    PASSING = "passing"
    REFUSED = "refused"


DATA_EXCEPTION = "22"
"""PostgreSQL's SQLSTATE class for a value it cannot keep (asyncpg uses it too, for a
number past 64 bits)."""
PASSING_CLASSES = frozenset({"08", "40", "53", "57", "58"})
"""SQLSTATE classes for a lost connection, a rolled-back transaction (deadlock,
serialisation), too little memory or too many connections, an operator's restart, I/O."""
PASSING_STATES = frozenset({"55P03", "23505"})
"""A lock not available; a unique value another writer has just stored."""


def storage_trouble(error: BaseException) -> Trouble | None:
    """PASSING or REFUSED for an error raised by storage; None for anything else (such as
    a mistake in the club's own statements, which trying again would not mend)."""
    if isinstance(error, OverflowError | UnicodeEncodeError):
        return Trouble.REFUSED  # SQLite binds neither past 64 bits nor a lone surrogate
    if isinstance(error, PoolTimeout | OSError):
        return Trouble.PASSING  # no connection free, or none to be had (PostgreSQL down)
    if not isinstance(error, DBAPIError):
        return None
    if error.connection_invalidated:
        return Trouble.PASSING
    state = getattr(error.orig, "sqlstate", None)
    if isinstance(state, str):
        if state.startswith(DATA_EXCEPTION):
            return Trouble.REFUSED
        passing = state[:2] in PASSING_CLASSES or state in PASSING_STATES
        return Trouble.PASSING if passing else None
    if isinstance(error, OperationalError | IntegrityError | InterfaceError):
        return Trouble.PASSING  # SQLite busy or locked; a concurrent writer's row; a lost link
    return None
