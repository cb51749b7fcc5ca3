"""Whatever is posted to the web app, by anyone: no 5xx, no traceback in the logs, nothing
personal in them, and every genuine input answered or kept (issue 12).

Hypothesis generates requests to every endpoint (`tests.fuzz_requests`): Telegram updates
as Telegram sends them, with a field of the wrong type, or not JSON at all, with the
webhook's secret or without; texts, calls and delivery reports signed by twilio's own
RequestValidator, unsigned or signed wrongly; requests for audio. They go to the real web
app of a club built by the composition root in webhook mode, whose people (two members on
Telegram, a coordinator, two members by text and call, and newcomers) have distinctive
names, numbers and ids, none of which may reach a log line, at any level.

FUZZ_EXAMPLES sets how many requests in all (default 300, seconds on SQLite), shared out
among the endpoints; `.ci/run` posts 10,000 on PostgreSQL. Each request may take at most
PER_REQUEST (a failure bound, never a pass condition). Each endpoint's test prints what
it posted, by status, and how long it took (`pytest -s` shows it).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from storage.models import OutboxMessage, Person, utc_now
from storage.outbox import Status
from tests.club_data import add_phone_person
from tests.fuzz_poster import Poster
from tests.fuzz_requests import (
    COORDINATOR,
    MARKED,
    MEMBERS_ON_TELEGRAM,
    PHONES,
    PROVIDER_IDS,
    REGISTERED_PHONES,
    TELEGRAM_PEOPLE,
    AudioProbe,
    TelegramProbe,
    TwilioProbe,
    audio_probes,
    sms_probes,
    status_probes,
    telegram_mix,
    voice_probes,
)
from tests.inbound_support import Inbound, LogWatch, inbound_club, watched_logs
from tests.telegram_support import SECRET
from tests.twilio_support import add_session

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
PER_REQUEST = timedelta(seconds=30)


@dataclass
class Fuzz:
    poster: Poster
    logs: LogWatch
    personal: list[str]


async def a_club_with_people(inbound: Inbound) -> None:
    club = inbound.tw.club
    names = iter(MARKED)
    async with club.units() as uow:
        for telegram_id in (*MEMBERS_ON_TELEGRAM, COORDINATOR):
            role = "coordinator" if telegram_id == COORDINATOR else "member"
            person = Person(name=next(names), telegram_id=telegram_id, channels="telegram")
            await uow.people.add(person, [role])
        await uow.commit()
    ids = [await add_phone_person(club, next(names), phone) for phone in REGISTERED_PHONES]
    session = await add_session(club)
    async with club.units() as uow:
        for number, provider_id in enumerate(PROVIDER_IDS):
            uow.session.add(
                OutboxMessage(
                    person_id=ids[number % len(ids)],
                    channel="voice" if provider_id.startswith("CA") else "sms",
                    kind="reminder",
                    payload={"session": session, "member": ids[number % len(ids)]},
                    session_id=session,
                    idempotency_key=f"fuzz:{provider_id}",
                    due_at=utc_now(),
                    status=Status.SENT,
                    attempts=1,
                    provider_id=provider_id,
                )
            )
        await uow.commit()


@pytest.fixture
async def fuzz(database_url: str) -> AsyncIterator[Fuzz]:
    """The club, its people and a watch on its logs, shared by every example of a run;
    at the end, what was posted: requests by endpoint and status, and how long it took."""
    async with inbound_club(database_url) as inbound:
        await a_club_with_people(inbound)
        secrets = [inbound.token, inbound.tw.fake.auth_token, SECRET]
        personal = [
            *MARKED,
            *(phone[3:] for phone in PHONES),
            *map(str, TELEGRAM_PEOPLE),
            *secrets,
            inbound.token.partition(":")[2],
        ]
        poster = Poster(inbound)
        started = time.monotonic()
        with watched_logs(secrets) as logs:
            yield Fuzz(poster, logs, personal)
        seconds = time.monotonic() - started
    counts = ", ".join(f"{key}: {n}" for key, n in sorted(poster.sent.items()))
    where = database_url.partition("+")[0]
    print(f"\nfuzz on {where}: {poster.sent.total()} requests in {seconds:.0f} s ({counts});")
    print(f"{poster.genuine} genuine inputs, each answered or kept")


def share(part: float) -> settings:
    """Settings for one endpoint's part of FUZZ_EXAMPLES (rounded up: never fewer)."""
    return settings(
        max_examples=math.ceil(EXAMPLES * part),
        deadline=PER_REQUEST,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


async def posted(fuzz: Fuzz, probe: TelegramProbe | TwilioProbe | AudioProbe) -> None:
    mark = len(fuzz.logs.records)
    await fuzz.poster.post(probe)
    assert fuzz.logs.tracebacks(mark) == []
    assert fuzz.logs.mentioning(fuzz.personal, mark) == []


@share(0.4)
@given(probe=telegram_mix)
async def test_telegram_updates(fuzz: Fuzz, probe: TelegramProbe) -> None:
    await posted(fuzz, probe)


@share(0.25)
@given(probe=sms_probes)
async def test_texts(fuzz: Fuzz, probe: TwilioProbe) -> None:
    await posted(fuzz, probe)


@share(0.15)
@given(probe=voice_probes)
async def test_calls(fuzz: Fuzz, probe: TwilioProbe) -> None:
    await posted(fuzz, probe)


@share(0.15)
@given(probe=status_probes)
async def test_delivery_reports(fuzz: Fuzz, probe: TwilioProbe) -> None:
    await posted(fuzz, probe)


@share(0.05)
@given(probe=audio_probes)
async def test_audio_requests(fuzz: Fuzz, probe: AudioProbe) -> None:
    await posted(fuzz, probe)
