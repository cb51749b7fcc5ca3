"""The coordinator's sessions: add one (only once, every week, or once a month on the
same weekday), change one meeting's time or place, cancel it, or send its reminders now.
Everyone who may come hears about a change at once."""

from __future__ import annotations

from datetime import date, datetime, time

from conversations.calendar import LAST_WEEK, SeriesRule, at_local, week_of_month
from conversations.changes import AddSeries, AddSession, CancelSession, ChangeSession, RemindNow
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
from conversations.model import Choice, Text, text
from conversations.session_rules import (
    NotThen,
    SessionProblem,
    check_one_off,
    check_series,
    normalise_postcode,
    read_clock,
    read_day,
)
from conversations.snapshot import SessionView

__all__ = ["ClubSessions"]

SHOWN = 3
FREE_TEXT_STEPS = {
    "title": "sessions.ask_title",
    "activity": "sessions.ask_activity",
    "day": "sessions.ask_day",
    "start": "sessions.ask_start",
    "end": "sessions.ask_end",
    "place": "sessions.ask_place",
    "postcode": "sessions.ask_postcode",
}
NEXT_STEP = {
    "title": "activity",
    "activity": "day",
    "day": "start",
    "start": "end",
    "end": "place",
    "place": "postcode",
    "postcode": "confirm",
}


