"""A person's replies on Telegram: straight to their chat while it has room; when it has
none (Telegram takes one message a second to a chat, and someone may write faster) or the
club's token is refused for a while, kept in the outbox to go in order at the chat's pace.

Someone who writes faster than their chat can be answered is told once, kindly, to wait
a moment. Past a ceiling of replies waiting for one person, their next inputs are set
aside (and logged), so one runaway client cannot swamp the club.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot

from bot.channels.spoken import spoken_text
from bot.channels.telegram.render import keyboard, message_text
from bot.channels.telegram.sending import LONGEST_FLOOD_WAIT_SECONDS, Refused, Verdict, call
from bot.outbox.account_trouble import AccountTrouble
from bot.outbox.delivery import Outcome
from bot.outbox.replies import REPLY, keep_replies, one_moment_first
from bot.service.alerts import CoordinatorAlerts
from bot.service.dialogue import Answer
from conversations import Catalogue, Reply
from storage import UnitOfWorkFactory
from storage.models import utc_now

__all__ = ["CEILING", "ChatReplies", "Delivered", "VoiceMaker"]

log = logging.getLogger(__name__)

VoiceMaker = Callable[[str, str, bool], Awaitable[tuple[bytes, float] | None]]
"""(words, language, slow) -> OGG/Opus bytes and seconds, or None when speech is off."""

CEILING = 100
"""Replies waiting for one person past which their next inputs are set aside: at a
message a second, over a minute and a half of answers still to come."""
FLOOD_MARK = 3
"""Replies waiting at which the person is told to wait a moment (once per backlog)."""


@dataclass(frozen=True)
class Delivered:
    reached: bool
    """A reply went straight to the chat: Telegram reaches the person."""
    closed: Verdict | None = None
    """The chat refused the bot (blocked, or gone): Telegram no longer reaches them."""


class ChatReplies:
    def __init__(
        self,
        bot: Bot,
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        alerts: CoordinatorAlerts,
        trouble: AccountTrouble,
        pace: timedelta,
        voices: VoiceMaker | None = None,
    ) -> None:
        """`pace`: the time between two messages to one chat (Telegram's limit)."""
        self._bot = bot
        self._catalogue = catalogue
        self._units = units
        self._alerts = alerts
        self._trouble = trouble
        self._pace = pace
        self._voices = voices
        self._backlogged: set[str] = set()
        """People this process has kept replies for, until it finds none waiting."""
        self._asked_to_wait: set[str] = set()
        """People told to wait a moment, in the backlog they are in now."""

    async def waiting(self, address: str) -> int:
        """Replies still waiting in the outbox for the person at `address`. Looked up only
        for those this process kept replies for (a restart forgets them: their waiting
        replies still go, and a new one may overtake them)."""
        if address not in self._backlogged:
            return 0
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            count = 0 if person is None else (await uow.outbox.waiting(person.id, REPLY))[0]
        if not count:
            self._backlogged.discard(address)
            self._asked_to_wait.discard(address)
        return count

    @staticmethod
    def full(waiting: int) -> bool:
        """Whether so many replies wait that the person's next input is set aside."""
        return waiting >= CEILING

    async def deliver(self, chat_id: int, address: str, answer: Answer, waiting: int) -> Delivered:
        """The answer's replies, in order: behind `waiting` ones in the outbox, else
        straight to the chat until one cannot go, which waits with the rest."""
        replies = list(answer.replies)
        if waiting:
            await self._keep(address, answer, replies, waiting, 0.0)
            return Delivered(reached=False)
        reached = False
        for index, reply in enumerate(replies):
            try:
                await self._send(chat_id, reply, answer, patient=False)
            except Refused as refused:
                verdict = refused.verdict
                if verdict.chat_gone:
                    return Delivered(reached, verdict)
                if verdict.request_refused:
                    log.warning("Telegram refused a reply: %s", verdict.reason)
                    continue
                await self._held_up(chat_id, address, answer, replies[index:], verdict)
                return Delivered(reached)
            reached = True
        return Delivered(reached)

    async def _send(self, chat_id: int, reply: Reply, answer: Answer, patient: bool) -> None:
        """The words with their buttons, then the voice note. `patient`: a flood wait is
        waited out here (else it ends the call, and the reply is kept instead)."""
        words = message_text(self._catalogue, answer.language, reply)
        buttons = keyboard(self._catalogue, answer.language, reply)
        await call(
            lambda: self._bot.send_message(chat_id, words, reply_markup=buttons),
            wait_out_floods=patient,
        )
        self._trouble.cleared("telegram")
        if not (reply.speak and answer.spoken and self._voices is not None):
            return
        voice = await self._voices(
            spoken_text(self._catalogue, answer.language, reply), answer.language, False
        )
        if voice is None:
            return
        ogg, seconds = voice
        try:  # the words are out: the voice note is waited for here, never sent again
            await call(
                lambda: self._bot.send_voice(chat_id, voice=ogg, duration=max(1, round(seconds)))
            )
        except Refused as refused:
            log.info("a reply's voice note did not go: %s", refused.verdict.reason)

    async def _held_up(
        self, chat_id: int, address: str, answer: Answer, replies: list[Reply], verdict: Verdict
    ) -> None:
        """Replies that cannot go now wait in the outbox; someone not yet registered has no
        place there, so theirs wait here (a flood wait) or are given up (logged)."""
        if verdict.outcome is Outcome.ACCOUNT:
            told = self._trouble.noticed("telegram", verdict.reason)
            if told is not None:
                await self._alerts.tell(told)
        if await self._keep(address, answer, replies, 0, verdict.retry_after or 0.0):
            return
        try:
            wait = verdict.retry_after  # only a flood wait is waited out once more
            if wait is None or wait > LONGEST_FLOOD_WAIT_SECONDS:
                raise Refused(verdict)
            await asyncio.sleep(wait)
            for reply in replies:
                await self._send(chat_id, reply, answer, patient=True)
        except Refused as refused:
            log.warning(
                "a reply to someone not yet registered did not go: %s", refused.verdict.reason
            )

    async def _keep(
        self, address: str, answer: Answer, replies: Sequence[Reply], waiting: int, delay: float
    ) -> bool:
        """Queue `replies` behind the person's waiting ones; False for a newcomer."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            if person is None:
                return False
            kept = list(replies)
            asking = address not in self._asked_to_wait and waiting + len(kept) >= FLOOD_MARK
            if asking:
                kept = one_moment_first(kept)
            not_before = utc_now() + timedelta(seconds=delay)
            await keep_replies(
                uow,
                person.id,
                "telegram",
                kept,
                answer.language,
                answer.spoken,
                not_before,
                self._pace,
            )
            await uow.commit()
        self._backlogged.add(address)
        if asking:
            self._asked_to_wait.add(address)
        return True
