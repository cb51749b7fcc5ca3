"""The fake Twilio REST API, driven by the real twilio-python `Client` (async, over aiohttp).

These tests pin down that the fake answers the way Twilio does, as twilio-python
understands it: if they pass, SMS and voice tests built on the fake exercise real
twilio-python behaviour (its URL building, form encoding, basic auth, its parsing of
MessageInstance/CallInstance, and its mapping of error bodies to TwilioRestException),
and webhooks the fake sends are signed so twilio's own RequestValidator accepts them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.loopback import LoopbackServer
from tests.fakes.twilio_api import FakeTwilioApi, segments_of, sign

CLUB = "+447700900001"
OTHER_CLUB = "+447700900002"
MEMBER = "+447700900123"
CARER = "+447700900456"
PUBLIC = "https://club.example.org"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say></Response>'

# twilio-python's API domain is https://api.twilio.com; with an edge and region it becomes
# https://api.{edge}.{region}.twilio.com (ClientBase.get_hostname). Both go to the fake.
_TWILIO_API_ORIGIN = re.compile(r"^https://api(?:\.[a-z0-9-]+)*\.twilio\.com(?=/|$)")


class LoopbackTwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio's own aiohttp client, with Twilio's API origin swapped for `base_url`.

    It also applies its `timeout` when twilio-python passes none (it always passes None,
    and AsyncTwilioHttpClient hands that to aiohttp as "no timeout at all"), and sends
    basic auth as a header, since aiohttp 3.14 deprecates the `auth=BasicAuth(...)`
    AsyncTwilioHttpClient uses."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.requested: list[str] = []

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's HttpClient interface
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        self.requested.append(url)
        headers = dict(headers or {})
        if auth is not None:
            credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {credentials}"
        return await super().request(
            method,
            _TWILIO_API_ORIGIN.sub(self.base_url, url, count=1),
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )


@dataclass
class Received:
    path: str
    url: str
    form: dict[str, str]
    signature: str
    valid: bool


class TinyApp:
    """A stand-in for the project's web app: checks X-Twilio-Signature with twilio's
    RequestValidator against the URL it was reached at, records every form."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.received: list[Received] = []
        self.app = Starlette(
            routes=[
                Route("/twilio/{kind}", self._hook, methods=["POST", "GET"]),
            ]
        )

    async def _hook(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        signature = request.headers.get("x-twilio-signature", "")
        url = str(request.url)
        valid = bool(self.validator.validate(url, form, signature))
        self.received.append(Received(request.url.path, url, form, signature, valid))
        if not valid:
            return Response("bad signature", status_code=403)
        if request.url.path == "/twilio/voice":
            return Response(TWIML, media_type="text/xml")
        return Response("", status_code=200)


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yields its base URL."""
    server = LoopbackServer(app, "tiny app")
    port = await server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as api:
        yield api


@pytest.fixture
async def http_client(fake: FakeTwilioApi) -> AsyncIterator[LoopbackTwilioHttpClient]:
    client = LoopbackTwilioHttpClient(fake.base_url, timeout=5)
    yield client
    await client.close()


@pytest.fixture
def client(fake: FakeTwilioApi, http_client: LoopbackTwilioHttpClient) -> Client:
    return Client(fake.account_sid, fake.auth_token, http_client=http_client)


@pytest.fixture
def tiny(fake: FakeTwilioApi) -> TinyApp:
    return TinyApp(fake.auth_token)


# ------------------------------------------------------------------ messages


async def test_a_message_is_created_recorded_and_parsed(
    fake: FakeTwilioApi,
    client: Client,
    http_client: LoopbackTwilioHttpClient,
) -> None:
    message = await client.messages.create_async(
        to=MEMBER,
        from_=CLUB,
        body="Reminder: craft session on Tuesday morning.",
        status_callback=f"{PUBLIC}/twilio/status",
        validity_period=600,
    )

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid or "")
    assert message.status == "queued"
    assert message.to == MEMBER
    assert message.from_ == CLUB
    assert message.num_segments == "1"
    assert message.error_code is None
    assert message.date_created is not None and message.date_created.tzinfo is not None
    assert message.account_sid == fake.account_sid
    [sent] = fake.messages
    assert (sent.sid, sent.to, sent.from_) == (message.sid, MEMBER, CLUB)
    assert sent.body == "Reminder: craft session on Tuesday morning."
    assert sent.validity_period == 600
    assert sent.status_callback == f"{PUBLIC}/twilio/status"
    assert (sent.segments, sent.encoding) == (1, "GSM-7")
    [call] = fake.calls
    assert call.method == "POST"
    assert call.path == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    assert call.authorized and call.status == 201
    assert http_client.requested == [
        f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}/Messages.json",
    ]
    assert fake.accepted_sends == 1


@pytest.mark.parametrize(
    ("body", "segments", "encoding"),
    [
        ("a" * 160, 1, "GSM-7"),
        ("a" * 161, 2, "GSM-7"),
        ("a" * 306, 2, "GSM-7"),
        ("a" * 307, 3, "GSM-7"),
        ("See you there 🙂", 1, "UCS-2"),
        ("a" * 68 + "🙂", 1, "UCS-2"),
        ("a" * 69 + "🙂", 2, "UCS-2"),
        ("a" * 132 + "🙂", 2, "UCS-2"),
        ("a" * 133 + "🙂", 3, "UCS-2"),  # 135 units, but the emoji's surrogate pair stays whole
        ("It’s Tuesday", 1, "UCS-2"),
        ("€" * 80, 1, "GSM-7"),
        ("€" * 81, 2, "GSM-7"),
        ("Café, 10:30 — £2", 1, "UCS-2"),
    ],
)
def test_segments_are_counted_like_twilio(body: str, segments: int, encoding: str) -> None:
    assert segments_of(body) == (segments, encoding)


def test_smart_encoding_turns_curly_quotes_back_into_gsm() -> None:
    assert segments_of("It’s “Tuesday” – see you…", smart_encoded=True) == (1, "GSM-7")


async def test_segments_reach_the_client(fake: FakeTwilioApi, client: Client) -> None:
    plain = await client.messages.create_async(to=MEMBER, from_=CLUB, body="a" * 160)
    longer = await client.messages.create_async(to=MEMBER, from_=CLUB, body="a" * 161)
    emoji = await client.messages.create_async(to=MEMBER, from_=CLUB, body="a" * 69 + "😀")

    assert [plain.num_segments, longer.num_segments, emoji.num_segments] == ["1", "2", "2"]
    assert [m.encoding for m in fake.messages] == ["GSM-7", "GSM-7", "UCS-2"]
    assert emoji.body == "a" * 69 + "😀"


async def test_a_message_is_fetched_listed_and_redacted(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    first = await client.messages.create_async(to=MEMBER, from_=CLUB, body="One")
    await client.messages.create_async(to=CARER, from_=CLUB, body="Two")
    await client.messages.create_async(to=MEMBER, from_=CLUB, body="Three")
    assert first.sid is not None

    fetched = await client.messages(first.sid).fetch_async()
    to_member = await client.messages.list_async(to=MEMBER, page_size=1)
    redacted = await client.messages(first.sid).update_async(body="")

    assert (fetched.sid, fetched.body, fetched.status) == (first.sid, "One", "queued")
    assert [m.body for m in to_member] == ["Three", "One"]  # newest first, over two pages
    assert redacted.body == ""
    assert fake.message(first.sid).body == ""


async def test_media_urls_arrive_as_repeated_keys(fake: FakeTwilioApi, client: Client) -> None:
    links = [f"{PUBLIC}/audio/a.mp3", f"{PUBLIC}/audio/b.mp3"]

    message = await client.messages.create_async(
        to=MEMBER,
        from_=CLUB,
        body="Listen",
        media_url=links,
    )

    assert fake.messages[0].media_urls == links
    assert message.num_media == "2"


async def test_a_messaging_service_send_is_accepted_before_a_sender_is_chosen(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    service = "MG" + "0" * 32

    message = await client.messages.create_async(
        to=MEMBER,
        messaging_service_sid=service,
        body="Hello",
    )

    assert (message.status, message.from_, message.num_segments) == ("accepted", None, "0")
    assert fake.messages[0].messaging_service_sid == service


async def test_a_missing_message_is_twilios_404(fake: FakeTwilioApi, client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages("SM" + "f" * 32).fetch_async()

    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "07700 900123", "from_": CLUB, "body": "Hi"}, 21211),
        ({"to": MEMBER, "body": "Hi"}, 21603),
        ({"to": MEMBER, "from_": CLUB}, 21602),
        ({"to": MEMBER, "from_": CLUB, "body": "x" * 1601}, 21617),
        ({"to": CLUB, "from_": CLUB, "body": "Hi"}, 21266),
    ],
)
async def test_bad_messages_get_twilios_validation_errors(
    fake: FakeTwilioApi,
    client: Client,
    kwargs: dict[str, str],
    code: int,
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(**kwargs)

    assert (caught.value.status, caught.value.code) == (400, code)
    assert fake.messages == []


# ----------------------------------------------------------------- auth, URLs


async def test_a_wrong_auth_token_is_401_authenticate(
    fake: FakeTwilioApi,
    http_client: LoopbackTwilioHttpClient,
) -> None:
    wrong = Client(fake.account_sid, "not-the-token", http_client=http_client)

    with pytest.raises(TwilioRestException) as caught:
        await wrong.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert "Authenticate" in caught.value.msg
    assert fake.calls[0].authorized is False
    assert fake.calls[0].response == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
        "detail": "Your AccountSid or AuthToken was incorrect.",
    }
    assert fake.messages == []


async def test_another_accounts_path_is_not_found(
    fake: FakeTwilioApi,
    http_client: LoopbackTwilioHttpClient,
) -> None:
    elsewhere = Client(
        fake.account_sid,
        fake.auth_token,
        account_sid="AC" + "1" * 32,
        http_client=http_client,
    )

    with pytest.raises(TwilioRestException) as caught:
        await elsewhere.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert (caught.value.status, caught.value.code) == (404, 20404)


async def test_an_edge_and_region_still_reach_the_fake(
    fake: FakeTwilioApi,
    http_client: LoopbackTwilioHttpClient,
) -> None:
    regional = Client(
        fake.account_sid,
        fake.auth_token,
        edge="dublin",
        region="ie1",
        http_client=http_client,
    )

    message = await regional.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert message.sid == fake.messages[0].sid
    assert http_client.requested == [
        f"https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/{fake.account_sid}/Messages.json",
    ]


# ------------------------------------------------------------- failures on demand


async def test_fail_next_21610_raises_with_that_code_once(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    fake.fail_next("Messages", code=21610)

    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")
    after = await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert "Attempt to send to unsubscribed recipient" in caught.value.msg
    assert after.status == "queued"
    assert len(fake.messages) == 1


async def test_fail_next_can_target_one_number_and_repeat(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    fake.fail_next("Messages", code=30003, times=2, to=CARER)

    ok = await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")
    codes = []
    for _ in range(3):
        try:
            await client.messages.create_async(to=CARER, from_=CLUB, body="Hi")
            codes.append(0)
        except TwilioRestException as error:
            codes.append(int(error.code or 0))

    assert ok.status == "queued"
    assert codes == [30003, 30003, 0]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (500, None, (500, 20500)),
        (429, None, (429, 20429)),
        (None, 21211, (400, 21211)),
        (None, 20429, (429, 20429)),
        (502, None, (502, 502)),  # a gateway's HTML page: twilio-python uses the status
    ],
)
async def test_fail_next_answers_each_status_as_twilio_python_sees_it(
    fake: FakeTwilioApi,
    client: Client,
    status: int | None,
    code: int | None,
    expected: tuple[int, int],
) -> None:
    fake.fail_next("Messages", code=code, status=status)

    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert (caught.value.status, caught.value.code) == expected


async def test_opted_out_and_landline_numbers_refuse_messages(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    fake.opt_out(MEMBER)
    fake.landline(CARER)

    codes = []
    for number in (MEMBER, MEMBER, CARER):
        with pytest.raises(TwilioRestException) as caught:
            await client.messages.create_async(to=number, from_=CLUB, body="Hi")
        codes.append(caught.value.code)
    call = await client.calls.create_async(to=CARER, from_=CLUB, url=f"{PUBLIC}/twilio/voice")
    fake.opt_in(MEMBER)
    back = await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi again")

    assert codes == [21610, 21610, 21614]
    assert call.status == "queued"  # a landline still takes calls
    assert back.status == "queued"


async def test_a_timeout_holds_the_response_until_the_client_gives_up(
    fake: FakeTwilioApi,
) -> None:
    impatient = LoopbackTwilioHttpClient(fake.base_url, timeout=0.3)
    client = Client(fake.account_sid, fake.auth_token, http_client=impatient)
    fake.timeout_next("Messages", delivered=True)
    try:
        with pytest.raises(TimeoutError):
            await client.messages.create_async(to=MEMBER, from_=CLUB, body="Did it go?")
        for _ in range(100):
            if fake.calls[0].abandoned:
                break
            await asyncio.sleep(0.02)
        retried = await client.messages.create_async(to=MEMBER, from_=CLUB, body="Did it go?")
    finally:
        await impatient.close()

    assert fake.calls[0].abandoned
    assert [m.body for m in fake.messages] == ["Did it go?", "Did it go?"]  # sent twice
    assert retried.sid == fake.messages[1].sid


async def test_a_timeout_with_a_delay_ends_in_a_500(fake: FakeTwilioApi, client: Client) -> None:
    fake.timeout_next("Messages", delay=0.05)

    with pytest.raises(TwilioRestException) as caught:
        await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")

    assert (caught.value.status, caught.value.code) == (500, 20500)
    assert fake.messages == []


# ------------------------------------------------------------------ the rate


async def test_the_per_number_rate_rejects_sends_beyond_it(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    fake.per_number_rate(2)

    outcomes = []
    for _ in range(5):
        try:
            await client.messages.create_async(to=MEMBER, from_=CLUB, body="Hi")
            outcomes.append("ok")
        except TwilioRestException as error:
            outcomes.append(f"{error.status}/{error.code}")
    other = await client.messages.create_async(to=MEMBER, from_=OTHER_CLUB, body="Hi")

    assert outcomes == ["ok", "ok", "429/20429", "429/20429", "429/20429"]
    assert fake.rejected_by_rate == 3
    assert fake.accepted_sends == 3
    assert other.status == "queued"  # the limit is per From number
    assert fake.max_sends_in_any_second(CLUB) == 2
    assert fake.calls[2].response is not None
    assert fake.calls[2].response["message"] == "Too Many Requests"


async def test_the_rate_window_slides(fake: FakeTwilioApi, client: Client) -> None:
    fake.per_number_rate(1)
    await client.messages.create_async(to=MEMBER, from_=CLUB, body="First")
    with pytest.raises(TwilioRestException):
        await client.messages.create_async(to=MEMBER, from_=CLUB, body="Too soon")

    await asyncio.sleep(1.01)
    later = await client.messages.create_async(to=MEMBER, from_=CLUB, body="Later")

    assert later.status == "queued"
    assert fake.max_sends_in_any_second(CLUB) == 1
    assert 0 < fake.achieved_rate(CLUB) <= 1.0


# --------------------------------------------------------------------- calls


async def test_a_call_is_created_with_a_url_fetched_and_hung_up(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    call = await client.calls.create_async(
        to=MEMBER,
        from_=CLUB,
        url=f"{PUBLIC}/twilio/voice?reminder=7",
        status_callback=f"{PUBLIC}/twilio/status",
        status_callback_event=["initiated", "answered", "completed"],
        timeout=30,
        machine_detection="Enable",
    )
    assert call.sid is not None

    fetched = await client.calls(call.sid).fetch_async()
    ended = await client.calls(call.sid).update_async(status="completed")

    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid)
    assert (call.status, call.to, call._from) == ("queued", MEMBER, CLUB)
    assert fetched.sid == call.sid
    assert ended.status == "completed"
    [placed] = fake.call_requests
    assert placed.url == f"{PUBLIC}/twilio/voice?reminder=7"
    assert placed.twiml is None
    assert placed.status_callback_events == ["initiated", "answered", "completed"]
    assert (placed.timeout, placed.machine_detection) == (30, "Enable")
    assert fake.calls[0].path.endswith("/Calls.json")


async def test_a_call_with_twiml_and_one_without_instructions(
    fake: FakeTwilioApi,
    client: Client,
) -> None:
    call = await client.calls.create_async(to=MEMBER, from_=CLUB, twiml=TWIML)
    with pytest.raises(TwilioRestException) as caught:
        await client.calls.create_async(to=MEMBER, from_=CLUB)

    assert call.status == "queued"
    assert fake.call_requests[0].twiml == TWIML
    assert (caught.value.status, caught.value.code) == (400, 21205)


async def test_calls_fail_on_demand_too(fake: FakeTwilioApi, client: Client) -> None:
    fake.fail_next("Calls", code=21211, to=CARER)

    with pytest.raises(TwilioRestException) as caught:
        await client.calls.create_async(to=CARER, from_=CLUB, twiml=TWIML)
    listed = await client.calls.list_async()

    assert caught.value.code == 21211
    assert listed == []


# ----------------------------------------------------------------- webhooks


def test_twilios_published_signature_vector() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"

    assert RequestValidator("12345").compute_signature(url, params) == (
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert sign("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


async def test_deliver_status_posts_a_signed_status_callback(
    fake: FakeTwilioApi,
    client: Client,
    tiny: TinyApp,
) -> None:
    callback = f"{PUBLIC}/twilio/status?outbox=17"
    message = await client.messages.create_async(
        to=MEMBER,
        from_=CLUB,
        body="Hi",
        status_callback=callback,
    )
    assert message.sid is not None
    transport = httpx.ASGITransport(app=tiny.app)

    sent = await fake.deliver_status(message.sid, "sent", transport=transport)
    failed = await fake.deliver_status(message.sid, "undelivered", 30003, transport=transport)
    fetched = await client.messages(message.sid).fetch_async()

    assert (sent.status_code, failed.status_code) == (200, 200)
    first, second = tiny.received
    assert first.valid and second.valid
    assert first.url == callback
    assert first.form == {
        "AccountSid": fake.account_sid,
        "ApiVersion": "2010-04-01",
        "MessageSid": message.sid,
        "SmsSid": message.sid,
        "MessageStatus": "sent",
        "SmsStatus": "sent",
        "To": MEMBER,
        "From": CLUB,
    }
    assert second.form["ErrorCode"] == "30003"
    assert second.form["MessageStatus"] == "undelivered"
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)
    assert fake.message(message.sid).statuses == ["queued", "sent", "undelivered"]


async def test_deliver_status_over_a_real_socket(
    fake: FakeTwilioApi,
    client: Client,
    tiny: TinyApp,
) -> None:
    async with serve(tiny.app) as app_url:
        message = await client.messages.create_async(
            to=MEMBER,
            from_=CLUB,
            body="Hi",
            status_callback=f"{app_url}/twilio/status",
        )
        assert message.sid is not None
        delivered = await fake.deliver_status(message.sid, "delivered")
        headers, form = dict(delivered.headers), delivered.params
        headers["X-Twilio-Signature"] = sign("wrong-token", delivered.url, form)
        async with httpx.AsyncClient() as http:
            forged = await http.post(delivered.url, data=form, headers=headers)

    assert (delivered.status_code, forged.status_code) == (200, 403)
    assert [r.valid for r in tiny.received] == [True, False]
    assert tiny.received[0].url == f"{app_url}/twilio/status"  # signed with the port


async def test_deliver_all_settles_messages_with_unreachable_numbers_undelivered(
    fake: FakeTwilioApi,
    client: Client,
    tiny: TinyApp,
) -> None:
    fake.unreachable(CARER, 30006)
    for number in (MEMBER, CARER):
        await client.messages.create_async(
            to=number,
            from_=CLUB,
            body="Hi",
            status_callback=f"{PUBLIC}/twilio/status",
        )
    await client.messages.create_async(to=MEMBER, from_=CLUB, body="No callback")

    hooks = await fake.deliver_all(transport=httpx.ASGITransport(app=tiny.app))

    assert [h.params["MessageStatus"] for h in hooks] == ["delivered", "undelivered"]
    assert hooks[1].params["ErrorCode"] == "30006"
    assert all(r.valid for r in tiny.received)
    assert [m.status for m in fake.messages] == ["delivered", "undelivered", "queued"]


async def test_signed_sms_and_voice_pass_the_validator(fake: FakeTwilioApi, tiny: TinyApp) -> None:
    sms_headers, sms_form = fake.signed_sms(f"{PUBLIC}/twilio/sms", MEMBER, CLUB, "1")
    voice_headers, voice_form = fake.signed_voice(
        f"{PUBLIC}/twilio/voice",
        "CA" + "2" * 32,
        MEMBER,
        CLUB,
        digits="1",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=tiny.app)) as http:
        sms = await http.post(f"{PUBLIC}/twilio/sms", data=sms_form, headers=sms_headers)
        voice = await http.post(f"{PUBLIC}/twilio/voice", data=voice_form, headers=voice_headers)

    assert (sms.status_code, voice.status_code) == (200, 200)
    assert "<Say>Hello</Say>" in voice.text
    assert [r.valid for r in tiny.received] == [True, True]
    assert sms_form["Body"] == "1" and sms_form["MessageSid"].startswith("SM")
    assert sms_form["SmsMessageSid"] == sms_form["MessageSid"]
    assert (sms_form["NumMedia"], sms_form["NumSegments"]) == ("0", "1")
    assert sms_form["AccountSid"] == fake.account_sid
    assert (voice_form["Digits"], voice_form["CallStatus"]) == ("1", "in-progress")
    assert sms_headers["X-Twilio-Signature"] == sign(
        fake.auth_token,
        f"{PUBLIC}/twilio/sms",
        sms_form,
    )


async def test_signed_sms_carries_media_and_extra_fields(fake: FakeTwilioApi) -> None:
    _, form = fake.signed_sms(
        f"{PUBLIC}/twilio/sms",
        MEMBER,
        CLUB,
        "",
        message_sid="MM" + "3" * 32,
        num_media=1,
        FromCountry="GB",
    )

    assert form["MessageSid"] == "MM" + "3" * 32
    assert form["NumMedia"] == "1"
    assert form["MediaContentType0"] == "image/jpeg"
    assert form["MediaUrl0"].startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert form["FromCountry"] == "GB"


async def test_answer_call_fetches_twiml_and_call_status_is_signed(
    fake: FakeTwilioApi,
    client: Client,
    tiny: TinyApp,
) -> None:
    call = await client.calls.create_async(
        to=MEMBER,
        from_=CLUB,
        url=f"{PUBLIC}/twilio/voice",
        status_callback=f"{PUBLIC}/twilio/status",
        machine_detection="Enable",
    )
    assert call.sid is not None
    transport = httpx.ASGITransport(app=tiny.app)

    answered = await fake.answer_call(call.sid, answered_by="human", transport=transport)
    ended = await fake.deliver_call_status(
        call.sid,
        "completed",
        duration=42,
        transport=transport,
    )
    fetched = await client.calls(call.sid).fetch_async()

    assert answered.status_code == 200 and "<Say>Hello</Say>" in answered.text
    assert ended.status_code == 200
    assert [r.valid for r in tiny.received] == [True, True]
    voice, status = tiny.received
    assert (voice.form["CallStatus"], voice.form["AnsweredBy"]) == ("in-progress", "human")
    assert voice.form["Direction"] == "outbound-api"
    assert (status.form["CallStatus"], status.form["CallDuration"]) == ("completed", "42")
    assert fetched.status == "completed"
