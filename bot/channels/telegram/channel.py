"""The Telegram channel: updates in, big-button messages and voice notes out.

Every update takes the same path as any other channel's input (`Dialogue.handle`), keyed by
its update_id so a replay has one effect, in its person's turn: one person's inputs are
read, and their replies sent (`ChatReplies`), in the order they came. Flow logic stays in
the engine; every Bot API call goes through the channel's one sending policy.
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Update

from bot.channels.telegram.inbound import Arrival, Kind, read_update
from bot.channels.telegram.replying import ChatReplies
from bot.channels.telegram.sending import Refused, call
from bot.service.alerts import CoordinatorAlerts
from bot.service.dialogue import Answer, Dialogue
from conversations import (
    Catalogue,
    text,
)
from storage import UnitOfWorkFactory

__all__ = ["CHOSEN_MARK", "TelegramChannel"]

log = logging.getLogger(__name__)

CHOSEN_MARK = "✅"


class TelegramChannel:
    def __init__(
        self,
        bot: Bot,
        dialogue: Dialogue,
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        alerts: CoordinatorAlerts,
        replies: ChatReplies,
    ) -> None:
        self.bot = bot
        self._dialogue = dialogue
        self._catalogue = catalogue
        self._units = units
        self._alerts = alerts
        self._replies = replies

    async def handle_update(self, update: Update, retry_later: bool = False) -> bool:
        """Handle one update. With `retry_later`, an answer that could not be saved returns
        False (the webhook then answers 500 and Telegram sends it again) instead of
        telling the person to try again."""
        arrival = read_update(update)
        chat_id = arrival.chat_id
        if arrival.kind is Kind.IGNORE or chat_id is None:
            return True
        if arrival.kind is not Kind.INPUT or arrival.said is None:
            key = "telegram.edited" if arrival.kind is Kind.EDITED else "telegram.private_only"
            words = self._catalogue.render("en", text(key))
            try:
                await call(lambda: self.bot.send_message(chat_id, words))
            except Refused as refused:  # blocked, or removed from the group: nothing to repeat
                log.info("a chat refused a kind line: %s", refused.verdict.reason)
            return True
        address = f"telegram:{arrival.user_id}"
        async with self._dialogue.turn(address):
            return await self._in_turn(update, arrival, address, retry_later)

    async def _in_turn(
        self, update: Update, arrival: Arrival, address: str, retry_later: bool
    ) -> bool:
        """The input and its replies, while the person's other inputs wait their turn."""
        assert arrival.chat_id is not None and arrival.said is not None
        query = update.callback_query
        waiting = await self._replies.waiting(address)
        if self._replies.full(waiting):
            log.warning("an input was set aside: %d replies already wait for its chat", waiting)
            if query is not None:
                await _answer(query, None)
            return True
        answer = await self._dialogue.handle(
            address, arrival.said, once=f"telegram:{update.update_id}"
        )
        if not answer.saved and not answer.refused and retry_later:
            return False
        if query is not None:
            await self._settle_press(query, answer)
        if answer.duplicate:
            return True
        delivered = await self._replies.deliver(arrival.chat_id, address, answer, waiting)
        if delivered.closed is not None:
            await self.note_unreachable(address, delivered.closed.reason)
        elif answer.unreachable_here and delivered.reached:
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
        if not await _answer(query, notice):
            return
        message = query.message
        if not answer.taken or message is None or not hasattr(message, "text"):
            return
        label = _pressed_label(getattr(message, "reply_markup", None), query.data)
        original = getattr(message, "text", None) or ""
        marked = f"{original}\n\n{CHOSEN_MARK} {label}" if label else original
        try:
            await call(
                lambda: self.bot.edit_message_text(
                    marked, chat_id=message.chat.id, message_id=message.message_id
                )
            )
        except Refused as refused:
            log.info("an answered question was not marked: %s", refused.verdict.reason)

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


async def _answer(query: CallbackQuery, notice: str | None) -> bool:
    """Answer a press (every press is answered); False when the chat refused the bot."""
    try:
        await call(lambda: query.answer(text=notice))
    except Refused as refused:
        log.info("a press was not answered: %s", refused.verdict.reason)
        return not refused.verdict.chat_gone
    return True


def _pressed_label(markup: object, data: str | None) -> str:
    if not isinstance(markup, InlineKeyboardMarkup):
        return ""
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return ""
