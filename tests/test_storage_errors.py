"""Storage errors are told apart in one place (`storage.storage_trouble`): what passes (a
lock, a lost connection, a concurrent writer's row) is tried again; a value the database
refuses is not, and the person is answered kindly at once instead of "storage unavailable
after 4 tries" (issue 12, item 3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.bootstrap import Club
from bot.service.dialogue import ATTEMPTS
from conversations import Input
from storage import Trouble, storage_trouble
from storage.models import InboundKey, Person
from tests.inbound_support import watched_logs


async def raised(club: Club, write: Callable[[Any], Awaitable[Any]]) -> BaseException:
    """What the database raised for `write` (given a unit of work)."""
    with pytest.raises(Exception) as caught:  # any error: classifying it is the test
        async with club.units() as uow:
            await write(uow)
            await uow.commit()
    return caught.value


async def test_a_number_past_64_bits_is_refused(club: Club) -> None:
    async def add(uow: Any) -> None:
        await uow.people.add(Person(name="Ann", telegram_id=2**63), ["member"])

    assert storage_trouble(await raised(club, add)) is Trouble.REFUSED


@pytest.mark.parametrize("name", ["A" * 81, "Ann\x00"])
async def test_a_value_postgresql_cannot_keep_is_refused(
    club: Club, database_url: str, name: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite keeps long strings and NULs")

    async def add(uow: Any) -> None:
        await uow.people.add(Person(name=name), ["member"])

    assert storage_trouble(await raised(club, add)) is Trouble.REFUSED


async def test_a_lone_surrogate_is_refused(club: Club) -> None:
    async def add(uow: Any) -> None:
        await uow.people.add(Person(name="Ann\ud800"), ["member"])

    assert storage_trouble(await raised(club, add)) is Trouble.REFUSED


async def test_a_row_a_concurrent_writer_just_added_passes(club: Club) -> None:
    async with club.units() as uow:
        assert await uow.records.first_sighting("sms", "SM1")
        await uow.commit()

    async def again(uow: Any) -> None:
        uow.session.add(InboundKey(source="sms", key="SM1"))  # as if read before it was there

    assert storage_trouble(await raised(club, again)) is Trouble.PASSING


async def test_a_mistake_in_a_statement_is_no_storage_trouble_on_postgresql(
    club: Club, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite reports a syntax error as an OperationalError, which passes")

    async def mistaken(uow: Any) -> None:
        await uow.session.execute(text("SELEC 1"))

    assert storage_trouble(await raised(club, mistaken)) is None


def test_a_lock_or_a_lost_connection_passes() -> None:
    locked = OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
    assert storage_trouble(locked) is Trouble.PASSING
    assert storage_trouble(ConnectionRefusedError()) is Trouble.PASSING
    assert storage_trouble(ValueError("not storage")) is None


async def test_a_refused_value_is_answered_at_once_and_not_tried_again(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def add(uow: Any) -> None:
        await uow.people.add(Person(name="Ann", telegram_id=2**63), ["member"])

    refusal = await raised(club, add)
    tries = []

    async def refused(*_: object) -> None:
        tries.append(1)
        raise refusal

    monkeypatch.setattr(club.dialogue, "_handle_once", refused)
    with watched_logs() as logs:
        answer = await club.dialogue.handle("console:ann", Input.typed("Ann"))
    assert len(tries) == 1 < ATTEMPTS
    assert answer.refused and not answer.saved
    assert [part.key for reply in answer.replies for part in reply.texts] == [
        "common.not_understood"
    ]
    [line] = logs.lines()
    assert "storage refused a value" in line and "storage unavailable" not in line
