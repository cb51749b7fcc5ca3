"""Every flow the club has, written once for all channels."""

from __future__ import annotations

from conversations.flow import Flow
from conversations.flows.club_sessions import ClubSessions
from conversations.flows.menu import Help, Menu
from conversations.flows.my_data import ForgetMe, MyData
from conversations.flows.notice import Notice
from conversations.flows.preferences import ACTIVITY_EMOJI, Preferences
from conversations.flows.registration import Registration
from conversations.flows.reminder import Reminder

__all__ = ["ACTIVITY_EMOJI", "all_flows"]


def all_flows() -> dict[str, Flow]:
    flows: list[Flow] = [
        Registration(),
        Preferences(),
        Menu(),
        Help(),
        MyData(),
        ForgetMe(),
        Reminder(),
        ClubSessions(),
        Notice(),
    ]
    return {flow.name: flow for flow in flows}
