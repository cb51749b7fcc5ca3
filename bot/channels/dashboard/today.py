"""Today: the club's next sessions, and for each who is coming, who is not, who needs
help getting there (with who asked and their phone), and who has not answered yet: a
list to phone, with the numbers. A member's carer may have answered for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased
from starlette.requests import Request
from starlette.responses import Response

from bot.channels.dashboard.guard import Form
from bot.channels.dashboard.site import Site, Visitor, page
from bot.service.views import aware
from conversations import when_params
from storage import UnitOfWork
from storage.models import ClubSession, Person, SessionAnswer

__all__ = ["Meeting", "Someone", "Today", "next_meetings"]

LOOK_AHEAD = timedelta(days=7)
MOST_SESSIONS = 3


@dataclass(frozen=True)
class Someone:
    name: str
    phone: str | None
    asked_by: str | None = None
    """Who answered, when it was not the person themselves (their carer)."""
    asked_by_phone: str | None = None


@dataclass
class Meeting:
    id: int
    title: str
    place: str
    postcode: str
    when: Mapping[str, object]
    answers: dict[str, list[Someone]] = field(default_factory=dict)

    def of(self, answer: str) -> list[Someone]:
        return self.answers.get(answer, [])


async def _meeting(uow: UnitOfWork, session: ClubSession, zone: ZoneInfo) -> Meeting:
    when = dict(when_params(aware(session.starts_at), zone))
    meeting = Meeting(session.id, session.title, session.place, session.postcode, when)
    by = aliased(Person)
    query = (
        select(SessionAnswer.answer, Person.name, Person.phone, by.name, by.phone)
        .join(Person, Person.id == SessionAnswer.person_id)
        .outerjoin(
            by,
            (by.id == SessionAnswer.answered_by_id) & (by.id != SessionAnswer.person_id),
        )
        .where(SessionAnswer.session_id == session.id)
        .order_by(Person.name, Person.id)
    )
    for answer, name, phone, by_name, by_phone in (await uow.session.execute(query)).all():
        meeting.answers.setdefault(answer, []).append(Someone(name, phone, by_name, by_phone))
    meeting.answers["none"] = [Someone(n, p) for n, p in await uow.sessions.unanswered(session)]
    return meeting


async def next_meetings(site: Site, zone: ZoneInfo) -> list[Meeting]:
    """The next few sessions within a week, with their answers."""
    now = site.clock()
    async with site.units() as uow:
        sessions = await uow.sessions.between(now - timedelta(hours=3), now + LOOK_AHEAD)
        return [await _meeting(uow, s, zone) for s in sessions[:MOST_SESSIONS]]


class Today:
    def __init__(self, site: Site) -> None:
        self._site = site

    async def show(self, _request: Request, visitor: Visitor, _form: Form) -> Response:
        meetings = await next_meetings(self._site, self._site.zone)
        return page(self._site, "today.html", visitor, meetings=meetings, here="today")
