"""X-Twilio-Signature on every webhook: Twilio's published test vector, forged, missing and
other-URL signatures refused with 403 and nothing recorded, and the URL built from
PUBLIC_URL so a request reaching the app at http://127.0.0.1 behind a TLS proxy passes."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from storage.models import Base, HelpRequest, InboundKey, Person, Position, SessionAnswer
from storage.outbox import Status
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import outbox
from tests.clubs import twilio_club
from tests.fakes.twilio_api import sign
from tests.twilio_support import (
    CLUB_NUMBER,
    LANDLINE,
    MOBILE,
    PUBLIC_URL,
    SMS_URL,
    STATUS_URL,
    VOICE_URL,
    TwilioClub,
    add_session,
)

VECTOR_TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
BEHIND_PROXY = "http://127.0.0.1:8000"


async def count(tc: TwilioClub, model: type[Base]) -> int:
    async with tc.club.units() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def nothing_recorded(tc: TwilioClub) -> None:
    for model in (InboundKey, Position, HelpRequest, SessionAnswer):
        assert await count(tc, model) == 0, model.__name__
    assert [p.name for p in await rows_of_people(tc)] == ["Sam"]
    assert tc.told.words == []


async def rows_of_people(tc: TwilioClub) -> list[Person]:
    async with tc.club.units() as uow:
        found = list(await uow.session.scalars(select(Person)))
        uow.session.expunge_all()
        return found


def sms_form(tc: TwilioClub, body: str = "1", sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return tc.fake.signed_sms(SMS_URL, MOBILE, CLUB_NUMBER, body, sid)[1]


# --------------------------------------------------------------- the vector


def test_twilios_published_test_vector() -> None:
    validator = RequestValidator(VECTOR_TOKEN)
    assert validator.compute_signature(VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE
    assert validator.validate(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)
    assert sign(VECTOR_TOKEN, VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE  # the fake agrees
    assert not validator.validate(VECTOR_URL, {**VECTOR_PARAMS, "Digits": "1235"}, VECTOR_SIGNATURE)


async def test_the_apps_own_check_accepts_the_published_vector(database_url: str) -> None:
    """The club's voice webhook, mounted at the vector's path with the vector's token and
    PUBLIC_URL, accepts the vector's request and signature, and nothing else."""
    async with twilio_club(
        database_url, twilio_auth_token=VECTOR_TOKEN, public_url="https://mycompany.com"
    ) as tc:
        assert tc.club.webhooks is not None
        app = Starlette(routes=[Route("/myapp.php", tc.club.webhooks.voice, methods=["POST"])])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            good = await client.post(
                f"{BEHIND_PROXY}/myapp.php?foo=1&bar=2",
                data=VECTOR_PARAMS,
                headers={"X-Twilio-Signature": VECTOR_SIGNATURE},
            )
            bad = await client.post(
                f"{BEHIND_PROXY}/myapp.php?foo=1&bar=3",
                data=VECTOR_PARAMS,
                headers={"X-Twilio-Signature": VECTOR_SIGNATURE},
            )
        assert good.status_code == 200 and "<Response>" in good.text
        assert bad.status_code == 403


# -------------------------------------------------------- forged and missing


@pytest.mark.parametrize(
    "signature",
    [None, "", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "not base64 at all", "x" * 5000],
    ids=["missing", "empty", "another-request", "garbage", "huge"],
)
async def test_a_text_with_a_forged_or_missing_signature_is_refused(
    tc: TwilioClub, signature: str | None
) -> None:
    response = await tc.post(SMS_URL, sms_form(tc, "Hello"), signature=signature)
    assert response.status_code == 403
    assert "Response" not in response.text
    await nothing_recorded(tc)


async def test_a_text_signed_with_another_token_is_refused(tc: TwilioClub) -> None:
    form = sms_form(tc, "Hello")
    response = await tc.post(SMS_URL, form, signature=sign("another-token", SMS_URL, form))
    assert response.status_code == 403
    await nothing_recorded(tc)


async def test_a_text_changed_after_signing_is_refused(tc: TwilioClub) -> None:
    form = sms_form(tc, "Hello")
    signature = sign(tc.fake.auth_token, SMS_URL, form)
    response = await tc.post(SMS_URL, {**form, "Body": "STOP"}, signature=signature)
    assert response.status_code == 403
    await nothing_recorded(tc)


