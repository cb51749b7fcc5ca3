"""The coordinator's people work: who came to a session (one person at a time, starting
from those who said they were coming), and the committee and volunteer roles."""

from __future__ import annotations

from conversations.changes import ChangeRole, MarkAttendance
from conversations.flow import (
    SAID,
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
from conversations.model import Choice, text
from conversations.snapshot import PersonView, SessionView

__all__ = ["Attendance", "Roles", "find_people"]

SHOWN = 3
GRANTABLE = ("committee", "volunteer")


def find_people(directory: tuple[PersonView, ...], typed: str) -> list[PersonView]:
    """People whose name is, or starts with, or contains what was typed."""
    wanted = " ".join(typed.removeprefix(SAID).split()).casefold()
    if not wanted:
        return []
    exact = [p for p in directory if p.name.casefold() == wanted]
    if exact:
        return exact
    return [p for p in directory if wanted in p.name.casefold()]


def _person_choices(people: list[PersonView]) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"person_{p.id}", text("choice.subject", name=p.name), "🙂") for p in people[:SHOWN]
    )


class Attendance(Flow):
    name = "attendance"
    first_step = "pick"
    roles = frozenset({"coordinator"})

    def _recent(self, ctx: Context) -> list[SessionView]:
        snapshot = ctx.snapshot
        started = [s for s in snapshot.sessions if not s.cancelled and s.starts_at <= snapshot.now]
        return list(reversed(started))[:SHOWN]

    def begin(self, ctx: Context) -> Turn:
        if not self._recent(ctx):
            return Turn(say=[text("attendance.none")])
        return Turn(next=Goto(self.name, "pick", {}))

    def _name(self, ctx: Context, person_id: int) -> str:
        return next((p.name for p in ctx.snapshot.directory if p.id == person_id), "")

    def question(self, ctx: Context, step: str) -> Question:
        if step == "pick":
            choices = tuple(
                Choice(
                    f"pick_{s.id}", text("sessions.label", **session_params(s, ctx.snapshot)), "📅"
                )
                for s in self._recent(ctx)
            )
            return Question((text("attendance.pick"),), text("attendance.pick"), choices)
        if step == "mark":
            name = self._name(ctx, ctx.data["queue"][ctx.data["index"]])
            return Question(
                (text("attendance.came", name=name),),
                text("attendance.came", name=name),
                (yes_choice(), no_choice()),
            )
        if step == "others":
            return Question(
                (text("attendance.others"),), text("attendance.others"), (yes_choice(), no_choice())
            )
        if step == "other_name":
            return Question((text("attendance.other_name"),), text("attendance.other_name"))
        raise KeyError(step)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        if step == "pick":
            session_id = int(answer.removeprefix("pick_"))
            answers = ctx.snapshot.session_answers.get(session_id, {})
            queue = [pid for pid, said in answers.items() if said != "not_coming"]
            data.update(session=session_id, queue=queue, index=0)
            return Turn(next=Goto(self.name, "mark" if queue else "others"))
        if step == "mark":
            person_id = data["queue"][data["index"]]
            change = MarkAttendance(data["session"], person_id, answer == "yes")
            data["index"] += 1
            following = "mark" if data["index"] < len(data["queue"]) else "others"
            return Turn(changes=[change], next=Goto(self.name, following))
        if step == "others":
            if answer == "yes":
                return Turn(next=Goto(self.name, "other_name"))
            return Turn(say=[text("attendance.done")])
        if step == "other_name":
            found = find_people(ctx.snapshot.directory, answer)
            if len(found) != 1:
                key = "attendance.unknown_name" if not found else "attendance.which_one"
                return Turn(say=[text(key)], retry=True)
            change = MarkAttendance(data["session"], found[0].id, True)
            return Turn(changes=[change], next=Goto(self.name, "others"))
        raise KeyError(step)


class Roles(Flow):
    name = "roles"
    first_step = "who"
    roles = frozenset({"coordinator"})

    def question(self, ctx: Context, step: str) -> Question:
        data = ctx.data
        if step == "who":
            return Question((text("roles.who"),), text("roles.who"))
        if step == "choose":
            people = [p for p in ctx.snapshot.directory if p.id in data["matches"]]
            return Question((text("roles.choose"),), text("roles.choose"), _person_choices(people))
        person = self._person(ctx)
        if step == "what":
            held = ", ".join(sorted(person.roles)) or "-"
            return Question(
                (text("roles.current", name=person.name, roles=held), text("roles.what")),
                text("roles.what"),
                (
                    choice("make_committee", "🗳️"),
                    choice("make_volunteer", "🙌"),
                    choice("remove_role", "➖"),
                ),
            )
        if step == "remove":
            removable = [r for r in (*GRANTABLE, "coordinator") if r in person.roles][:SHOWN]
            return Question(
                (text("roles.remove"),),
                text("roles.remove"),
                tuple(choice(f"drop_{r}", "➖") for r in removable),
            )
        raise KeyError(step)

    def _person(self, ctx: Context) -> PersonView:
        found = next((p for p in ctx.snapshot.directory if p.id == ctx.data["person"]), None)
        if found is None:
            raise LookupError("that person is no longer known")
        return found

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        if step == "who":
            found = find_people(ctx.snapshot.directory, answer)
            if not found:
                return Turn(say=[text("roles.unknown_name")], retry=True)
            if len(found) == 1:
                data["person"] = found[0].id
                return Turn(next=Goto(self.name, "what"))
            data["matches"] = [p.id for p in found[:SHOWN]]
            return Turn(next=Goto(self.name, "choose"))
        if step == "choose":
            data["person"] = int(answer.removeprefix("person_"))
            return Turn(next=Goto(self.name, "what"))
        if step == "what":
            if answer == "remove_role":
                return Turn(next=Goto(self.name, "remove"))
            role = answer.removeprefix("make_")
            change = ChangeRole(data["person"], role, granted=True)
            return Turn(say=[text("roles.done")], changes=[change])
        if step == "remove":
            role = answer.removeprefix("drop_")
            if role == "coordinator" and data["person"] == ctx.require_person().id:
                return Turn(say=[text("roles.not_yourself")])
            change = ChangeRole(data["person"], role, granted=False)
            return Turn(say=[text("roles.done")], changes=[change])
        raise KeyError(step)
