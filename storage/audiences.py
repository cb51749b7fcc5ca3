"""Who a notice goes to: everyone, members and carers, volunteers, the people coming to
the next session, or the people who enjoy an activity."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, Person, PersonRole, Preference
from storage.sessions import SessionsRepository

__all__ = ["AUDIENCES", "audience"]

AUDIENCES = ("everyone", "members_carers", "volunteers", "next_session", "activity")
LOOK_AHEAD = timedelta(days=35)


async def audience(
    session: AsyncSession, name: str, now: datetime, activity: str | None = None
) -> list[Person]:
    """The people in a group, each once, in a steady order."""
    if name == "everyone":
        query = select(Person)
    elif name in {"members_carers", "volunteers"}:
        roles = ["member", "carer"] if name == "members_carers" else ["volunteer"]
        query = select(Person).join(PersonRole).where(PersonRole.role.in_(roles))
    elif name == "activity":
        query = (
            select(Person)
            .join(Preference, Preference.person_id == Person.id)
            .join(Activity, Activity.id == Preference.activity_id)
            .where(Activity.key == activity, Preference.answer == "yes")
        )
    elif name == "next_session":
        return await _next_session(session, now)
    else:
        raise ValueError(f"no audience called {name!r}")
    found = await session.scalars(query.order_by(Person.id))
    return list(dict.fromkeys(found))


async def _next_session(session: AsyncSession, now: datetime) -> list[Person]:
    sessions = SessionsRepository(session)
    coming = await sessions.between(now, now + LOOK_AHEAD)
    if not coming:
        return []
    meeting = coming[0]
    answers = await sessions.answers(meeting.id)
    regulars = await sessions.comers(meeting)
    chosen = [p for p in regulars if answers.get(p.id) != "not_coming"]
    extra_ids = [pid for pid, answer in answers.items() if answer != "not_coming"]
    known = {p.id for p in chosen}
    for person_id in extra_ids:
        if person_id not in known:
            person = await session.get(Person, person_id)
            if person is not None:
                chosen.append(person)
    return chosen
