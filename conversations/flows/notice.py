"""The coordinator's notice: write it (a voice message may go with it), choose who gets
it, see and hear it as people will, then send. In the club's quiet hours it waits for the
morning, unless the coordinator says it is urgent (asked only then; the preview says which).
A second press of "send" sends nothing more: the confirm question is closed by the first."""

from __future__ import annotations

from conversations.changes import SendNotice
from conversations.flow import (
    SAID,
    VOICE,
    Context,
    Flow,
    Goto,
    Question,
    Turn,
    choice,
    no_choice,
    yes_choice,
)
from conversations.model import PartsOf, Text, text
from conversations.when import when_params

__all__ = ["Notice"]

LONGEST_NOTICE = 1000
FIRST_AUDIENCES = ("everyone", "members_carers")
MORE_AUDIENCES = ("volunteers", "next_session", "activity")


class Notice(Flow):
    name = "notice"
    first_step = "write"
    roles = frozenset({"coordinator"})

    def question(self, ctx: Context, step: str) -> Question:
        if step == "write":
            return Question((text("notice.write"),), text("notice.write"), longest=None)
        if step == "voice":
            return Question(
                (text("notice.voice"),),
                text("notice.voice"),
                (choice("words_only", "📝"),),
                voice_too=True,
            )
        if step == "audience":
            return Question(
                (text("notice.audience"),),
                text("notice.audience"),
                (*(choice(f"to_{a}", "👥") for a in FIRST_AUDIENCES), choice("more", "➡️")),
            )
        if step == "audience_more":
            return Question(
                (text("notice.audience"),),
                text("notice.audience"),
                tuple(choice(f"to_{a}", "👥") for a in MORE_AUDIENCES),
            )
        if step == "activity":
            return Question((text("notice.activity"),), text("notice.activity"))
        if step == "when":
            return Question(
                (text("notice.quiet"),),
                text("notice.quiet"),
                (choice("wait_morning", "🌙"), choice("urgent", "❗")),
            )
        if step == "confirm":
            return self._preview(ctx)
        raise KeyError(step)

    @staticmethod
    def _reach(ctx: Context) -> int:
        """How many people the chosen group reaches now."""
        data, snapshot = ctx.data, ctx.snapshot
        if data["audience"] == "activity":
            return snapshot.activity_counts.get(data["activity"], 0)
        return snapshot.audience_counts.get(data["audience"], 0)

    def _to_preview(self, ctx: Context) -> Turn:
        """The preview; a group that reaches nobody is said plainly and another is asked
        for, so "send" is never offered for a notice nobody would get."""
        if self._reach(ctx) == 0:
            return Turn(say=[text("notice.count", count=0)], next=Goto(self.name, "audience"))
        if ctx.snapshot.quiet_until is not None:
            return Turn(next=Goto(self.name, "when"))
        return Turn(next=Goto(self.name, "confirm"))

    @staticmethod
    def _held(ctx: Context, key: str) -> Text | None:
        """When the notice will go, if the quiet hours hold it back (`key` says it)."""
        until = ctx.snapshot.quiet_until
        if until is None or ctx.data.get("urgent"):
            return None
        return text(key, clock=when_params(until, ctx.snapshot.zone)["clock"])

    def _preview(self, ctx: Context) -> Question:
        data = ctx.data
        snapshot = ctx.snapshot
        as_sent = text("notice.broadcast", club=snapshot.club_name, words=data["words"])
        count = self._reach(ctx)
        when = text("notice.urgent") if data.get("urgent") else self._held(ctx, "notice.held")
        prompt = (
            text("notice.preview"),
            as_sent,
            text("notice.count", count=count),
            text("notice.parts", parts=PartsOf(as_sent)),
            *([when] if when else []),
            text("notice.confirm"),
        )
        return Question(
            prompt,
            text("notice.confirm"),
            (yes_choice("send_notice", "📣"), no_choice("keep_notice", "✋")),
            speak=True,
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        if step == "write":
            words = answer.strip()
            if len(words) > LONGEST_NOTICE:
                return Turn(say=[text("notice.too_long", longest=LONGEST_NOTICE)], retry=True)
            data["words"] = words
            return Turn(next=Goto(self.name, "voice"))
        if step == "voice":
            data["voice"] = answer.removeprefix(VOICE) if answer.startswith(VOICE) else None
            return Turn(next=Goto(self.name, "audience"))
        if step in {"audience", "audience_more"}:
            if answer == "more":
                return Turn(next=Goto(self.name, "audience_more"))
            data["audience"] = answer.removeprefix("to_")
            if data["audience"] == "activity":
                return Turn(next=Goto(self.name, "activity"))
            return self._to_preview(ctx)
        if step == "activity":
            return self._activity(ctx, answer.removeprefix(SAID))
        if step == "when":
            data["urgent"] = answer == "urgent"
            return Turn(next=Goto(self.name, "confirm"))
        if step == "confirm":
            if answer != "send_notice":
                return Turn(say=[text("notice.kept")])
            urgent = bool(data.get("urgent"))
            change = SendNotice(
                data["words"], data["audience"], data.get("activity"), data.get("voice"), urgent
            )
            sending = self._held(ctx, "notice.sending_later") or text("notice.sending")
            return Turn(say=[sending], changes=[change])

        raise KeyError(step)

    def _activity(self, ctx: Context, typed: str) -> Turn:
        wanted = typed.strip().lower()
        for key in ctx.snapshot.activities:
            if wanted and (key.startswith(wanted[:4]) or wanted.startswith(key[:4])):
                ctx.data["activity"] = key
                return self._to_preview(ctx)
        return Turn(say=[text("notice.activity_unknown")], retry=True)
