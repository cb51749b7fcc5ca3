"""My data and forget me: what the club holds, in plain words, and erasure on request."""

from __future__ import annotations

from conversations.changes import Erase
from conversations.flow import BEGIN, Context, Flow, Goto, Question, Turn, choice, no_choice
from conversations.model import Moment, Text, text
from conversations.snapshot import PersonView, Snapshot

__all__ = ["ForgetMe", "MyData", "describe", "erasable_ids"]


def describe(person: PersonView, snapshot: Snapshot) -> list[Text]:
    """One short sentence per fact held about `person`."""
    lines = [text("mydata.name", name=person.name)]
    if person.channels:
        channels = [text(f"channel.{c}") for c in person.channels]
        lines.append(text("mydata.channels", channels=tuple(channels)))
    if person.phone:
        lines.append(text("mydata.phone", phone=person.phone))
    lines.append(text("mydata.spoken_on" if person.spoken else "mydata.spoken_off"))
    for answer in ("yes", "unsure", "no"):
        keys = [a for a, said in person.preferences.items() if said == answer]
        if keys:
            activities = tuple(text(f"activity.{a}") for a in keys)
            lines.append(text(f"mydata.activities_{answer}", activities=activities))
    days = [s.title for s in snapshot.series if s.id in person.series_ids]
    if days:
        lines.append(text("mydata.days", days=", ".join(days)))
    lines.append(text("mydata.timing", timing=text(f"timing.{person.reminder_timing}")))
    if person.consent_at is not None:
        when = Moment(person.consent_at.astimezone(snapshot.zone), "date_and_year")
        lines.append(text("mydata.consent", by=person.consent_by or person.name, date=when))
    return lines


def erasable_ids(snapshot: Snapshot) -> tuple[int, ...]:
    """The person, and the members nobody else cares for (they were known only through them)."""
    person = snapshot.person
    if person is None:
        return ()
    alone = [m.id for m in snapshot.members if len(m.carers) <= 1]
    return (person.id, *alone)


class MyData(Flow):
    name = "my_data"
    first_step = "next"

    def begin(self, ctx: Context) -> Turn:
        person = ctx.require_person()
        say = [text("mydata.intro"), *describe(person, ctx.snapshot)]
        for member in ctx.snapshot.members:
            say += [text("mydata.member", name=member.name), *describe(member, ctx.snapshot)[1:]]
        return Turn(say=say, next=Goto(self.name, "next", {}))

    def question(self, ctx: Context, step: str) -> Question:
        return Question(
            (text("mydata.next"),),
            text("mydata.next.short"),
            (choice("change", "✏️"), choice("forget", "🗑️"), choice("all_fine", "👍")),
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if answer == "change":
            return Turn(next=Goto("preferences", BEGIN, {}))
        if answer == "forget":
            return Turn(next=Goto("forget_me", "confirm", {}))
        return Turn(say=[text("menu.goodbye")])


class ForgetMe(Flow):
    name = "forget_me"
    first_step = "confirm"

    def question(self, ctx: Context, step: str) -> Question:
        erased = set(erasable_ids(ctx.snapshot))
        also = [m.name for m in ctx.snapshot.members if m.id in erased]
        prompt = [text("forget.explain")]
        if also:
            prompt.append(text("forget.also_members", names=" and ".join(also)))
        prompt.append(text("forget.ask"))
        return Question(
            tuple(prompt),
            text("forget.ask.short"),
            (choice("erase", "🗑️"), no_choice("keep", "✋")),
        )

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        if answer == "erase":
            return Turn(say=[text("forget.done")], changes=[Erase(erasable_ids(ctx.snapshot))])
        return Turn(say=[text("forget.kept")])
