"""The conversation engine and its flows. Knows no channel and does no network I/O."""

from conversations.changes import (
    Change,
    Erase,
    RefuseConsent,
    Register,
    RequestHelp,
    SetDays,
    SetPreference,
    SetReminderTiming,
    SetSessionAnswer,
)
from conversations.engine import IDLE, Engine, Outcome
from conversations.flows import ACTIVITY_EMOJI, all_flows
from conversations.model import HELP_CHOICE, Choice, Hint, Input, InputKind, Meaning, Reply, Text
from conversations.snapshot import PersonView, Position, SeriesView, SessionView, Snapshot

__all__ = [
    "ACTIVITY_EMOJI",
    "HELP_CHOICE",
    "IDLE",
    "Change",
    "Choice",
    "Engine",
    "Erase",
    "Hint",
    "Input",
    "InputKind",
    "Meaning",
    "Outcome",
    "PersonView",
    "Position",
    "RefuseConsent",
    "Register",
    "Reply",
    "RequestHelp",
    "SeriesView",
    "SessionView",
    "SetDays",
    "SetPreference",
    "SetReminderTiming",
    "SetSessionAnswer",
    "Snapshot",
    "Text",
    "all_flows",
]
