"""A club kept in dictionaries, for dialog tests of the engine alone (no database, no
channel): it takes the engine's `Snapshot` from what it holds, and applies the engine's
`changes` to it, as cosmicpython's fake unit of work stands in for storage.

It holds the demo club's shape (its activities and three series), a meeting that went
yesterday and the next ones, and a coordinator, Sam. `handle` and `start` are
`Dialogue.handle` and the composer's `Engine.start` without the storage: the position
kept, the changes applied and kept in `applied`, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.service.demo_club import ACTIVITIES
from conversations import (
    AddSeries,
    AddSession,
    AnswerPoll,
    Broadcast,
    CancelSession,
    Catalogue,
    Change,
    ChangeRole,
    ChangeSession,
    Engine,
    Erase,
    Input,
    InputKind,
    Outcome,
    PersonView,
    Position,
    Register,
    SeriesRule,
    SeriesView,
    SessionView,
    SetDays,
    SetLanguage,
    SetPreference,
    SetReminderTiming,
    SetSessionAnswer,
    Snapshot,
    StartPoll,
    Trigger,
    all_flows,
)

__all__ = ["CLUB_NAME", "COORDINATOR", "NOW", "MemoryClub"]

CLUB_NAME = "Healthy Living Club"
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
"""A Wednesday morning (London keeps UTC in winter)."""
COORDINATOR = "console:coordinator"
HALL = {"place": "Norwood Community Hall", "postcode": "SE27 9JU"}
CATALOGUE = Catalogue.load()
ENGINE = Engine(all_flows(CATALOGUE.language_list()), CATALOGUE.vocabulary, CATALOGUE.label)


def _series() -> tuple[SeriesView, ...]:
    first = date(2026, 1, 1)
    return (
        SeriesView(1, "Tuesday Club", SeriesRule(1, None, time(13, 30), time(15, 30), first)),
        SeriesView(2, "Thursday Club", SeriesRule(3, None, time(10, 30), time(12, 30), first)),
        SeriesView(3, "Crafternoon", SeriesRule(6, 1, time(14, 0), time(16, 30), first)),
    )


def _meeting(id_: int, series: int, title: str, activity: str, start: datetime) -> SessionView:
    hours = start.replace(hour=start.hour + 2)
    return SessionView(id_, series, title, activity, HALL["place"], HALL["postcode"], start, hours)


def _sessions() -> dict[int, SessionView]:
    return {
        1: _meeting(1, 1, "Tuesday Club", "music", datetime(2026, 12, 1, 13, 30, tzinfo=UTC)),
        2: _meeting(2, 2, "Thursday Club", "art", datetime(2026, 12, 3, 10, 30, tzinfo=UTC)),
        3: _meeting(3, 3, "Crafternoon", "crafts", datetime(2026, 12, 6, 14, 0, tzinfo=UTC)),
    }


@dataclass
class MemoryClub:
    """What the club knows, in memory; people are `PersonView`s, replaced when changed."""

    people: dict[int, PersonView] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)
    cared_for: dict[int, list[int]] = field(default_factory=dict)
    """Carer to the members they care for."""
    positions: dict[str, Position] = field(default_factory=dict)
    sessions: dict[int, SessionView] = field(default_factory=_sessions)
    series: tuple[SeriesView, ...] = field(default_factory=_series)
    answers: dict[int, dict[int, str]] = field(default_factory=dict)
    applied: list[Change] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)
    """Every word people typed or the club sent in its own words (a broadcast)."""
    erased: dict[str, PersonView] = field(default_factory=dict)
    """Who was forgotten at each address, as they were."""
    now: datetime = NOW

    def __post_init__(self) -> None:
        self.add("Sam", COORDINATOR, roles=("coordinator",))

    # ----------------------------------------------------------------- people

    def add(
        self, name: str, address: str, roles: Iterable[str] = ("member",), **details: object
    ) -> PersonView:
        """Someone the club knows already, reachable at `address`."""
        person_id = max(self.people, default=0) + 1
        channel = address.partition(":")[0]
        view = PersonView(person_id, name, frozenset(roles), (channel,), **details)  # type: ignore[arg-type]
        self.people[person_id] = view
        self.addresses[address] = person_id
        return view

    def speaks(self, address: str, language: str) -> None:
        """The person at `address` reads `language`."""
        self._change(self.addresses[address], language=language)

    def person(self, address: str) -> PersonView | None:
        found = self.addresses.get(address)
        return None if found is None else self.people.get(found)

    # ---------------------------------------------------------------- the engine

    def snapshot(self, address: str) -> Snapshot:
        channel, _, handle = address.partition(":")
        person = self.person(address)
        members = tuple(self.people[m] for m in self.cared_for.get(person.id, [])) if person else ()
        coordinator = person is not None and "coordinator" in person.roles
        everyone = tuple(self.people.values())
        return Snapshot(
            channel=channel,
            club_name=CLUB_NAME,
            person=person,
            members=members,
            activities=ACTIVITIES,
            series=self.series,
            phone=handle if channel in {"sms", "voice"} else None,
            sessions=tuple(sorted(self.sessions.values(), key=lambda s: s.starts_at)),
            now=self.now,
            zone=LONDON,
            audience_counts={"everyone": len(everyone), "members_carers": len(everyone)},
            activity_counts={
                a: sum(p.preferences.get(a) == "yes" for p in everyone) for a in ACTIVITIES
            },
            directory=everyone if coordinator else (),
            session_answers=self.answers if coordinator else {},
        )

    def given_words(self) -> set[str]:
        """Words the club holds as they were given, in no language of its own, and each
        language's name in itself ("English" among the languages to choose from)."""
        people = [p.name for p in (*self.people.values(), *self.erased.values())]
        places = [w for s in self.sessions.values() for w in (s.title, s.place, s.postcode)]
        own_names = [info.own_name for info in CATALOGUE.info.values()]
        series = [s.title for s in self.series]
        return {CLUB_NAME, *people, *places, *series, *own_names, *self.typed}

    def handle(self, address: str, said: Input) -> Outcome:
        if said.kind is InputKind.TEXT:
            self.typed.append(said.value)
        before = self.positions.get(address)
        outcome = ENGINE.handle(self.snapshot(address), before, said)
        return self._record(address, outcome)

    def start(self, address: str, trigger: Trigger) -> Outcome:
        if isinstance(trigger, Broadcast):
            self.typed.append(trigger.words)
        before = self.positions.get(address)
        outcome = ENGINE.start(self.snapshot(address), before, trigger)
        return self._record(address, outcome)

    def _record(self, address: str, outcome: Outcome) -> Outcome:
        if outcome.position is not None:
            self.positions[address] = outcome.position
        for change in outcome.changes:
            self.applied.append(change)
            self._apply(address, change)
        return outcome

    # ------------------------------------------------------------ the changes

    def _apply(self, address: str, change: Change) -> None:
        """What storage would keep, as far as a later snapshot shows it."""
        match change:
            case Register():
                self._register(address, change)
            case SetPreference(person_id, activity, answer):
                held = self.people[person_id]
                preferences = {**held.preferences, activity: answer}
                self._change(person_id, preferences=preferences)
            case SetDays(person_id, series_id, comes):
                days = set(self.people[person_id].series_ids)
                days = days | {series_id} if comes else days - {series_id}
                self._change(person_id, series_ids=frozenset(days))
            case SetLanguage(person_ids, language):
                for person_id in person_ids:
                    self._change(person_id, language=language)
            case SetReminderTiming(person_id, timing):
                self._change(person_id, reminder_timing=timing)
            case SetSessionAnswer(session_id, person_id, answer):
                self.answers.setdefault(session_id, {})[person_id] = answer
            case ChangeRole(person_id, role, granted):
                roles = set(self.people[person_id].roles)
                self._change(
                    person_id, roles=frozenset(roles | {role} if granted else roles - {role})
                )
            case Erase(person_ids):
                self._erase(address, person_ids)
            case _:
                self._apply_to_calendar(change)

    def _apply_to_calendar(self, change: Change) -> None:
        match change:
            case AddSession():
                new_id = max(self.sessions) + 1
                self.sessions[new_id] = SessionView(
                    new_id,
                    None,
                    change.title,
                    change.activity,
                    change.place,
                    change.postcode,
                    change.starts_at,
                    change.ends_at,
                )
            case ChangeSession(session_id, starts_at, ends_at, place, postcode):
                moved = replace(
                    self.sessions[session_id],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    place=place,
                    postcode=postcode,
                )
                self.sessions[session_id] = moved
            case CancelSession(session_id):
                self.sessions[session_id] = replace(self.sessions[session_id], cancelled=True)
            case AddSeries(title, _activity, _place, _postcode, rule):
                self.series = (*self.series, SeriesView(len(self.series) + 1, title, rule))
            case StartPoll() | AnswerPoll():
                pass  # kept in `applied`: the report reads them, no snapshot does
            case _:
                pass  # help requests, notices, reminders now, feedback, reports: `applied`

    def _change(self, person_id: int, **values: object) -> None:
        self.people[person_id] = replace(self.people[person_id], **values)  # type: ignore[arg-type]

    def _register(self, address: str, change: Register) -> None:
        roles = (change.role,)
        details = {"language": change.language, "spoken": change.spoken}
        speaker = self.add(change.name, address, roles, phone=change.phone, **details)
        self._change(speaker.id, channels=change.channels, consent_by=change.name)
        for name in change.member_names:
            member_id = max(self.people) + 1
            self.people[member_id] = PersonView(
                member_id, name, frozenset({"member"}), carers=(change.name,), **details
            )  # type: ignore[arg-type]
            self.cared_for.setdefault(speaker.id, []).append(member_id)

    def _erase(self, address: str, person_ids: tuple[int, ...]) -> None:
        self.erased[address] = self.people[self.addresses[address]]
        for person_id in person_ids:
            self.people.pop(person_id, None)
            self.cared_for.pop(person_id, None)
        self.addresses = {a: p for a, p in self.addresses.items() if p not in person_ids}
        self.positions.pop(address, None)
