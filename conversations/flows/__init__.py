"""Every flow the club has, written once for all channels."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.flow import Flow
from conversations.flows.choosing import AskEveryone, PollAnswer, Report
from conversations.flows.club_sessions import ClubSessions
from conversations.flows.feedback import Feedback
from conversations.flows.language import LanguageChoice
from conversations.flows.menu import Help, Menu
from conversations.flows.my_data import ForgetMe, MyData
from conversations.flows.notice import Notice
from conversations.flows.people_admin import Attendance, Roles
from conversations.flows.preferences import ACTIVITY_EMOJI, Preferences
from conversations.flows.registration import Registration
from conversations.flows.reminder import Reminder
from conversations.languages import Language

__all__ = ["ACTIVITY_EMOJI", "all_flows"]


def all_flows(languages: Sequence[Language] = ()) -> dict[str, Flow]:
    """Every flow; with two or more `languages`, registration asks for one first."""
    flows: list[Flow] = [
        Registration(languages),
        LanguageChoice(languages),
        Preferences(),
        Menu(),
        Help(),
        MyData(),
        ForgetMe(),
        Reminder(),
        ClubSessions(),
        Notice(),
        Feedback(),
        Attendance(),
        Roles(),
        AskEveryone(),
        PollAnswer(),
        Report(),
    ]
    return {flow.name: flow for flow in flows}
