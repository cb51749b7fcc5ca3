"""The committee's report as typed figures, gathered once and rendered many ways.

Every renderer (text, CSV, HTML, PNG) reads only this, so the figures agree across them
and tests can check the numbers without parsing any output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.report.period import Period

__all__ = [
    "FACES",
    "ActivityFeedback",
    "Attendance",
    "ChoosingTogether",
    "Comment",
    "Count",
    "FaceCounts",
    "FeedbackSplit",
    "Report",
    "Requests",
    "SessionFigures",
    "Unreachable",
    "Wanted",
]

FACES = ("happy", "unsure", "unhappy")


@dataclass(frozen=True)
class Count:
    """One labelled number: a language, a role, an activity enjoyed most."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class FaceCounts:
    """The three faces, and "skip" kept apart so shares are of real answers."""

    happy: int = 0
    unsure: int = 0
    unhappy: int = 0
    skipped: int = 0

    @property
    def answered(self) -> int:
        return self.happy + self.unsure + self.unhappy

    def of(self, face: str) -> int:
        return int(getattr(self, face))

    def share(self, face: str) -> float:
        """The part of answers with this face, 0 to 1 (0 when nobody answered)."""
        return self.of(face) / self.answered if self.answered else 0.0

    def __add__(self, other: FaceCounts) -> FaceCounts:
        return FaceCounts(
            self.happy + other.happy,
            self.unsure + other.unsure,
            self.unhappy + other.unhappy,
            self.skipped + other.skipped,
        )


@dataclass(frozen=True)
class FeedbackSplit:
    """Faces given by members alone and with a carer's help (Feedback.carer_helped)."""

    alone: FaceCounts = field(default_factory=FaceCounts)
    with_carer: FaceCounts = field(default_factory=FaceCounts)

    @property
    def all(self) -> FaceCounts:
        return self.alone + self.with_carer

    def __add__(self, other: FeedbackSplit) -> FeedbackSplit:
        return FeedbackSplit(self.alone + other.alone, self.with_carer + other.with_carer)


@dataclass(frozen=True)
class SessionFigures:
    """One session held: who said they were coming, who came, and how it felt."""

    session_id: int
    title: str
    activity_key: str
    activity: str
    place: str
    starts_at: datetime
    """In the club's own zone."""
    said_coming: int
    said_not_coming: int
    marked: bool
    """Whether attendance was taken; without it "came" is unknown, not zero."""
    came: int
    came_as_said: int
    feedback: FeedbackSplit


@dataclass(frozen=True)
class Attendance:
    """Totals over the sessions where attendance was taken."""

    sessions_marked: int
    said_coming: int
    came: int
    came_as_said: int
    """Said "coming" and came."""
    said_coming_stayed_away: int
    came_without_saying: int

    @property
    def kept_share(self) -> float:
        """How often "coming" meant coming, 0 to 1."""
        return self.came_as_said / self.said_coming if self.said_coming else 0.0


@dataclass(frozen=True)
class ActivityFeedback:
    activity_key: str
    activity: str
    sessions: int
    feedback: FeedbackSplit


@dataclass(frozen=True)
class Wanted:
    """Talking Mats answers for one activity, as they stood at the end of each period."""

    activity_key: str
    activity: str
    yes: int
    unsure: int
    no: int
    yes_before: int
    """"Yes" answers as they stood at the end of the previous period."""

    @property
    def change(self) -> int:
        return self.yes - self.yes_before


@dataclass(frozen=True)
class ChoosingTogether:
    """A "choosing together" poll's results, filled once its table exists (see gather)."""

    question: str
    choices: tuple[Count, ...]
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Requests:
    talk: int = 0
    lift: int = 0
    voice_note: int = 0
    other: int = 0
    not_handled: int = 0

    @property
    def total(self) -> int:
        return self.talk + self.lift + self.voice_note + self.other


@dataclass(frozen=True)
class Comment:
    session: str
    day: datetime
    who: str
    """The person's name only when they agreed to be named, otherwise "a member"."""
    face: str | None
    carer_helped: bool
    words: str


@dataclass(frozen=True)
class Unreachable:
    """A person a channel could not reach: for good (a channel state) or messages failed."""

    person_id: int
    name: str
    channel: str
    reason: str
    failed_messages: int
    for_good: bool
    since: datetime | None


@dataclass(frozen=True)
class Report:
    club_name: str
    period: Period
    previous: Period
    made_at: datetime
    sessions: tuple[SessionFigures, ...]
    cancelled: int
    attendance: Attendance
    feedback: FeedbackSplit
    by_activity: tuple[ActivityFeedback, ...]
    enjoyed_most: tuple[Count, ...]
    wanted: tuple[Wanted, ...]
    requests: Requests
    comments: tuple[Comment, ...]
    unreachable: tuple[Unreachable, ...]
    languages: tuple[Count, ...]
    roles: tuple[Count, ...]
    choosing: tuple[ChoosingTogether, ...] = ()
    """Empty until the "choosing together" flow stores its polls; renderers say so."""
    choosing_recorded: bool = False

    @property
    def no_sessions(self) -> bool:
        return not self.sessions

    @property
    def anyone_answered(self) -> bool:
        """Whether any Talking Mats answers exist yet, now or before."""
        return any(w.yes or w.unsure or w.no or w.yes_before for w in self.wanted)

    @property
    def people(self) -> int:
        return sum(language.count for language in self.languages)
