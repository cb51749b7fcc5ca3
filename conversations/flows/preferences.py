"""Preferences the Talking Mats way: one activity at a time, yes / not sure / no.

Every answer is saved as it is given, so "that's enough for now" loses nothing and the
next visit carries on from the first activity not yet answered.
"""

from __future__ import annotations

from conversations.changes import SetDays, SetPreference, SetReminderTiming
from conversations.flow import (
    BEGIN,
    Context,
    Flow,
    Goto,
    Question,
    Turn,
    choice,
    no_choice,
    yes_choice,
)
from conversations.model import Choice, Meaning, Text, text
from conversations.snapshot import PersonView, SeriesView

__all__ = ["ACTIVITY_EMOJI", "Preferences"]

ACTIVITY_EMOJI = {
    "music": "🎵",
    "art": "🎨",
    "gardening": "🌱",
    "crafts": "🧶",
    "meals": "🍲",
    "outings": "🖼️",
    "movement": "💃",
    "memories": "📖",
}
PER_SITTING = 3
"""Activities asked before offering a rest."""
MOST_SUBJECTS = 3


def choice_for(member: PersonView) -> Choice:
    return Choice(f"subject_{member.id}", text("choice.subject", name=member.name), "🙂")


class Preferences(Flow):
    name = "preferences"
    first_step = "activity"

    def begin(self, ctx: Context) -> Turn:
        person = ctx.require_person()
        members = ctx.snapshot.members
        if person.is_carer and len(members) > 1:
            return Turn(next=Goto(self.name, "whose", {}))
        subject = members[0] if person.is_carer and members else person
        return self._start_for(ctx, subject)

    def question(self, ctx: Context, step: str) -> Question:
        if step == "offer":
            return Question(
                (text("preferences.offer"),),
                text("preferences.offer.short"),
                (yes_choice("start_now", "👍"), choice("later", "⏰")),
            )
        if step == "whose":
            names = ctx.snapshot.members[:MOST_SUBJECTS]
            return Question(
                (text("preferences.whose"),),
                text("preferences.whose.short"),
                tuple(choice_for(member) for member in names),
            )
        subject = self._subject(ctx)
        for_member = subject.id != ctx.require_person().id
        if step == "activity":
            activity = ctx.snapshot.activities[ctx.data["index"]]
            key = "preferences.activity_for" if for_member else "preferences.activity"
            return Question(
                (
                    *self._earlier(subject, activity),
                    text(key, **self._activity_params(subject, activity)),
                ),
                text("preferences.activity.short", activity=text(f"activity.{activity}")),
                (
                    choice("yes", "👍", Meaning.YES),
                    choice("unsure", "🤔", Meaning.UNSURE),
                    choice("no", "👎", Meaning.NO),
                ),
                speak=True,
            )
        if step == "carry_on":
            return Question(
                (text("preferences.carry_on"),),
                text("preferences.carry_on.short"),
                (yes_choice("carry_on", "👍"), no_choice("enough", "✋")),
            )
        if step == "day":
            series = ctx.snapshot.series[ctx.data["day"]]
            return Question(
                (self._day_text(series, subject, for_member),),
                text("preferences.day.short"),
                (yes_choice(), no_choice()),
            )
        if step == "timing":
            key = "preferences.timing_for" if for_member else "preferences.timing"
            return Question(
                (text(key, name=subject.name),),
                text("preferences.timing.short"),
                (choice("day_before", "🌙"), choice("morning", "☀️"), choice("both", "🔔")),
            )
        raise KeyError(step)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if step == "offer":
            if answer == "start_now":
                return Turn(next=Goto(self.name, BEGIN, {}))
            return Turn(say=[text("preferences.later")])
        if step == "whose":
            chosen = next(m for m in ctx.snapshot.members if choice_for(m).key == answer)
            return self._start_for(ctx, chosen)
        if step == "activity":
            return self._activity_answered(ctx, answer)
        if step == "carry_on":
            if answer == "enough":
                return Turn(say=[text("preferences.rest_later")])
            return Turn(next=Goto(self.name, "activity"))
        if step == "day":
            return self._day_answered(ctx, answer == "yes")
        if step == "timing":
            change = SetReminderTiming(ctx.data["subject"], answer)
            return Turn(say=[text("preferences.done")], changes=[change])
        raise KeyError(step)

    def _subject(self, ctx: Context) -> PersonView:
        subject = ctx.snapshot.subject(ctx.data.get("subject"))
        if subject is None:
            raise LookupError("the person these choices are for is no longer known")
        return subject

    def _start_for(self, ctx: Context, subject: PersonView) -> Turn:
        activities = ctx.snapshot.activities
        unanswered = [i for i, a in enumerate(activities) if a not in subject.preferences]
        first = unanswered[0] if unanswered and len(unanswered) < len(activities) else 0
        data = {"subject": subject.id, "index": first, "asked": 0, "day": 0}
        return Turn(next=Goto(self.name, "activity", data))

    def _activity_params(self, subject: PersonView, activity: str) -> dict[str, object]:
        return {
            "name": subject.name,
            "activity": text(f"activity.{activity}"),
            "emoji": ACTIVITY_EMOJI.get(activity, ""),
        }

    def _earlier(self, subject: PersonView, activity: str) -> tuple[Text, ...]:
        earlier = subject.preferences.get(activity)
        if earlier is None:
            return ()
        return (text("preferences.earlier", answer=text(f"choice.{earlier}")),)

    def _activity_answered(self, ctx: Context, answer: str) -> Turn:
        data = ctx.data
        activity = ctx.snapshot.activities[data["index"]]
        change = SetPreference(data["subject"], activity, answer)
        data["index"] += 1
        data["asked"] += 1
        if data["index"] >= len(ctx.snapshot.activities):
            return self._after_activities(ctx, change)
        step = "carry_on" if data["asked"] % PER_SITTING == 0 else "activity"
        return Turn(changes=[change], next=Goto(self.name, step))

    def _after_activities(self, ctx: Context, change: SetPreference) -> Turn:
        step = "day" if ctx.snapshot.series else "timing"
        return Turn(changes=[change], next=Goto(self.name, step))

    def _day_text(self, series: SeriesView, subject: PersonView, for_member: bool) -> Text:
        params: dict[str, object] = {
            "title": series.title,
            "weekday": text(f"weekday.{series.weekday}"),
            "name": subject.name,
        }
        suffix = "_for" if for_member else ""
        if series.week_of_month is None:
            return text(f"preferences.day_weekly{suffix}", **params)
        params["which"] = text(f"ordinal.{series.week_of_month}")
        return text(f"preferences.day_monthly{suffix}", **params)

    def _day_answered(self, ctx: Context, comes: bool) -> Turn:
        series = ctx.snapshot.series[ctx.data["day"]]
        change = SetDays(ctx.data["subject"], series.id, comes)
        ctx.data["day"] += 1
        step = "day" if ctx.data["day"] < len(ctx.snapshot.series) else "timing"
        return Turn(changes=[change], next=Goto(self.name, step))
