"""The club's starting data: its activities, and for local mode a demo club to try."""

from __future__ import annotations

from datetime import date, time

from storage import UnitOfWork
from storage.models import Person, SessionSeries

__all__ = ["ACTIVITIES", "seed_activities", "seed_demo_club"]

ACTIVITIES = (
    "music",
    "art",
    "gardening",
    "crafts",
    "meals",
    "outings",
    "movement",
    "memories",
)
DEMO_COORDINATOR = "coordinator"


async def seed_activities(uow: UnitOfWork) -> None:
    """Add any of the standard activities the club does not have yet."""
    known = {activity.key for activity in await uow.club.activities()}
    for key in ACTIVITIES:
        if key not in known:
            await uow.club.add_activity(key)


async def seed_demo_club(uow: UnitOfWork, today: date) -> bool:
    """Two weekly sessions, a monthly Sunday Crafternoon and a coordinator; once only."""
    if await uow.club.series():
        return False
    hall = {"place": "Norwood Community Hall", "postcode": "SE27 9JU", "first_day": today}
    await uow.club.add_series(
        SessionSeries(
            title="Tuesday Club",
            activity_key="music",
            weekday=1,
            week_of_month=None,
            start_time=time(13, 30),
            end_time=time(15, 30),
            **hall,
        )
    )
    await uow.club.add_series(
        SessionSeries(
            title="Thursday Club",
            activity_key="art",
            weekday=3,
            week_of_month=None,
            start_time=time(10, 30),
            end_time=time(12, 30),
            **hall,
        )
    )
    await uow.club.add_series(
        SessionSeries(
            title="Crafternoon",
            activity_key="crafts",
            weekday=6,
            week_of_month=1,
            start_time=time(14, 0),
            end_time=time(16, 30),
            **hall,
        )
    )
    coordinator = Person(
        name="Sam", console_name=DEMO_COORDINATOR, channels="console", consent_given_by_name="Sam"
    )
    await uow.people.add(coordinator, ["coordinator"])
    return True
