"""The dispatcher's Telegram sender: a reminder or notice as a message with big buttons,
then its voice note, within Telegram's limits."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import Bot, Message
from telegram.error import RetryAfter, TelegramError

from bot.channels.spoken import spoken_text
from bot.channels.telegram.lanes import Lanes
from bot.channels.telegram.render import keyboard, message_text
from bot.channels.telegram.replying import VoiceMaker
from bot.channels.telegram.sending import Refused, call, result_of, retry_seconds
from bot.outbox.delivery import Outcome, Outgoing, SendResult
from bot.outbox.rate_limit import RateLimiter
from conversations import (
    Catalogue,
)

__all__ = ["TelegramSender", "flat_out"]

log = logging.getLogger(__name__)

ONE_AT_A_TIME = 0.01
"""At a pace of 100 messages a second or slower (Telegram allows 30), a message is
answered before the next one's moment comes, so sending one at a time costs no speed."""
REQUESTS_IN_FLIGHT = 8
"""Eight carry Telegram's 30 a second with round trips up to a quarter of a second; flat
out, each has its own bot and connection (see `bot.channels.telegram.lanes`)."""
UPLOADS_REMEMBERED = 256
"""Voice notes whose Telegram file id is kept, so the same words go to the next person
as a reference instead of another upload."""
VOICE_TRIES = 3
"""Once its words are out, a voice note is tried this many times, in process: the row
cannot go again for it (that would send the words twice)."""
T = TypeVar("T")


def flat_out(limiter: RateLimiter) -> bool:
    """Whether sends go faster than one at a time could carry (limits off, or a local Bot
    API server): then they overlap, and each needs a lane of its own."""
    return limiter.interval < ONE_AT_A_TIME