@pytest.mark.parametrize(
    "signed_for",
    [
        "http://club.example.org/twilio/sms",  # the scheme the proxy ended
        f"{BEHIND_PROXY}/twilio/sms",  # where the request reached the app
        f"{PUBLIC_URL}/twilio/voice",  # another webhook
        f"{SMS_URL}?x=1",  # another query
        "https://elsewhere.example.org/twilio/sms",
    ],
)
async def test_a_signature_over_a_different_url_is_refused(tc: TwilioClub, signed_for: str) -> None:
    form = sms_form(tc, "Hello")
    response = await tc.post(SMS_URL, form, signature=sign(tc.fake.auth_token, signed_for, form))
    assert response.status_code == 403
    await nothing_recorded(tc)


async def test_a_forged_call_is_refused_and_nobody_is_told(tc: TwilioClub) -> None:
    await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    _, form = tc.fake.signed_voice(
        f"{VOICE_URL}?round=2&quiet=0",
        "CA" + "9" * 32,
        CLUB_NUMBER,
        LANDLINE,
        "0",
        Direction="outbound-api",
    )
    response = await tc.post(f"{VOICE_URL}?round=2&quiet=0", form, signature="forged")
    assert response.status_code == 403
    unsigned = await tc.post(VOICE_URL, form)
    assert unsigned.status_code == 403
    for model in (InboundKey, HelpRequest, Position):
        assert await count(tc, model) == 0
    assert tc.told.words == []


async def test_a_forged_delivery_report_changes_nothing(tc: TwilioClub) -> None:
    bob = await add_phone_person(tc.club, "Bob", MOBILE)
    await queue_reminder(tc.club, bob, await add_session(tc.club))
    await tc.dispatch()
    [message] = tc.fake.messages
    form = {
        "MessageSid": message.sid,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": MOBILE,
        "From": CLUB_NUMBER,
        "AccountSid": tc.fake.account_sid,
    }
    for signature in (None, "forged", sign("another-token", STATUS_URL, form)):
        response = await tc.post(STATUS_URL, form, signature=signature)
        assert response.status_code == 403
    [row] = await outbox(tc.club)
    assert row.status == Status.SENT
    assert tc.fake.call_requests == []  # no fallback to a call
    assert tc.told.words == []


# ------------------------------------------------------------- behind a proxy


async def test_behind_a_proxy_the_url_is_built_from_public_url(tc: TwilioClub) -> None:
    """TLS ends at the proxy, which passes the request on to http://127.0.0.1:8000; Twilio
    signed https://club.example.org/twilio/sms, and that is what the app checks."""
    form = sms_form(tc, "Hello")
    signature = sign(tc.fake.auth_token, SMS_URL, form)
    async with httpx.AsyncClient(transport=tc.transport()) as client:
        response = await client.post(
            f"{BEHIND_PROXY}/twilio/sms",
            data=form,
            headers={"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https"},
        )
    assert response.status_code == 200
    assert "Which language would you like" in response.text
    assert await count(tc, InboundKey) == 1


async def test_a_voice_webhook_with_its_query_is_checked_over_public_url(tc: TwilioClub) -> None:
    await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
    url = f"{VOICE_URL}?round=1"
    _, form = tc.fake.signed_voice(url, "CA" + "7" * 32, LANDLINE, CLUB_NUMBER)
    async with httpx.AsyncClient(transport=tc.transport()) as client:
        response = await client.post(
            f"{BEHIND_PROXY}/twilio/voice?round=1",
            data=form,
            headers={"X-Twilio-Signature": sign(tc.fake.auth_token, url, form)},
        )
    assert response.status_code == 200
    assert "<Say" in response.text


async def test_a_signature_with_the_default_port_is_accepted(tc: TwilioClub) -> None:
    """Twilio sometimes signs https://host:443/...; twilio's validator accepts both."""
    form = sms_form(tc, "Hello")
    signature = sign(tc.fake.auth_token, "https://club.example.org:443/twilio/sms", form)
    response = await tc.post(SMS_URL, form, signature=signature)
    assert response.status_code == 200
