"""After a session: how was it (three faces, or skip), what was enjoyed most, and an
optional word for the committee, named only with consent. A carer may answer for the
member, and that is recorded."""

from __future__ import annotations

from conversations.changes import SetFeedback
from conversations.flow import (
    SAID,
    SKIP,
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
from conversations.flows.reminder import session_params
from conversations.model import Choice, Meaning, text
from conversations.snapshot import SessionView

__all__ = ["FACES", "Feedback"]

FACES = ("happy", "unsure", "unhappy")
_FACE_EMOJI = {"happy": "😊", "unsure": "😐", "unhappy": "😞"}
_FACE_MEANING = {"happy": Meaning.YES, "unsure": Meaning.UNSURE, "unhappy": Meaning.NO}


class Feedback(Flow):
    """Opened by the outbox after a session, with data: session, member, carer_helped."""

    name = "feedback"
    first_step = "face"

    def _session(self, ctx: Context) -> SessionView:
        found = ctx.snapshot.session(ctx.data["session"])
        if found is None:
            raise LookupError("the session asked about is gone")
        return found

    def _for_member(self, ctx: Context) -> bool:
        return bool(ctx.data.get("carer_helped"))

    def question(self, ctx: Context, step: str) -> Question:
        session = self._session(ctx)
        params = {**session_params(session, ctx.snapshot), "name": ctx.data.get("name", "")}
        suffix = "_for" if self._for_member(ctx) else ""
        if step == "face":
            return Question(
                (text(f"feedback.face{suffix}", **params), text("feedback.skip_hint")),
                text(f"feedback.face{suffix}", **params),
                tuple(
                    Choice(face, text(f"choice.{face}"), _FACE_EMOJI[face], _FACE_MEANING[face])
                    for face in FACES
                ),
                speak=True,
                skippable=True,
            )
        if step == "enjoyed":
            return Question(
                (text("feedback.enjoyed"),),
                text("feedback.enjoyed"),
                (
                    Choice(f"act_{session.activity}", text(f"activity.{session.activity}"), "⭐"),
                    choice("company", "🤝"),
                    choice("something_else", "✨"),
                ),
                skippable=True,
            )
        if step == "comment":
            return Question(
                (text("feedback.comment"),),
                text("feedback.comment"),
                (choice("no_comment", "👍"),),
                words_too=True,
                voice_too=True,
                whole_labels=True,  # "Lovely, thank you" is a comment, not "No, thank you"
            )
        if step == "named":
            return Question(
                (text("feedback.named"),), text("feedback.named"), (yes_choice(), no_choice())
            )
        raise KeyError(step)

    def _part(self, ctx: Context, part: str, value: str | None) -> SetFeedback:
        return SetFeedback(
            ctx.data["session"], ctx.data["member"], self._for_member(ctx), part, value
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if step == "face":
            if answer == SKIP:  # kept as a face of none, so the report counts the skip
                return Turn(say=[text("feedback.skipped")], changes=[self._part(ctx, "face", None)])
            change = self._part(ctx, "face", answer)
            return Turn(changes=[change], next=Goto(self.name, "enjoyed"))
        if step == "enjoyed":
            if answer == SKIP:
                return Turn(next=Goto(self.name, "comment"))
            enjoyed = answer.removeprefix("act_")
            return Turn(
                changes=[self._part(ctx, "enjoyed", enjoyed)], next=Goto(self.name, "comment")
            )
        if step == "comment":
            if answer == "no_comment":
                return Turn(say=[text("feedback.thanks")])
            comment = answer.removeprefix(SAID)
            if answer.startswith(VOICE):
                comment = f"(voice message {answer.removeprefix(VOICE)})"
            return Turn(
                changes=[self._part(ctx, "comment", comment)], next=Goto(self.name, "named")
            )
        if step == "named":
            change = self._part(ctx, "named", "yes" if answer == "yes" else "no")
            return Turn(say=[text("feedback.thanks")], changes=[change])
        raise KeyError(step)
