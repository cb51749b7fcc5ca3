"""Changing the language messages come in: the same question registration asks first.

A carer's choice is also the language of the members they care for, as at registration.
"""

from __future__ import annotations

from collections.abc import Sequence

from conversations.changes import SetLanguage
from conversations.flow import SAID, Context, Flow, Goto, Question, Turn
from conversations.languages import MORE_LANGUAGES, Language, language_choices, read_language
from conversations.model import text
from conversations.understanding import normalise

__all__ = ["LanguageChoice"]


class LanguageChoice(Flow):
    name = "language"
    first_step = "pick"

    def __init__(self, languages: Sequence[Language] = ()) -> None:
        self.languages = tuple(languages)
        self._words = {normalise(w) for language in languages for w in language.word}

    def opened_by(self, words: str) -> bool:
        """The word for "language" in any of the club's languages, or a language's name
        ("português", "polski"): someone wants to change it, whatever they read now."""
        if len(self.languages) < 2:
            return False
        said = normalise(words)
        return said in self._words or read_language(said, self.languages) is not None

    def begin(self, ctx: Context) -> Turn:
        if len(self.languages) < 2:  # nothing to choose between
            return Turn(say=[text("language.current")])
        return Turn(next=Goto(self.name, self.first_step, {}))

    def question(self, ctx: Context, step: str) -> Question:
        ctx.require_person()
        page = int(ctx.data.get("page", 0))
        now = () if page else (text("language.current"),)
        return Question(
            (*now, text("registration.language")),
            text("registration.language.short"),
            language_choices(self.languages, page),
            words_too=True,
            whole_labels=True,
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if answer == MORE_LANGUAGES:
            ctx.data["page"] = int(ctx.data.get("page", 0)) + 1
            return Turn(next=Goto(self.name, self.first_step))
        code = read_language(answer.removeprefix(SAID), self.languages)
        if code is None:
            return Turn(say=[text("common.not_understood")], retry=True)
        person = ctx.require_person()
        chosen_for = (person.id, *(member.id for member in ctx.snapshot.members))
        return Turn(say=[text("language.done")], changes=[SetLanguage(chosen_for, code)])
