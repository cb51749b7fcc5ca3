"""Try it: a chat with the club's real engine in the browser, as a test person, so the
coordinator can show a new carer what they will see. It runs on a club of its own (the
demo club, in a SQLite file made for it), so nobody it registers is one of the club's
real people, gets a notice or counts in the report. The chat's lines are kept in this
process for each signed-in session (the last few dozen), and go when the service stops.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.channels.dashboard.guard import Form, session_nonce
from bot.channels.dashboard.site import Site, Visitor, page
from bot.channels.numbered import numbered_choices
from bot.service.dialogue import Dialogue
from bot.service.setup import prepare_club
from conversations import Input
from storage import UnitOfWorkFactory

__all__ = ["Line", "TryIt"]

KEPT_LINES = 40
KEPT_CHATS = 100
LONGEST_TYPED = 500


@dataclass(frozen=True)
class Line:
    """One message in the chat: the club's (with its buttons) or the test person's."""

    from_club: bool
    words: str
    buttons: tuple[tuple[str, str, str], ...] = ()
    """(digit, label, key) of each choice."""
    question: int | None = None


@dataclass
class Chat:
    address: str
    lines: list[Line] = field(default_factory=list)


class TryIt:
    def __init__(
        self, site: Site, dialogue: Dialogue, units: UnitOfWorkFactory, zone: ZoneInfo
    ) -> None:
        self._site = site
        self._dialogue = dialogue
        self._units = units
        self._zone = zone
        self._chats: OrderedDict[str, Chat] = OrderedDict()
        self._ready = asyncio.Lock()
        self._prepared = False

    async def _prepare(self) -> None:
        async with self._ready:
            if not self._prepared:
                await prepare_club(self._units, self._zone, demo=True)
                self._prepared = True

    def _chat(self, request: Request, fresh: bool = False) -> Chat:
        nonce = session_nonce(self._site, request)
        if fresh or nonce not in self._chats:
            count = len(self._chats) + 1
            self._chats[nonce] = Chat(f"console:try-{nonce[:10]}-{count}")
        self._chats.move_to_end(nonce)
        while len(self._chats) > KEPT_CHATS:
            self._chats.popitem(last=False)
        return self._chats[nonce]

    async def _say(self, chat: Chat, said: Input, shown: str | None) -> None:
        if shown is not None:
            chat.lines.append(Line(False, shown))
        answer = await self._dialogue.handle(chat.address, said)
        catalogue = self._site.catalogue
        for reply in answer.replies:
            words = "\n".join(catalogue.render(answer.language, part) for part in reply.texts)
            buttons = tuple(
                (digit, catalogue.label(answer.language, choice), choice.key)
                for digit, choice in numbered_choices(reply.choices)
            )
            chat.lines.append(Line(True, words, buttons, reply.question_id))
        del chat.lines[:-KEPT_LINES]

    async def show(self, request: Request, visitor: Visitor, _form: Form) -> Response:
        await self._prepare()
        chat = self._chat(request)
        if not chat.lines:
            await self._say(chat, Input.command("start"), None)
        return page(self._site, "try_it.html", visitor, here="try", chat=chat)

    async def answer(self, request: Request, visitor: Visitor, form: Form) -> Response:
        await self._prepare()
        if "again" in form:
            chat = self._chat(request, fresh=True)
            await self._say(chat, Input.command("start"), None)
            return RedirectResponse("/dashboard/try#last", status_code=303)
        chat = self._chat(request)
        last = next((line for line in reversed(chat.lines) if line.from_club), None)
        pressed = form.get("choice", "")
        button = next((b for b in last.buttons if b[2] == pressed), None) if last else None
        typed = " ".join(form.get("words", "").split())[:LONGEST_TYPED]
        if button is not None and last is not None:
            await self._say(chat, Input.choice(button[2], last.question), button[1])
        elif typed:
            await self._say(chat, Input.typed(typed), typed)
        return RedirectResponse("/dashboard/try#last", status_code=303)