class TelegramSender:
    channel = "telegram"

    def __init__(
        self,
        lanes: Lanes,
        catalogue: Catalogue,
        limiter: RateLimiter,
        voices: VoiceMaker | None = None,
    ) -> None:
        self._lanes = lanes
        self._catalogue = catalogue
        self._limiter = limiter
        self._voices = voices
        self.hold: asyncio.Event | None = None
        """When given (by the dispatcher) and sends are paced, words whose turn comes while
        this is clear wait for it: nothing new goes out while a finished send is not yet on
        record. (Unpaced, up to the dispatcher's concurrency are in flight at once anyway.)"""
        self._one_at_a_time = asyncio.Lock()
        self._uploaded: OrderedDict[bytes, str] = OrderedDict()
        """Telegram's file id of each voice note already uploaded, by its content's hash."""
        self._uploading: dict[bytes, asyncio.Future[None]] = {}
        """Voice notes on their way up: the same recording to others waits for its id."""

    @property
    def interval(self) -> float:
        """Seconds between two sends (0 when unlimited)."""
        return self._limiter.interval

    @property
    def rows_at_once(self) -> int | None:
        """Paced, a row may wait over a second for its moment (a voice note a second after
        its words), so the dispatcher's own number go at once (None). Flat out, none waits, and
        more rows than requests in flight would only queue here: each freed request slot
        would wake one into httpx's pool as the last one's connection is released, and
        requests racing for one connection retry (a third more CPU a message, measured)."""
        return REQUESTS_IN_FLIGHT if flat_out(self._limiter) else None

    async def _paced(self, chat: str, call: Callable[[Bot], Awaitable[T]], words: bool = True) -> T:
        """At the message's own moment; and words (not voice notes, which a restart never
        repeats with their words), when the dispatcher holds sends and the pace leaves time
        for it, one message at a time: a kill can then repeat only that one."""
        hold = self.hold if words and not flat_out(self._limiter) else None
        if hold is not None:
            async with self._one_at_a_time:  # its moment is booked only once its turn comes
                await hold.wait()
                moment = await self._limiter.acquire(chat)
                while not hold.is_set() or self._limiter.late(moment):
                    await hold.wait()
                    moment = await self._limiter.again(chat)
                async with self._lanes.lane() as bot:
                    await self._limiter.starting()
                    return await call(bot)
        moment = await self._limiter.acquire(chat)
        while self._limiter.late(moment):
            moment = await self._limiter.again(chat)
        async with self._lanes.lane() as bot:
            await self._limiter.starting()
            return await call(bot)

    async def send(self, message: Outgoing) -> SendResult:
        """The words with their buttons, then the voice note."""
        result = await self.send_text(message)
        if result.outcome is not Outcome.SENT:
            return result
        voice_error = await self.send_voice(message)
        return SendResult(Outcome.SENT, provider_id=result.provider_id, error=voice_error)

    def speaks(self, message: Outgoing) -> bool:
        """Whether a voice note follows the words of this message."""
        if message.voice_ref is not None:
            return True
        return bool(message.reply.speak and message.spoken and self._voices)

    async def send_text(self, message: Outgoing) -> SendResult:
        """The words with their buttons only; the dispatcher records them as sent before
        the voice note goes, so a restart in between never sends the words twice."""
        chat = int(message.handle)
        words = message_text(self._catalogue, message.language, message.reply)
        buttons = keyboard(self._catalogue, message.language, message.reply)
        try:
            sent = await self._paced(
                message.handle, lambda bot: bot.send_message(chat, words, reply_markup=buttons)
            )
        except TelegramError as error:
            if isinstance(error, RetryAfter):
                self._limiter.pause(retry_seconds(error))
            return result_of(error)
        return SendResult(Outcome.SENT, provider_id=str(sent.message_id))

    async def send_voice(self, message: Outgoing) -> str | None:
        """The spoken version; once the text is out, a failed voice note is not retried
        (that would send the text twice) but is noted on the row."""
        chat = int(message.handle)
        voice: str | bytes
        duration: int | None = None
        if message.voice_ref is not None:
            voice = message.voice_ref
        elif message.reply.speak and message.spoken and self._voices:
            spoken = spoken_text(self._catalogue, message.language, message.reply)
            made = await self._voices(spoken, message.language, message.slow)
            if made is None:
                return "no voice note: speech failed"
            voice, duration = made[0], max(1, round(made[1]))
        else:
            return None
        if isinstance(voice, str):
            return await self._send_voice(message, chat, voice, duration)
        content = hashlib.sha256(voice).digest()
        known = await self._uploaded_id(content)
        if known is not None:
            return await self._send_voice(message, chat, known, duration, (voice, content))
        try:
            return await self._send_voice(message, chat, voice, duration, (voice, content))
        finally:
            self._uploading.pop(content).set_result(None)

    async def _uploaded_id(self, content: bytes) -> str | None:
        """The file id of this recording if Telegram has it; None means: upload it (the
        first of several at once uploads, the others wait to see whether it took)."""
        while content in self._uploading:
            await asyncio.shield(self._uploading[content])
        if content in self._uploaded:
            self._uploaded.move_to_end(content)
            return self._uploaded[content]
        self._uploading[content] = asyncio.get_running_loop().create_future()
        return None

    async def _send_voice(
        self,
        message: Outgoing,
        chat: int,
        voice: str | bytes,
        duration: int | None,
        recording: tuple[bytes, bytes] | None = None,
    ) -> str | None:
        """Send `voice`: bytes, or a file id (standing for `recording`, its bytes and their
        hash, when it is one of ours). Remembers an upload's file id, and uploads again
        when Telegram has forgotten one."""
        try:
            sent = await call(
                lambda: self._paced(
                    message.handle, partial(_voice_to, chat, voice, duration), words=False
                ),
                tries=VOICE_TRIES,
                flood=self._limiter.pause,
            )
        except Refused as refused:
            if refused.verdict.request_refused and isinstance(voice, str) and recording:
                self._uploaded.pop(recording[1], None)  # Telegram forgot it: upload again
                return await self._send_voice(message, chat, recording[0], duration, recording)
            return f"no voice note: {refused.verdict.reason}"
        if recording is not None and isinstance(voice, bytes) and sent.voice is not None:
            self._uploaded[recording[1]] = sent.voice.file_id
            while len(self._uploaded) > UPLOADS_REMEMBERED:
                self._uploaded.popitem(last=False)
        return None


def _voice_to(chat: int, voice: str | bytes, duration: int | None, bot: Bot) -> Awaitable[Message]:
    """A voice note through whichever bot the sender lends this send (bound, so the
    application's own bot keeps its extensions)."""
    return bot.send_voice(chat, voice=voice, duration=duration)