class ClubSessions(Flow):
    name = "club_sessions"
    first_step = "menu"
    roles = frozenset({"coordinator"})

    def question(self, ctx: Context, step: str) -> Question:
        if step == "menu":
            return Question(
                (text("sessions.menu"),),
                text("sessions.menu"),
                (
                    choice("add_session", "➕"),
                    choice("change_session", "✏️"),
                    choice("remind_session", "📣"),
                ),
            )
        if step == "pick":
            return Question(
                (text("sessions.pick_hint"), text("sessions.pick")),
                text("sessions.pick"),
                self._upcoming(ctx),
                words_too=True,
                whole_labels=True,
            )
        if step == "what":
            return Question(
                (text("sessions.what"),),
                text("sessions.what"),
                (choice("new_time", "🕒"), choice("new_place", "📍"), choice("cancel_it", "🚫")),
            )
        if step == "often":
            day = date.fromisoformat(ctx.data["day"])
            weekday = text(f"weekday.{day.weekday()}")
            which = text(f"ordinal.{_nth(day)}")
            return Question(
                (text("sessions.ask_often"),),
                text("sessions.ask_often"),
                (
                    choice("only_once", "1️⃣"),
                    choice("every_week", "🔁", weekday=weekday),
                    choice("every_month", "🗓️", which=which, weekday=weekday),
                ),
            )
        if step in FREE_TEXT_STEPS:
            key = FREE_TEXT_STEPS[step]
            return Question((text(key),), text(key))
        if step == "confirm":
            confirm = text(f"sessions.confirm_{self._doing(ctx)}")
            return Question((*self._summary(ctx), confirm), confirm, (yes_choice(), no_choice()))
        raise KeyError(step)

    def _upcoming(self, ctx: Context) -> tuple[Choice, ...]:
        """The next few sessions, or those on the day the coordinator typed."""
        snapshot = ctx.snapshot
        coming = self._coming(ctx)
        if "on_day" in ctx.data:
            coming = [s for s in coming if self._local_day(ctx, s) == ctx.data["on_day"]]
        return tuple(
            Choice(f"pick_{s.id}", text("sessions.label", **session_params(s, snapshot)), "📅")
            for s in coming[:SHOWN]
        )

    @staticmethod
    def _coming(ctx: Context) -> list[SessionView]:
        snapshot = ctx.snapshot
        return [s for s in snapshot.sessions if not s.cancelled and s.starts_at > snapshot.now]

    @staticmethod
    def _local_day(ctx: Context, session: SessionView) -> str:
        return session.starts_at.astimezone(ctx.snapshot.zone).date().isoformat()

    def _typed_pick(self, ctx: Context, typed: str) -> Turn:
        """A session further ahead than the buttons show, by its date."""
        try:
            day = self._day(ctx, typed).isoformat()
        except SessionProblem as problem:
            return Turn(say=[problem.words], retry=True)
        that_day = [s for s in self._coming(ctx) if self._local_day(ctx, s) == day]
        if not that_day:
            return Turn(say=[text("sessions.none_that_day")], retry=True)
        if len(that_day) > 1:
            ctx.data["on_day"] = day
            return Turn(next=Goto(self.name, "pick"))
        ctx.data["session"] = that_day[0].id
        return self._picked(ctx)

    def _chosen(self, ctx: Context) -> SessionView:
        found = ctx.snapshot.session(ctx.data["session"])
        if found is None:
            raise LookupError("that session is no longer in the calendar")
        return found

    def _doing(self, ctx: Context) -> str:
        """The action, with adding a series told apart from adding one session."""
        return "add_series" if self._rule(ctx) is not None else str(ctx.data["action"])

    def _summary(self, ctx: Context) -> tuple[Text, ...]:
        data = ctx.data
        if data["action"] in {"cancel", "remind"}:
            return (text("sessions.about", **session_params(self._chosen(ctx), ctx.snapshot)),)
        starts = datetime.fromisoformat(data["starts_at"])
        shown = SessionView(
            0,
            None,
            data["title"],
            data["activity"],
            data["place"],
            data["postcode"],
            starts,
            datetime.fromisoformat(data["ends_at"]),
        )
        about = text("sessions.about", **session_params(shown, ctx.snapshot))
        rule = self._rule(ctx)
        if rule is None:
            return (about,)
        weekday = text(f"weekday.{rule.weekday}")
        if rule.week_of_month is None:
            return about, text("sessions.repeats_weekly", weekday=weekday)
        which = text(f"ordinal.{rule.week_of_month}")
        return about, text("sessions.repeats_monthly", which=which, weekday=weekday)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        if step == "menu":
            if answer == "add_session":
                data["action"] = "add"
                return Turn(next=Goto(self.name, "title"))
            data["action"] = "change" if answer == "change_session" else "remind"
            if not self._upcoming(ctx):
                return Turn(say=[text("sessions.none")])
            return Turn(next=Goto(self.name, "pick"))
        if step == "pick":
            if answer.startswith(SAID):
                return self._typed_pick(ctx, answer.removeprefix(SAID))
            data["session"] = int(answer.removeprefix("pick_"))
            return self._picked(ctx)
        if step == "what":
            return self._what(ctx, answer)
        if step == "often":
            data["often"] = answer
            return Turn(next=Goto(self.name, "start"))
        if step == "confirm":
            if answer != "yes":
                return Turn(say=[text("sessions.nothing_changed")])
            return self._confirmed(ctx)
        return self._typed(ctx, step, answer)

    def _picked(self, ctx: Context) -> Turn:
        if ctx.data["action"] == "remind":
            return Turn(next=Goto(self.name, "confirm"))
        return Turn(next=Goto(self.name, "what"))

    def _what(self, ctx: Context, answer: str) -> Turn:
        session = self._chosen(ctx)
        data = ctx.data
        data.update(
            title=session.title,
            activity=session.activity,
            place=session.place,
            postcode=session.postcode,
            starts_at=session.starts_at.isoformat(),
            ends_at=session.ends_at.isoformat(),
        )
        if answer == "cancel_it":
            data["action"] = "cancel"
            return Turn(next=Goto(self.name, "confirm"))
        data["only"] = "time" if answer == "new_time" else "place"
        return Turn(next=Goto(self.name, "day" if answer == "new_time" else "place"))

    def _typed(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        try:
            if step == "title":
                data["title"] = answer.strip()[:80]
            elif step == "activity":
                data["activity"] = self._activity(ctx, answer)
            elif step == "day":
                data["day"] = self._day(ctx, answer).isoformat()
            elif step == "start":
                data["start"] = self._start(ctx, answer).isoformat()
            elif step == "end":
                data["end"] = self._clock(answer).isoformat()
                self._set_times(ctx)
            elif step == "place":
                data["place"] = answer.strip()[:80]
            else:
                data["postcode"] = normalise_postcode(answer)
        except NotThen as problem:  # the day may be what is wrong: ask from there again
            return Turn(say=[problem.words], next=Goto(self.name, "day"))
        except SessionProblem as problem:
            return Turn(say=[problem.words], retry=True)
        following = NEXT_STEP[step]
        if step == "day" and data["action"] == "add":
            following = "often"
        if data.get("only") == "time" and step == "end":
            following = "confirm"
        if data.get("only") == "place" and step == "postcode":
            following = "confirm"
        return Turn(next=Goto(self.name, following))

    def _activity(self, ctx: Context, typed: str) -> str:
        wanted = typed.strip().lower()
        for key in ctx.snapshot.activities:
            if wanted in {key, key.rstrip("s")} or key.startswith(wanted[:4]):
                return key
        raise SessionProblem("activity")

    def _day(self, ctx: Context, typed: str) -> date:
        """A day to come: a past one is refused here, where it can be typed again."""
        today = ctx.snapshot.now.astimezone(ctx.snapshot.zone).date()
        found = read_day(typed, today)
        if found is None:
            raise SessionProblem("date")
        if found < today:
            raise SessionProblem("passed")
        return found

    def _start(self, ctx: Context, typed: str) -> time:
        """A start still to come, refused at this step (not after the end is typed)."""
        start = self._clock(typed)
        day = date.fromisoformat(ctx.data["day"])
        if at_local(day, start, ctx.snapshot.zone) <= ctx.snapshot.now:
            raise NotThen("passed")
        return start

    @staticmethod
    def _clock(typed: str) -> time:
        found = read_clock(typed)
        if found is None:
            raise SessionProblem("clock")
        return found

    def _set_times(self, ctx: Context) -> None:
        """The first meeting's moments; a series must not meet when another one does."""
        data = ctx.data
        zone = ctx.snapshot.zone
        day = date.fromisoformat(data["day"])
        starts = at_local(day, time.fromisoformat(data["start"]), zone)
        ends = at_local(day, time.fromisoformat(data["end"]), zone)
        check_one_off(starts, ends, ctx.snapshot.now)
        if data["action"] == "change":
            self._check_not_on_a_sibling(ctx, starts)
        data["starts_at"], data["ends_at"] = starts.isoformat(), ends.isoformat()
        rule = self._rule(ctx)
        if rule is not None:
            check_series(rule, [(series.title, series.rule) for series in ctx.snapshot.series])

    def _check_not_on_a_sibling(self, ctx: Context, starts: datetime) -> None:
        """A series meeting moved onto another meeting of its series would be the same one."""
        moving = self._chosen(ctx)
        for other in ctx.snapshot.sessions:
            same_series = moving.series_id is not None and other.series_id == moving.series_id
            if same_series and other.id != moving.id and other.starts_at == starts:
                raise NotThen("taken", title=moving.title)

    def _rule(self, ctx: Context) -> SeriesRule | None:
        """How a series being added meets, from its first day; None for a single session."""
        data = ctx.data
        often = data.get("often", "only_once")
        if data["action"] != "add" or often == "only_once":
            return None
        day = date.fromisoformat(data["day"])
        nth = _nth(day) if often == "every_month" else None
        start, end = time.fromisoformat(data["start"]), time.fromisoformat(data["end"])
        return SeriesRule(day.weekday(), nth, start, end, day)

    def _confirmed(self, ctx: Context) -> Turn:
        data = ctx.data
        action = data["action"]
        if action == "remind":
            return Turn(say=[text("sessions.reminding")], changes=[RemindNow(data["session"])])
        if action == "cancel":
            return Turn(say=[text("sessions.cancelled")], changes=[CancelSession(data["session"])])
        starts = datetime.fromisoformat(data["starts_at"])
        ends = datetime.fromisoformat(data["ends_at"])
        rule = self._rule(ctx)
        if rule is not None:
            series = AddSeries(
                data["title"], data["activity"], data["place"], data["postcode"], rule
            )
            return Turn(say=[text("sessions.added_series")], changes=[series])
        if action == "add":
            change = AddSession(
                data["title"], data["activity"], data["place"], data["postcode"], starts, ends
            )
            return Turn(say=[text("sessions.added")], changes=[change])
        changed = ChangeSession(data["session"], starts, ends, data["place"], data["postcode"])
        return Turn(say=[text("sessions.changed")], changes=[changed])


def _nth(day: date) -> int:
    """Which of its month's weekdays `day` is: 1 to 4, or the last (a fifth is the last)."""
    nth = week_of_month(day)
    return LAST_WEEK if nth == 5 else nth
