"""The greeting for someone known who writes with no question open, and the help text."""

from __future__ import annotations

from conversations.flow import BEGIN, Context, Flow, Goto, Question, Turn, choice
from conversations.model import text

__all__ = ["Help", "Menu"]


class Menu(Flow):
    name = "menu"
    first_step = "menu"

    def question(self, ctx: Context, step: str) -> Question:
        person = ctx.require_person()
        return Question(
            (text("menu.hello", name=person.name), text("menu.ask")),
            text("menu.ask.short"),
            (choice("next_session", "📅"), choice("my_choices", "🎵"), choice("my_data", "📋")),
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if answer == "next_session":
            return Turn(next=Goto("reminder", BEGIN, {}))
        if answer == "my_choices":
            return Turn(next=Goto("preferences", BEGIN, {}))
        if answer == "my_data":
            return Turn(next=Goto("my_data", BEGIN, {}))
        return Turn(say=[text("menu.goodbye")])


class Help(Flow):
    """What the club's messages are for, then the menu."""

    name = "help"
    first_step = BEGIN

    def begin(self, ctx: Context) -> Turn:
        return Turn(say=[text("help.about")], next=Goto("menu", "menu", {}))

    def question(self, ctx: Context, step: str) -> Question:
        raise KeyError(step)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        raise KeyError(step)
