"""The conversation engine, its flows and the words it speaks. Knows no channel and does no
network I/O; imports nothing else of the project.

What the rest of the club uses, and nothing more:

- the engine (`Engine.handle` for what a person sends, `Engine.start` for what the club
  starts: a `Trigger`) and its plain data (`Input`, `Reply`, `Snapshot`, `Position`);
- the changes it asks to be recorded (`Change` and each kind);
- the message catalogue (`Catalogue`: every text a person sees, in every language);
- the club's calendar rules and the checks shared by chat and command line (dates,
  sessions, UK phone numbers, names, text-message parts).
"""

from conversations.calendar import SeriesRule, at_local, occurrences
from conversations.catalogue import MESSAGES, Catalogue, LanguageInfo
from conversations.changes import (
    AddSeries,
    AddSession,
    AnswerPoll,
    CancelSession,
    Change,
    ChangeRole,
    ChangeSession,
    Erase,
    MakeReport,
    MarkAttendance,
    RefuseConsent,
    Register,
    RemindNow,
    RequestHelp,
    SendNotice,
    SetDays,
    SetFeedback,
    SetLanguage,
    SetPreference,
    SetReminderTiming,
    SetSessionAnswer,
    StartPoll,
)
from conversations.digits import read_number, western_digits
from conversations.engine import IDLE, Engine, Outcome
from conversations.flows import ACTIVITY_EMOJI, all_flows
from conversations.languages import newcomer_language
from conversations.model import (
    HELP_CHOICE,
    Choice,
    Hint,
    Input,
    InputKind,
    Meaning,
    Moment,
    PartsOf,
    Reply,
    Text,
    text,
)
from conversations.names import clean_name
from conversations.phones import PhoneProblem, read_uk_phone
from conversations.session_rules import (
    SessionProblem,
    check_one_off,
    check_series,
    normalise_postcode,
)
from conversations.sms_segments import GSM7, GSM7_EXTENDED, in_gsm7_letters, is_gsm7, segments
from conversations.snapshot import PersonView, Position, SeriesView, SessionView, Snapshot
from conversations.triggers import (
    Broadcast,
    FeedbackAsked,
    PollAsked,
    ReminderSent,
    SessionNotice,
    Trigger,
)
from conversations.understanding import match_choice, normalise
from conversations.when import when_params

__all__ = [
    "ACTIVITY_EMOJI",
    "GSM7",
    "GSM7_EXTENDED",
    "HELP_CHOICE",
    "IDLE",
    "MESSAGES",
    "AddSeries",
    "AddSession",
    "AnswerPoll",
    "Broadcast",
    "CancelSession",
    "Catalogue",
    "Change",
    "ChangeRole",
    "ChangeSession",
    "Choice",
    "Engine",
    "Erase",
    "FeedbackAsked",
    "Hint",
    "Input",
    "InputKind",
    "LanguageInfo",
    "MakeReport",
    "MarkAttendance",
    "Meaning",
    "Moment",
    "Outcome",
    "PartsOf",
    "PersonView",
    "PhoneProblem",
    "PollAsked",
    "Position",
    "RefuseConsent",
    "Register",
    "RemindNow",
    "ReminderSent",
    "Reply",
    "RequestHelp",
    "SendNotice",
    "SeriesRule",
    "SeriesView",
    "SessionNotice",
    "SessionProblem",
    "SessionView",
    "SetDays",
    "SetFeedback",
    "SetLanguage",
    "SetPreference",
    "SetReminderTiming",
    "SetSessionAnswer",
    "Snapshot",
    "StartPoll",
    "Text",
    "Trigger",
    "all_flows",
    "at_local",
    "check_one_off",
    "check_series",
    "clean_name",
    "in_gsm7_letters",
    "is_gsm7",
    "match_choice",
    "newcomer_language",
    "normalise",
    "normalise_postcode",
    "occurrences",
    "read_number",
    "read_uk_phone",
    "segments",
    "text",
    "western_digits",
    "when_params",
]
