"""What a conversation asks to be recorded. The engine returns these; `bot/` applies them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.calendar import SeriesRule

__all__ = [
    "AddSeries",
    "AddSession",
    "AnswerPoll",
    "CancelSession",
    "Change",
    "ChangeRole",
    "ChangeSession",
    "Erase",
    "MakeReport",
    "MarkAttendance",
    "RefuseConsent",
    "Register",
    "RemindNow",
    "RequestHelp",
    "SendNotice",
    "SetDays",
    "SetFeedback",
    "SetLanguage",
    "SetPreference",
    "SetReminderTiming",
    "SetSessionAnswer",
    "StartPoll",
]


@dataclass(frozen=True)
class Register:
    """A newcomer gave consent: create them (and the members a carer named)."""

    role: str
    name: str
    member_names: tuple[str, ...]
    channels: tuple[str, ...]
    phone: str | None
    phone_is_landline: bool
    spoken: bool
    language: str


@dataclass(frozen=True)
class RefuseConsent:
    """Only the fact of a refusal is kept."""


@dataclass(frozen=True)
class SetPreference:
    person_id: int
    activity: str
    answer: str


@dataclass(frozen=True)
class SetDays:
    person_id: int
    series_id: int
    comes: bool


@dataclass(frozen=True)
class SetLanguage:
    """The language messages come in, for a person and the members a carer cares for."""

    person_ids: tuple[int, ...]
    language: str


@dataclass(frozen=True)
class SetReminderTiming:
    person_id: int
    timing: str


@dataclass(frozen=True)
class SetSessionAnswer:
    """coming, not_coming or need_help (the coordinator is then told about a lift)."""

    session_id: int
    person_id: int
    answer: str


@dataclass(frozen=True)
class RequestHelp:
    """Someone wants to talk to a person; `where` says which question they were on."""

    where: str
    kind: str = "talk"
    attachment: str = ""
    """A channel's reference to what the person sent, such as a voice message."""


@dataclass(frozen=True)
class AddSession:
    """A one-off session added by the coordinator."""

    title: str
    activity: str
    place: str
    postcode: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AddSeries:
    """Regular sessions added by the coordinator: weekly, or monthly on the nth weekday."""

    title: str
    activity: str
    place: str
    postcode: str
    rule: SeriesRule


@dataclass(frozen=True)
class ChangeSession:
    session_id: int
    starts_at: datetime
    ends_at: datetime
    place: str
    postcode: str


@dataclass(frozen=True)
class CancelSession:
    session_id: int


@dataclass(frozen=True)
class RemindNow:
    session_id: int


@dataclass(frozen=True)
class SendNotice:
    """A coordinator's notice, to go through the outbox to everyone in `audience`: in the
    quiet hours it waits for the morning, unless the coordinator marked it `urgent`."""

    words: str
    audience: str
    activity: str | None
    voice: str | None
    urgent: bool = False


@dataclass(frozen=True)
class SetFeedback:
    """One part of how a session was: face, what was enjoyed, a comment, or consent to be
    named with it. `carer_helped` says a carer answered for the member."""

    session_id: int
    person_id: int
    carer_helped: bool
    part: str
    value: str | None


@dataclass(frozen=True)
class MarkAttendance:
    session_id: int
    person_id: int
    came: bool


@dataclass(frozen=True)
class ChangeRole:
    person_id: int
    role: str
    granted: bool


@dataclass(frozen=True)
class StartPoll:
    """Ask everyone which of these activities they would like next month."""

    activities: tuple[str, ...]


@dataclass(frozen=True)
class AnswerPoll:
    poll_id: int
    person_id: int
    activity: str | None
    suggestion: str | None


@dataclass(frozen=True)
class MakeReport:
    """The committee's report, to be sent to whoever asked once it is made."""


@dataclass(frozen=True)
class Erase:
    person_ids: tuple[int, ...]


Change = (
    Register
    | RefuseConsent
    | SetPreference
    | SetDays
    | SetLanguage
    | SetReminderTiming
    | SetSessionAnswer
    | RequestHelp
    | AddSession
    | AddSeries
    | ChangeSession
    | CancelSession
    | RemindNow
    | SendNotice
    | SetFeedback
    | MarkAttendance
    | ChangeRole
    | StartPoll
    | AnswerPoll
    | MakeReport
    | Erase
)
