"""Today: the club's next sessions, and for each who is coming, who is not, who needs
help getting there (with who asked and their phone), and who has not answered yet: a
list to phone, with the numbers. A member's carer may have answered for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
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
    expected = {p.id: p for p in await uow.sessions.comers(session)}
    rows = (
        await uow.session.execute(
            select(SessionAnswer.person_id, SessionAnswer.answer, SessionAnswer.answered_by_id)
            .where(SessionAnswer.session_id == session.id)
            .order_by(SessionAnswer.answered_at)
        )
    ).all()
    named = {
        p.id: p
        for p in await uow.session.scalars(
            select(Person).where(Person.id.in_({r[0] for r in rows} | {r[2] for r in rows if r[2]}))
        )
    }
    for person_id, answer, by_id in rows:
        person = named.get(person_id)
        if person is None:
            continue
        expected.pop(person_id, None)
        by = named.get(by_id) if by_id not in (None, person_id) else None
        meeting.answers.setdefault(answer, []).append(
            Someone(person.name, person.phone, by.name if by else None, by.phone if by else None)
        )
    meeting.answers["none"] = [Someone(p.name, p.phone) for p in expected.values()]
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
