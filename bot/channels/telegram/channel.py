"""The Telegram channel: updates in, big-button messages and voice notes out.

Every update takes the same path as any other channel's input (`Dialogue.handle`), keyed by
its update_id so a replay has one effect. Flow logic stays in the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Update

from bot.channels.spoken import spoken_text
from bot.channels.telegram.inbound import Kind, read_update
from bot.channels.telegram.render import keyboard, message_text
from bot.channels.telegram.sending import ChatUnreachable, with_retries
from bot.service.alerts import CoordinatorAlerts
from bot.service.dialogue import Answer, Dialogue
from conversations import (
    Catalogue,
    Reply,
    text,
)
from storage import UnitOfWorkFactory

__all__ = ["TelegramChannel", "VoiceMaker"]

log = logging.getLogger(__name__)

VoiceMaker = Callable[[str, str, bool], Awaitable[tuple[bytes, float] | None]]
"""(words, language, slow) -> OGG/Opus bytes and seconds, or None when speech is off."""

CHOSEN_MARK = "✅"


class TelegramChannel:
    def __init__(
        self,
        bot: Bot,
        dialogue: Dialogue,
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        alerts: CoordinatorAlerts,
        voices: VoiceMaker | None = None,
    ) -> None:
        self.bot = bot
        self._dialogue = dialogue
        self._catalogue = catalogue
        self._units = units
        self._alerts = alerts
        self._voices = voices

    async def handle_update(self, update: Update, retry_later: bool = False) -> bool:
        """Handle one update. With `retry_later`, an answer that could not be saved returns
        False (the webhook then answers 500 and Telegram sends it again) instead of
        telling the person to try again."""
        arrival = read_update(update)
        if arrival.kind is Kind.IGNORE or arrival.chat_id is None:
            return True
        if arrival.kind is not Kind.INPUT or arrival.said is None:
            key = "telegram.edited" if arrival.kind is Kind.EDITED else "telegram.private_only"
            try:
                await self._send_words(arrival.chat_id, self._catalogue.render("en", text(key)))
            except ChatUnreachable:  # blocked, or removed from the group: nothing to repeat
                log.info("a chat refused a kind line")
            return True
        address = f"telegram:{arrival.user_id}"
        answer = await self._dialogue.handle(
            address, arrival.said, once=f"telegram:{update.update_id}"
        )
        if not answer.saved and not answer.refused and retry_later:
            return False
        query = update.callback_query
        if query is not None:
            await self._settle_press(query, answer)
        if answer.duplicate:
            return True
        try:
            for reply in answer.replies:
                await self._deliver(arrival.chat_id, reply, answer)
        except ChatUnreachable as unreachable:
            await self.note_unreachable(address, unreachable.reason)
        else:
            if answer.unreachable_here and answer.replies:
                await self.note_reachable(address)
        return True

    async def _settle_press(self, query: CallbackQuery, answer: Answer) -> None:
        """Answer the callback, and edit the question to show the choice made. Only a
        press that was read but not taken is told it is stale; an unsaved one is told by
        its reply ("common.busy")."""
        stale = answer.saved and not (answer.taken or answer.duplicate)
        notice = (
            self._catalogue.render(answer.language, text("telegram.stale_button"))
            if stale
            else None
        )
        try:
            await with_retries(lambda: query.answer(text=notice))
        except ChatUnreachable:
            return
        message = query.message
        if not answer.taken or message is None or not hasattr(message, "text"):
            return
        label = _pressed_label(getattr(message, "reply_markup", None), query.data)
        original = getattr(message, "text", None) or ""
        marked = f"{original}\n\n{CHOSEN_MARK} {label}" if label else original
        try:
            await with_retries(
                lambda: self.bot.edit_message_text(
                    marked, chat_id=message.chat.id, message_id=message.message_id
                )
            )
        except ChatUnreachable:
            return

    async def _deliver(self, chat_id: int, reply: Reply, answer: Answer) -> None:
        words = message_text(self._catalogue, answer.language, reply)
        buttons = keyboard(self._catalogue, answer.language, reply)
        await self._send_words(chat_id, words, buttons)
        if reply.speak and answer.spoken and self._voices is not None:
            spoken = spoken_text(self._catalogue, answer.language, reply)
            voice = await self._voices(spoken, answer.language, False)
            if voice is not None:
                ogg, seconds = voice
                await with_retries(
                    lambda: self.bot.send_voice(chat_id, voice=ogg, duration=max(1, round(seconds)))
                )

    async def _send_words(
        self, chat_id: int, words: str, buttons: InlineKeyboardMarkup | None = None
    ) -> None:
        await with_retries(lambda: self.bot.send_message(chat_id, words, reply_markup=buttons))

    async def note_reachable(self, address: str) -> None:
        """A reply reached someone marked unreachable here: they unblocked the bot."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            if person is not None:
                await uow.people.mark_reachable(person.id, "telegram")
                await uow.commit()

    async def note_unreachable(self, address: str, reason: str) -> None:
        """Record that Telegram no longer reaches this person and tell the coordinators."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            if person is None:
                return
            newly = await uow.people.mark_unreachable(person.id, "telegram", reason)
            name = person.name
            await uow.commit()
        if newly:
            await self._alerts.unreachable(name, "telegram")


def _pressed_label(markup: object, data: str | None) -> str:
    if not isinstance(markup, InlineKeyboardMarkup):
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""
