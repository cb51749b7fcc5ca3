"""Storage on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import UnitOfWork, UnitOfWorkFactory, migrate, open_database
from storage.models import (
    Activity,
    AttendanceRecord,
    AuditEntry,
    Base,
    Broadcast,
    CareLink,
    ChannelState,
    ClubSession,
    Feedback,
    HelpRequest,
    OutboxMessage,
    Person,
    PersonDay,
    PersonRole,
    Poll,
    PollAnswer,
    Preference,
    SessionAnswer,
    SessionSeries,
    SpeechClip,
    SpeechClipPerson,
)
from storage.models import Position as PositionRow


@pytest.fixture
async def database(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database with no tables, brought up to date by the migrations."""
    engine = open_database(empty_database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def units(database: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(database)


async def place(
    uow: UnitOfWork, address: str, step: str, data: dict[str, Any], question_id: int
) -> None:
    """Keep `address` at `step` of registration, as the dialogue does after an input."""
    found = await uow.records.position(address)
    uow.records.place(found, address, None, "registration", step, data, question_id)


async def test_migrations_create_every_table_of_the_models(database: AsyncEngine) -> None:
    def look(connection: Connection) -> tuple[dict[str, set[str]], list[Any]]:
        inspector = inspect(connection)
        columns = {
            table: {column["name"] for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()
        }
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        return columns, differences

    async with database.connect() as connection:
        columns, differences = await connection.run_sync(look)

    assert set(columns) - {"alembic_version"} == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert columns[name] == {column.name for column in table.columns}, name
    assert differences == [], "the models and the migrations disagree"


async def test_migrating_twice_changes_nothing(database: AsyncEngine) -> None:
    await migrate(database)
    async with database.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert tables - {"alembic_version"} == set(Base.metadata.tables)


async def test_a_unit_of_work_keeps_nothing_unless_committed(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        await uow.people.add(Person(name="Ann", channels=""), ["member"])
    with pytest.raises(RuntimeError):
        async with units() as uow:
            await uow.people.add(Person(name="Bea", channels=""), ["member"])
            await uow.session.flush()
            raise RuntimeError("something went wrong half way")
    async with units() as uow:
        assert list(await uow.session.scalars(select(Person))) == []
        assert list(await uow.session.scalars(select(PersonRole))) == []

    async with units() as uow:
        await uow.people.add(Person(name="Cy", channels=""), ["member"])
        await uow.commit()
    async with units() as uow:
        assert [p.name for p in await uow.session.scalars(select(Person))] == ["Cy"]


async def test_positions_persist_and_never_expire(database_url: str) -> None:
    engine = open_database(database_url)
    await migrate(engine)
    units = UnitOfWorkFactory(engine)
    async with units() as uow:
        await place(uow, "telegram:42", "members", {"members": ["Bob", "Cath"]}, 7)
        await uow.commit()
    async with units() as uow:
        await uow.session.execute(
            update(PositionRow).values(updated_at=datetime.now(UTC) - timedelta(days=3 * 365))
        )
        await uow.commit()
    await engine.dispose()  # the service restarts

    engine = open_database(database_url)
    units = UnitOfWorkFactory(engine)
    try:
        async with units() as uow:
            row = await uow.records.position("telegram:42")
            assert row is not None
            assert (row.flow, row.step, row.question_id) == ("registration", "members", 7)
            assert row.data == {"members": ["Bob", "Cath"]}
            await place(uow, "telegram:42", "channel", {"members": ["Bob"]}, 8)
            await uow.commit()
        async with units() as uow:
            row = await uow.records.position("telegram:42")
            assert row is not None
            assert (row.step, row.data, row.question_id) == ("channel", {"members": ["Bob"]}, 8)
    finally:
        await engine.dispose()


async def test_a_changed_list_inside_a_position_is_saved(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        await place(uow, "console:ann", "a", {"m": ["Bob"]}, 1)
        await uow.commit()
    async with units() as uow:
        row = await uow.records.position("console:ann")
        assert row is not None
        data = dict(row.data)
        data["m"].append("Cath")  # the engine may change what it was given, in place
        await place(uow, "console:ann", "b", data, 2)
        await uow.commit()
    async with units() as uow:
        row = await uow.records.position("console:ann")
        assert row is not None
        assert row.data == {"m": ["Bob", "Cath"]}


async def everything_about(units: UnitOfWorkFactory, name: str) -> tuple[int, int]:
    """A person with a row in every table that can refer to a person; and their carer."""
    async with units() as uow:
        person = await uow.people.add(
            Person(name=name, channels="telegram,sms", phone="+447700900123", telegram_id=42),
            ["member"],
        )
        carer = await uow.people.add(Person(name="Carer", channels="console"), ["carer"])
        friend = await uow.people.add(Person(name="Friend", channels=""), ["member"])
        await uow.session.flush()
        person.consent_given_by_id = carer.id
        friend.consent_given_by_id = person.id
        await uow.people.link_carer(carer.id, person.id)
        await uow.people.link_carer(person.id, friend.id)
        await uow.people.grant(person.id, "volunteer")
        activity = await uow.club.add_activity("music")
        series = await uow.club.add_series(
            SessionSeries(
                title="Tuesday Club",
                activity_key="music",
                place="Hall",
                postcode="SE27 9JU",
                weekday=1,
                week_of_month=None,
                start_time=time(13, 30),
                end_time=time(15, 30),
                first_day=date(2026, 1, 6),
            )
        )
        starts = datetime(2026, 1, 6, 13, 30, tzinfo=UTC)
        meeting = ClubSession(
            series_id=series.id,
            title="Tuesday Club",
            activity_key="music",
            place="Hall",
            postcode="SE27 9JU",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
        uow.session.add(meeting)
        await uow.session.flush()
        poll = Poll(created_by_id=person.id, options={"activities": ["music"]})
        uow.session.add(poll)
        await uow.session.flush()
        await uow.people.set_preference(person.id, activity.id, "yes", person.id)
        await uow.people.set_preference(friend.id, activity.id, "no", person.id)
        await uow.people.set_day(person.id, series.id, True)
        uow.session.add_all(
            [
                ChannelState(person_id=person.id, channel="sms", reason="opted_out"),
                SessionAnswer(
                    session_id=meeting.id,
                    person_id=person.id,
                    answer="coming",
                    answered_by_id=person.id,
                ),
                SessionAnswer(
                    session_id=meeting.id,
                    person_id=friend.id,
                    answer="coming",
                    answered_by_id=person.id,
                ),
                AttendanceRecord(session_id=meeting.id, person_id=person.id, attended=True),
                Feedback(
                    session_id=meeting.id,
                    person_id=person.id,
                    face="happy",
                    comment=f"{name} loved the singing",
                    named_with_consent=True,
                ),
                PositionRow(
                    address="telegram:42", person_id=person.id, flow="idle", step="idle", data={}
                ),
                OutboxMessage(
                    person_id=person.id,
                    channel="telegram",
                    kind="reminder",
                    payload={"name": name},
                    session_id=meeting.id,
                    idempotency_key=f"reminder:{meeting.id}:{person.id}",
                    due_at=starts - timedelta(days=1),
                ),
                SpeechClip(
                    key="clip-1",
                    digest="digest-1",
                    words="Welcome to the club.",
                    language="en",
                    voice="gb",
                    engine="offline",
                    mp3=b"ID3",
                ),
                SpeechClipPerson(clip_key="clip-1", person_id=person.id),
                AuditEntry(actor_id=person.id, action="registered", detail={}),
                Broadcast(words="No session today", audience="all", created_by_id=person.id),
                PollAnswer(poll_id=poll.id, person_id=person.id, suggestion="Singing, please"),
            ]
        )
        await uow.records.request_help(person.id, None, "menu.menu")
        await uow.commit()
        return person.id, friend.id


def person_references() -> list[tuple[str, str]]:
    """(table, column) of every column that refers to a person."""
    return [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.target_fullname == "people.id"
    ]


async def test_the_erasure_test_covers_every_table_that_names_a_person(
    units: UnitOfWorkFactory,
) -> None:
    person_id, _ = await everything_about(units, "Philippa")
    uncovered = []
    async with units() as uow:
        for table, column in person_references():
            found = await uow.session.execute(
                select(Base.metadata.tables[table]).where(
                    Base.metadata.tables[table].c[column] == person_id
                )
            )
            if found.first() is None:
                uncovered.append(f"{table}.{column}")
    assert uncovered == [], "add a row for these to everything_about(), so erasure is tested"


async def test_erasure_removes_a_person_from_every_table(units: UnitOfWorkFactory) -> None:
    person_id, friend_id = await everything_about(units, "Philippa")
    async with units() as uow:
        await uow.people.erase([person_id])
        await uow.commit()

    async with units() as uow:
        assert await uow.session.get(Person, person_id) is None
        for table, column in person_references():
            rows = await uow.session.execute(
                select(Base.metadata.tables[table]).where(
                    Base.metadata.tables[table].c[column] == person_id
                )
            )
            assert rows.first() is None, f"{table}.{column} still names the erased person"
        for model in (OutboxMessage, SpeechClip, HelpRequest, PositionRow, ChannelState):
            assert list(await uow.session.scalars(select(model))) == [], model.__tablename__
        feedback = list(await uow.session.scalars(select(Feedback)))
        assert [(f.person_id, f.face, f.comment, f.named_with_consent) for f in feedback] == [
            (None, "happy", None, False)
        ], "feedback is kept only anonymously"
        friend = await uow.session.get(Person, friend_id)
        assert friend is not None, "someone else is not erased with them"
        assert friend.consent_given_by_id is None
        assert await uow.people.preferences(friend_id) == {"music": "no"}
        names = [p.name for p in await uow.session.scalars(select(Person))]
        assert sorted(names) == ["Carer", "Friend"]
        assert list(await uow.session.scalars(select(CareLink))) == []
        assert [a.actor_id for a in await uow.session.scalars(select(AuditEntry))] == [None]
        assert {r.person_id for r in await uow.session.scalars(select(PersonRole))} == {
            p.id for p in await uow.session.scalars(select(Person))
        }


async def test_erasing_several_people_at_once(units: UnitOfWorkFactory) -> None:
    person_id, friend_id = await everything_about(units, "Philippa")
    async with units() as uow:
        await uow.people.erase([person_id, friend_id])
        await uow.commit()
    async with units() as uow:
        names = [p.name for p in await uow.session.scalars(select(Person))]
        assert names == ["Carer"]
        assert list(await uow.session.scalars(select(Preference))) == []
        assert list(await uow.session.scalars(select(SessionAnswer))) == []
        assert list(await uow.session.scalars(select(PersonDay))) == []


async def test_a_phone_number_belongs_to_one_person(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        await uow.people.add(Person(name="Ann", channels="sms", phone="+447700900123"), [])
        await uow.commit()
    with pytest.raises(IntegrityError):
        async with units() as uow:
            await uow.people.add(Person(name="Bea", channels="sms", phone="+447700900123"), [])
            await uow.commit()
    async with units() as uow:
        found = await uow.people.by_phone("+447700900123")
        assert found is not None and found.name == "Ann"
        assert (await uow.people.by_address("sms:+447700900123")) is not None
        assert (await uow.people.by_address("voice:+447700900123")) is not None


async def test_people_are_found_by_their_address(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        await uow.people.add(Person(name="Ann", channels="telegram", telegram_id=-1001), [])
        await uow.people.add(Person(name="Bea", channels="console", console_name="bea"), [])
        await uow.commit()
    async with units() as uow:
        telegram = await uow.people.by_address("telegram:-1001")
        console = await uow.people.by_address("console:bea")
        assert telegram is not None and telegram.name == "Ann"
        assert console is not None and console.name == "Bea"
        assert await uow.people.by_address("telegram:not-a-number") is None
        assert await uow.people.by_address("pigeon:bea") is None


async def test_an_inbound_key_has_one_effect(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        assert await uow.records.first_sighting("telegram", "update-1") is True
        assert await uow.records.first_sighting("telegram", "update-1") is False
        await uow.commit()
    async with units() as uow:
        assert await uow.records.first_sighting("telegram", "update-1") is False
        assert await uow.records.first_sighting("sms", "update-1") is True
        assert await uow.records.first_sighting("telegram", "update-2") is True
        await uow.commit()
    async with units() as uow:
        assert await uow.records.first_sighting("telegram", "update-2") is False


async def test_an_inbound_key_not_committed_is_not_remembered(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        assert await uow.records.first_sighting("twilio", "SM123") is True
    async with units() as uow:
        assert await uow.records.first_sighting("twilio", "SM123") is True


async def test_activities_keep_their_order(units: UnitOfWorkFactory) -> None:
    async with units() as uow:
        for key in ("music", "art", "gardening"):
            await uow.club.add_activity(key)
        await uow.commit()
    async with units() as uow:
        assert [a.key for a in await uow.club.activities()] == ["music", "art", "gardening"]
        assert [a.sort_order for a in await uow.session.scalars(select(Activity))] == [0, 1, 2]
