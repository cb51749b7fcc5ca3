"""Choosing together: the coordinator asks everyone what they would like to do next
month; members answer with a choice or their own idea in words; the committee's report
shows the results. And the committee's report itself, on request."""

from __future__ import annotations

from conversations.changes import AnswerPoll, MakeReport, StartPoll
from conversations.flow import SAID, Context, Flow, Question, Turn, no_choice, yes_choice
from conversations.model import Choice, text

__all__ = ["AskEveryone", "PollAnswer", "Report"]

OPTIONS = 3


class AskEveryone(Flow):
    name = "ask_everyone"
    first_step = "confirm"
    roles = frozenset({"coordinator"})

    def _options(self, ctx: Context) -> tuple[str, ...]:
        liked = ctx.snapshot.activity_counts
        ranked = sorted(ctx.snapshot.activities, key=lambda a: -liked.get(a, 0))
        return tuple(ranked[:OPTIONS])

    def question(self, ctx: Context, step: str) -> Question:
        names = tuple(text(f"activity.{a}") for a in self._options(ctx))
        return Question(
            (text("poll.explain", activities=names), text("poll.confirm")),
            text("poll.confirm"),
            (yes_choice("ask_now", "📣"), no_choice("not_now", "✋")),
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if answer != "ask_now":
            return Turn(say=[text("notice.kept")])
        return Turn(say=[text("poll.asking")], changes=[StartPoll(self._options(ctx))])


class PollAnswer(Flow):
    """Opened by the outbox, with data: poll, options."""

    name = "poll"
    first_step = "pick"

    def question(self, ctx: Context, step: str) -> Question:
        options = tuple(
            Choice(f"act_{a}", text(f"activity.{a}"), "⭐") for a in ctx.data.get("options", [])
        )
        return Question(
            (text("poll.ask"), text("poll.own_idea")),
            text("poll.ask"),
            options,
            speak=True,
            words_too=True,
            whole_labels=True,  # "a music quiz" is an idea of their own, not a vote for music
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        person = ctx.require_person()
        if answer.startswith(SAID):
            change = AnswerPoll(ctx.data["poll"], person.id, None, answer.removeprefix(SAID))
        else:
            change = AnswerPoll(ctx.data["poll"], person.id, answer.removeprefix("act_"), None)
        return Turn(say=[text("poll.thanks")], changes=[change])


class Report(Flow):
    name = "report"
    first_step = "make"
    roles = frozenset({"committee", "coordinator"})

    def begin(self, ctx: Context) -> Turn:
        """Nothing said here: whoever delivers the report (only Telegram and the terminal
        have /report) says it is coming, then sends it, so no words come after it."""
        return Turn(changes=[MakeReport()])

    def question(self, ctx: Context, step: str) -> Question:
        raise KeyError(step)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        raise KeyError(step)
