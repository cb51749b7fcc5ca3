"""Sending within a provider's limits: so many a second overall, and per recipient.

Sends are spread out evenly rather than let through in bursts: each one books its own
moment, a free slot on a grid 1/rate apart overall, and at least 1/rate after the previous
one to the same recipient. On a grid, a voice note booked a second after its words never
leaves a gap too small for another message, so every slot is used. Even spacing keeps
inside the sliding one-second windows that Telegram and the fakes enforce (with a small
margin for messages that arrive a little bunched up), and it means that at any moment
about one message is on its way, so a dispatcher killed mid-run has little in flight that
it has not yet recorded.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

__all__ = ["RateLimiter"]

OVERALL_MARGIN = 0.03
"""Overall, messages are booked this fraction further apart than the rate allows. At 0.02
a request reaching Telegram 20 ms late (on a loaded machine) fell into the previous
second's window: one 429 in four of seven 1,000-person runs, whose flood wait cost more
than the margin saves; at 0.03, none in five."""
PER_KEY_MARGIN = 0.1
"""To one recipient (a message, then its voice note), this fraction further apart."""
FORGET_KEYS_AT = 10_000
FORGET_SLOTS_AT = 1_000
LATE = 0.005
"""A send this much past its moment (or a quarter of a spacing, if more) was held up:
the rest of the margin is for messages that arrive a little bunched up."""

SHORTEST_WAIT = 0.0005
"""A wait shorter than this is not slept: the event loop would wake later than asked, the
send would then count as held up, and be booked again (at hundreds a second, each send
went round that several times). Going this much early stays inside the margins."""
ARRIVAL_SLACK = 0.01
"""However the moments fell, no more than the rate of sends actually start within a second
and this much: what arrives at the provider can bunch up by a few milliseconds."""


class RateLimiter:
    def __init__(
        self,
        per_second: float | None,
        per_key_per_second: float | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._spacing = (1 + OVERALL_MARGIN) / per_second if per_second else 0.0
        self._key_spacing = (1 + PER_KEY_MARGIN) / per_key_per_second if per_key_per_second else 0.0
        self._clock = clock
        self._origin: float | None = None
        """Where the grid of slots starts: the first moment booked."""
        self._booked: set[int] = set()
        """Slots booked for sends overall (recent past and future ones)."""
        self._key_next: dict[str, float] = {}
        """The earliest moment the next message to each recipient may go."""
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self._window = math.floor(per_second) if per_second else 0
        self._started: deque[float] = deque(maxlen=self._window or 1)
        """When the last `_window` sends actually started."""

    def pause(self, seconds: float) -> None:
        """The provider asked us to wait (429 with retry_after): hold everything."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @property
    def interval(self) -> float:
        """Seconds between two sends overall (0 without an overall limit)."""
        return self._spacing

    @property
    def key_interval(self) -> float:
        """Seconds between two sends to one recipient (0 without a limit per recipient)."""
        return self._key_spacing

    async def acquire(self, key: str) -> float:
        """Wait for this message's own moment, within both limits; returns the moment."""
        while True:
            async with self._lock:
                now = self._clock()
                moment = self._book(key, now)
            if moment - now >= SHORTEST_WAIT:
                await asyncio.sleep(moment - now)
            if self._clock() >= self._paused_until:
                return moment
            # A flood wait began while this one waited: book again after it.

    async def starting(self) -> None:
        """Just before a send goes: wait while it would make more than the rate of actual
        starts within a second (a send held up on its way, then the next on time, would
        otherwise bunch up), then count it."""
        if not self._window:
            return
        while len(self._started) == self._window:
            wait = self._started[0] + 1 + ARRIVAL_SLACK - self._clock()
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self._started.append(self._clock())

    def late(self, moment: float) -> bool:
        """Whether a send booked for `moment` was held up past it: sent now, it would
        bunch up with the ones booked after it."""
        return bool(self._spacing) and self._clock() > moment + max(self._spacing / 4, LATE)

    async def again(self, key: str) -> float:
        """A fresh moment for a send that was held up past its own. The recipient's
        spacing was kept by the first moment, which has passed."""
        async with self._lock:
            now = self._clock()
            moment = self._free_moment(max(now, self._paused_until), now)
            if self._key_spacing:
                self._key_next[key] = max(self._key_next.get(key, 0.0), moment + self._key_spacing)
        if moment - now >= SHORTEST_WAIT:
            await asyncio.sleep(moment - now)
        return moment

    def _book(self, key: str, now: float) -> float:
        earliest = max(now, self._paused_until, self._key_next.get(key, 0.0))
        moment = self._free_moment(earliest, now)
        if self._key_spacing:
            self._key_next[key] = moment + self._key_spacing
            if len(self._key_next) > FORGET_KEYS_AT:
                self._forget_keys(now)
        return moment

    def _free_moment(self, earliest: float, now: float) -> float:
        """The first free slot from `earliest` (never before now: a slot whose moment has
        passed, used late, would bunch up with the ones after it)."""
        if not self._spacing:
            return earliest
        if self._origin is None:
            self._origin = earliest
        past = math.floor((now - self._origin) / self._spacing) - 1
        if len(self._booked) > FORGET_SLOTS_AT:
            self._booked = {slot for slot in self._booked if slot >= past}
        slot = math.ceil((max(earliest, now) - self._origin) / self._spacing - 1e-9)
        while slot in self._booked:
            slot += 1
        self._booked.add(slot)
        return self._origin + slot * self._spacing

    def _forget_keys(self, now: float) -> None:
        for key in [key for key, moment in self._key_next.items() if moment < now]:
            del self._key_next[key]
