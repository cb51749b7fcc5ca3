"""A fake Twilio REST API on 127.0.0.1, so tests drive the real twilio-python `Client` offline.

Why a server rather than a mocked client: the project's SMS and voice channels depend on
what really crosses the wire (form-encoded parameters, repeated keys such as `MediaUrl`,
HTTP basic auth, Twilio's JSON error bodies and the `TwilioRestException` twilio-python
builds from them). Faking at the transport keeps all of those layers honest.

twilio-python always builds absolute URLs on `https://api.twilio.com` (or
`https://api.{edge}.{region}.twilio.com`), then hands them to its `http_client`. Point a
`Client` here with an async http client that swaps that origin for `base_url`:
`Client(fake.account_sid, fake.auth_token, http_client=...)`.

The fake also plays Twilio's side of the webhooks: `deliver_status` posts a message status
callback, `deliver_call_status` a call progress callback and `answer_call` fetches a call's
TwiML, each signed with `X-Twilio-Signature` exactly as Twilio signs it; `signed_sms` and
`signed_voice` build inbound webhook requests for a test to post itself.

Deliberate simplifications: one account (no subaccounts, no API keys); messages stay
"queued" (or "accepted" for a Messaging Service) until a test delivers a status; the
per-number rate answers 429/20429 instead of queueing as real Twilio does, so a sender's
pacing is visible; `fail_next` and `timeout_next` apply to creates (POST Messages.json,
POST Calls.json) only; list endpoints page with `Page`/`PageSize` and ignore `PageToken`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import re
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.fakes.loopback import LoopbackFake

__all__ = [
    "API_VERSION",
    "TWILIO_ERRORS",
    "Encoding",
    "FakeTwilioApi",
    "PlacedCall",
    "RequestRecord",
    "Resource",
    "SentMessage",
    "Webhook",
    "segments_of",
    "sign",
]

API_VERSION = "2010-04-01"
Resource = Literal["Messages", "Calls"]
Encoding = Literal["GSM-7", "UCS-2"]
JSONDict = dict[str, Any]
FormParams = dict[str, list[str]]

# code -> (HTTP status, message), as Twilio words them in its REST error bodies.
TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21201: (400, "No 'To' number is specified"),
    21205: (
        400,
        "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml",
    ),
    21211: (400, "Invalid 'To' Phone Number"),
    21213: (400, "No 'From' number is specified"),
    21220: (400, "Call is not in-progress. Cannot redirect."),
    21266: (400, "'To' and 'From' number cannot be the same"),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region "
        "indicated by the 'To' number",
    ),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
    30003: (400, "Unreachable destination handset"),
    30005: (400, "Unknown destination handset"),
    30006: (400, "Landline or unreachable carrier"),
    30007: (400, "Message filtered"),
    30008: (400, "Unknown error"),
}
# A status given without a code gets this code; other statuses (502, 504) get the plain
# HTML body a gateway sends, which twilio-python turns into a code equal to the status.
_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

# GSM 03.38: the basic table (one septet each; ESC left out) and the extension table
# (ESC plus one septet each). Anything else makes the whole message UCS-2.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# What Twilio's Smart Encoding (SmartEncoded=true) swaps for a GSM-7 look-alike; a subset.
_SMART = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "―": "-",
        "…": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_E164 = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{6,14}$")
_FINAL_MESSAGE = frozenset({"delivered", "undelivered", "failed", "read", "canceled"})
_FINAL_CALL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """`X-Twilio-Signature` for a POST of `params` to `url`, computed by twilio's own
    `RequestValidator` (HMAC-SHA1 of the URL plus sorted name+value pairs, base64)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


def segments_of(text: str, *, smart_encoded: bool = False) -> tuple[int, Encoding]:
    """How many SMS segments Twilio bills for `text`, and in which encoding.

    GSM-7: 160 septets in one segment, 153 per segment when split (extension characters
    such as € or [ take two, and are never split). UCS-2 (any character outside GSM-7,
    one emoji or curly quote is enough): 70 UTF-16 units, 67 per segment when split,
    surrogate pairs kept whole. An empty body still counts as one segment.
    """
    if smart_encoded:
        text = text.translate(_SMART)
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        units = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
        return _pack(units, 160, 153), "GSM-7"
    units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return _pack(units, 70, 67), "UCS-2"


def _pack(units: list[int], single: int, multi: int) -> int:
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for unit in units:
        if used + unit > multi:
            segments, used = segments + 1, 0
        used += unit
    return segments


@dataclass
class RequestRecord:
    """One HTTP request the client made. `params` holds query and form values (repeated
    keys such as MediaUrl keep every value); `authorized` says whether basic auth matched;
    `status`/`response` are what the fake answered; `abandoned` is set when the client hung
    up while a `timeout_next` held its request."""

    method: str
    path: str
    params: FormParams
    authorized: bool
    time: float
    request_id: str
    status: int | None = None
    response: JSONDict | None = None
    abandoned: bool = False

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None


@dataclass
class SentMessage:
    """A message Twilio accepted (it has a sid). `status` and `error_code` follow the
    status callbacks delivered since; `segments`/`encoding` are what Twilio would bill."""

    sid: str
    to: str
    from_: str | None
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: int | None
    media_urls: list[str]
    segments: int
    encoding: Encoding
    status: str
    date_created: datetime
    time: float
    params: FormParams
    error_code: int | None = None
    statuses: list[str] = field(default_factory=list)


@dataclass
class PlacedCall:
    """A call Twilio accepted. `url` (fetched with `method`) or `twiml` says what it plays;
    `status_callback_events` are the progress events asked for (Twilio sends only
    "completed" when none are)."""

    sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    method: str
    status_callback: str | None
    status_callback_method: str
    status_callback_events: list[str]
    timeout: int | None
    machine_detection: str | None
    status: str
    date_created: datetime
    time: float
    params: FormParams
    statuses: list[str] = field(default_factory=list)


@dataclass
class Webhook:
    """A request the fake made to the application, as Twilio would: status callbacks,
    TwiML fetches. `status_code` is 0 when the request could not be made."""

    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    status_code: int
    text: str
    time: float


class _TwilioError(Exception):
    """A REST error answered as Twilio's JSON body {code, message, more_info, status}."""

    def __init__(
        self,
        code: int | None,
        status: int | None = None,
        message: str | None = None,
        detail: str | None = None,
    ) -> None:
        known = TWILIO_ERRORS.get(code) if code is not None else None
        self.status = status or (known[0] if known else 400)
        self.code = code
        self.message = message or (known[1] if known else "Error")
        self.detail = detail
        super().__init__(self.message)

    def body(self) -> JSONDict | None:
        if self.code is None:
            return None
        body: JSONDict = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        if self.detail is not None:
            body["detail"] = self.detail
        return body


@dataclass
class _Failure:
    resource: Resource
    kind: Literal["error", "timeout"]
    remaining: int
    to: str | None
    error: _TwilioError | None
    delay: float | None
    delivered: bool


class FakeTwilioApi(LoopbackFake):
    """A loopback Twilio REST API: real HTTP, Twilio-shaped answers, failures on demand."""

    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        *,
        max_hold: float = 30.0,
    ) -> None:
        """Credentials are made up when not given. `max_hold` caps how long a
        `timeout_next` holds a request whose client never gives up."""
        self.account_sid = account_sid or "AC" + uuid.uuid4().hex
        self.auth_token = auth_token or uuid.uuid4().hex
        self.max_hold = max_hold
        self.calls: list[RequestRecord] = []
        self.messages: list[SentMessage] = []
        self.call_requests: list[PlacedCall] = []
        self.webhooks: list[Webhook] = []
        self.rejected_by_rate = 0
        self.accepted_sends = 0
        self.accepted_times: list[tuple[float, str]] = []
        self._messages_by_sid: dict[str, SentMessage] = {}
        self._calls_by_sid: dict[str, PlacedCall] = {}
        self._failures: list[_Failure] = []
        self._opted_out: set[str] = set()
        self._landlines: set[str] = set()
        self._unreachable: dict[str, int] = {}
        self._per_number: int | None = None
        self._windows: dict[str, deque[float]] = {}
        account = f"/{API_VERSION}/Accounts/{{account}}"
        self._app = Starlette(
            routes=[
                Route(f"{account}/Messages.json", self._messages_list, methods=["GET", "POST"]),
                Route(
                    f"{account}/Messages/{{sid}}.json",
                    self._message_instance,
                    methods=["GET", "POST", "DELETE"],
                ),
                Route(f"{account}/Calls.json", self._calls_list, methods=["GET", "POST"]),
                Route(
                    f"{account}/Calls/{{sid}}.json",
                    self._call_instance,
                    methods=["GET", "POST", "DELETE"],
                ),
                Route("/{rest:path}", self._not_found, methods=["GET", "POST", "DELETE", "PUT"]),
            ]
        )
        super().__init__(self._app, "fake Twilio API")

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """What replaces `https://api.twilio.com`: the project's TWILIO_BASE_URL in tests."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------ test controls

    def fail_next(
        self,
        resource: Resource = "Messages",
        code: int | None = None,
        status: int | None = None,
        times: int = 1,
        to: str | None = None,
        *,
        message: str | None = None,
    ) -> None:
        """Make the next `times` creates of `resource` (to `to`, if given) fail like Twilio.

        `code` alone takes its status from `TWILIO_ERRORS` (21610, 21211, 21614, 30003 are
        400; 20429 is 429; 20500 is 500); `status` alone takes the matching code (500 gives
        20500, 429 gives 20429), or, for 502/504, a gateway's HTML page with no code.
        """
        if code is None and status is None:
            raise ValueError("fail_next needs a code or a status")
        if code is None and status is not None:
            code = _CODE_FOR_STATUS.get(status)
        error = _TwilioError(code, status, message)
        self._failures.append(_Failure(resource, "error", times, to, error, None, False))

    def timeout_next(
        self,
        resource: Resource = "Messages",
        times: int = 1,
        to: str | None = None,
        *,
        delay: float | None = None,
        delivered: bool = False,
    ) -> None:
        """Hold the next `times` creates until the client gives up (or `delay` seconds pass,
        then answer 500/20500). With `delivered=True` the message or call is created first
        (and a `delay` ends in the normal 201): the sender cannot know it went out."""
        self._failures.append(_Failure(resource, "timeout", times, to, None, delay, delivered))

    def opt_out(self, number: str) -> None:
        """The person texted STOP: every message to them fails with 21610 until `opt_in`."""
        self._opted_out.add(number)

    def opt_in(self, number: str) -> None:
        """The person texted START: messages reach them again."""
        self._opted_out.discard(number)

    def landline(self, number: str) -> None:
        """`number` is a landline: messages fail with 21614; calls to it still work."""
        self._landlines.add(number)

    def unreachable(self, number: str, code: int = 30003) -> None:
        """Messages to `number` are accepted but end "undelivered" with `code` (30003,
        30005, 30006) when `deliver_all` settles them: Twilio's late failure."""
        self._unreachable[number] = code

    def per_number_rate(self, messages_per_second: int | None) -> None:
        """Accept at most this many messages per From number (or Messaging Service) in any
        sliding one-second window; more get 429/20429 and count in `rejected_by_rate`.
        None switches the limit off."""
        self._per_number = messages_per_second
        self._windows.clear()

    # ------------------------------------------------------------- inspection

    def message(self, sid: str) -> SentMessage:
        return self._messages_by_sid[sid]

    def call(self, sid: str) -> PlacedCall:
        return self._calls_by_sid[sid]

    def messages_to(self, number: str) -> list[SentMessage]:
        return [m for m in self.messages if m.to == number]

    def calls_to(self, number: str) -> list[PlacedCall]:
        return [c for c in self.call_requests if c.to == number]

    def max_sends_in_any_second(self, from_: str | None = None) -> int:
        """The most messages accepted within any one-second window, overall or from one
        number: a way to check a sender's pacing without timing assertions."""
        times = [t for t, sender in self.accepted_times if from_ is None or sender == from_]
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def achieved_rate(self, from_: str | None = None) -> float:
        """Accepted messages per second between the first and the last (0 for fewer than
        two, or when they all arrived at once)."""
        times = [t for t, sender in self.accepted_times if from_ is None or sender == from_]
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    # --------------------------------------------------- Twilio's webhooks

    def signed_request(
        self,
        url: str,
        params: Mapping[str, str],
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and form for a Twilio-signed POST of `params` to `url`."""
        form = {name: str(value) for name, value in params.items()}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": sign(self.auth_token, url, form),
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        return headers, form

    def signed_sms(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        message_sid: str | None = None,
        num_media: int = 0,
        **extra: str,
    ) -> tuple[dict[str, str], dict[str, str]]:
        """An inbound SMS webhook as Twilio posts it to /twilio/sms: (headers, form).
        `extra` adds or overrides form fields (FromCountry="GB", ...)."""
        sid = message_sid or "SM" + uuid.uuid4().hex
        segments, _ = segments_of(body)
        params: dict[str, str] = {
            "ToCountry": "",
            "ToState": "",
            "ToCity": "",
            "ToZip": "",
            "FromCountry": "",
            "FromState": "",
            "FromCity": "",
            "FromZip": "",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": str(num_media),
            "NumSegments": str(segments),
            "SmsStatus": "received",
            "ApiVersion": API_VERSION,
        }
        for index in range(num_media):
            params[f"MediaContentType{index}"] = "image/jpeg"
            params[f"MediaUrl{index}"] = (
                f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}"
                f"/Messages/{sid}/Media/ME{uuid.uuid4().hex}"
            )
        params.update(extra)
        return self.signed_request(url, params)

    def signed_voice(
        self,
        url: str,
        call_sid: str,
        from_: str,
        to: str,
        digits: str | None = None,
        *,
        speech: str | None = None,
        confidence: float = 0.92,
        **extra: str,
    ) -> tuple[dict[str, str], dict[str, str]]:
        """A voice webhook as Twilio posts it to /twilio/voice: (headers, form). With
        `digits` it is a `<Gather>` result (Digits, FinishedOnKey, CallStatus in-progress);
        with `speech`, a spoken `<Gather>` result (SpeechResult and its Confidence, as
        Twilio words it: "Yes." with a capital and a full stop); with neither, a call
        being answered (CallStatus ringing, Direction inbound). `extra` adds or overrides
        fields (Direction="outbound-api", CallStatus=...)."""
        params: dict[str, str] = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "CallStatus": "ringing" if digits is None else "in-progress",
            "Direction": "inbound",
            "From": from_,
            "Caller": from_,
            "To": to,
            "Called": to,
            "CallerCountry": "",
            "CalledCountry": "",
        }
        if digits is not None:
            params["Digits"] = digits
            params["FinishedOnKey"] = ""
        if speech is not None:
            params["CallStatus"] = "in-progress"
            params["SpeechResult"] = speech
            params["Confidence"] = f"{confidence:.8f}"
        params.update(extra)
        return self.signed_request(url, params)

    async def post_signed(
        self,
        url: str,
        params: Mapping[str, str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        method: str = "POST",
        http_timeout: float = 10.0,
    ) -> Webhook:
        """Send a Twilio-signed request to the application and record it in `webhooks`.
        Pass `transport=httpx.ASGITransport(app)` to reach an app that is not served (any
        host in `url` then works, so sign with the public URL the app expects). A GET
        carries `params` in the query string and is signed over the full URL."""
        if method.upper() == "GET":
            query = urllib.parse.urlencode(params)
            url = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
            headers, form = self.signed_request(url, {})
            headers.pop("Content-Type")
        else:
            headers, form = self.signed_request(url, params)
        async with httpx.AsyncClient(
            transport=transport,
            timeout=http_timeout,
            verify=False,
        ) as client:
            try:
                response = await client.request(
                    method.upper(),
                    url,
                    data=form or None,
                    headers=headers,
                )
                status, text = response.status_code, response.text
            except httpx.HTTPError as error:
                status, text = 0, f"{type(error).__name__}: {error}"
        webhook = Webhook(method.upper(), url, form, headers, status, text, time.monotonic())
        self.webhooks.append(webhook)
        return webhook

    async def deliver_status(
        self,
        message_sid: str,
        status: str,
        error_code: int | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        url: str | None = None,
    ) -> Webhook:
        """Move a message to `status` ("sent", "delivered", "undelivered", "failed", ...)
        and POST Twilio's status callback to its StatusCallback (or `url`). ErrorCode is
        sent only with an `error_code`, as Twilio does."""
        message = self._messages_by_sid[message_sid]
        target = url or message.status_callback
        if target is None:
            raise ValueError(f"message {message_sid} has no StatusCallback; pass url=")
        message.status = status
        message.statuses.append(status)
        message.error_code = error_code
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": message_sid,
            "SmsSid": message_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": message.to,
            "From": message.from_ or "",
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self.post_signed(target, params, transport=transport)

    async def deliver_all(
        self,
        status: str = "delivered",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> list[Webhook]:
        """Settle every unsettled message that has a StatusCallback: `status`, or
        "undelivered" with the number's code for numbers marked `unreachable`."""
        delivered = []
        for message in list(self.messages):
            if message.status in _FINAL_MESSAGE or message.status_callback is None:
                continue
            code = self._unreachable.get(message.to)
            final, error = ("undelivered", code) if code is not None else (status, None)
            delivered.append(
                await self.deliver_status(message.sid, final, error, transport=transport),
            )
        return delivered

    async def answer_call(
        self,
        call_sid: str,
        *,
        answered_by: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Webhook:
        """The person picks up: the call goes in-progress and Twilio fetches its TwiML from
        Url (with its Method). A call made with Twiml answers with that TwiML, no request."""
        call = self._calls_by_sid[call_sid]
        call.status = "in-progress"
        call.statuses.append("in-progress")
        if call.url is None:
            webhook = Webhook("", "", {}, {}, 200, call.twiml or "", time.monotonic())
            self.webhooks.append(webhook)
            return webhook
        params = self._call_params(call, "in-progress")
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        return await self.post_signed(call.url, params, transport=transport, method=call.method)

    async def deliver_call_status(
        self,
        call_sid: str,
        status: str,
        *,
        duration: int | None = None,
        answered_by: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        url: str | None = None,
    ) -> Webhook:
        """Move a call to `status` ("ringing", "completed", "busy", "no-answer", "failed")
        and send Twilio's progress callback to its StatusCallback (or `url`)."""
        call = self._calls_by_sid[call_sid]
        target = url or call.status_callback
        if target is None:
            raise ValueError(f"call {call_sid} has no StatusCallback; pass url=")
        call.status = status
        call.statuses.append(status)
        params = self._call_params(call, status)
        params.update(
            {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(len(call.statuses) - 1),
                "Timestamp": format_datetime(datetime.now(UTC)),
            }
        )
        if duration is not None:
            params["CallDuration"] = params["Duration"] = str(duration)
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        return await self.post_signed(
            target,
            params,
            transport=transport,
            method=call.status_callback_method,
        )

    def _call_params(self, call: PlacedCall, status: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Direction": "outbound-api",
            "From": call.from_,
            "Caller": call.from_,
            "To": call.to,
            "Called": call.to,
        }

    # ----------------------------------------------------------- HTTP plumbing

    async def _begin(self, request: Request) -> tuple[RequestRecord, Response | None]:
        """Record the request and check credentials and account; an answer means stop."""
        params: FormParams = {}
        for name, value in request.query_params.multi_items():
            params.setdefault(name, []).append(value)
        body = await request.body()
        if body:
            for name, value in urllib.parse.parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
            ):
                params.setdefault(name, []).append(value)
        record = RequestRecord(
            request.method,
            request.url.path,
            params,
            self._authorized(request),
            time.monotonic(),
            "RQ" + uuid.uuid4().hex,
        )
        self.calls.append(record)
        if not record.authorized:
            error = _TwilioError(20003, detail="Your AccountSid or AuthToken was incorrect.")
            challenge = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            return record, self._error(record, error, challenge)
        if request.path_params.get("account") != self.account_sid:
            return record, self._error(record, self._missing(request))
        return record, None

    def _authorized(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(
            password,
            self.auth_token,
        )

    @staticmethod
    def _missing(request: Request) -> _TwilioError:
        return _TwilioError(
            20404,
            message=f"The requested resource {request.url.path} was not found",
        )

    def _answer(
        self,
        record: RequestRecord,
        status: int,
        body: JSONDict | None,
    ) -> Response:
        record.status = status
        record.response = body
        headers = {"Twilio-Request-Id": record.request_id}
        if body is None:
            return Response(status_code=status, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers)

    def _error(
        self,
        record: RequestRecord,
        error: _TwilioError,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = error.body()
        record.status = error.status
        record.response = body
        extra = {"Twilio-Request-Id": record.request_id, **(headers or {})}
        if body is None:
            page = f"<html><body><h1>{error.status} {error.message}</h1></body></html>"
            return Response(page, status_code=error.status, media_type="text/html", headers=extra)
        return JSONResponse(body, status_code=error.status, headers=extra)

    async def _not_found(self, request: Request) -> Response:
        record, answer = await self._begin(request)
        return answer or self._error(record, self._missing(request))

    async def _create(
        self,
        request: Request,
        record: RequestRecord,
        resource: Resource,
    ) -> Response:
        """The shared path of both creates: forced failures, then the resource's checks."""
        make = self._create_message if resource == "Messages" else self._create_call
        failure = self._take_failure(resource, record.param("To"))
        try:
            if failure is not None and failure.kind == "error" and failure.error is not None:
                raise failure.error
            if failure is not None:
                created = make(record) if failure.delivered else None
                abandoned = await self._hold(request, failure.delay)
                record.abandoned = abandoned
                if created is None:
                    raise _TwilioError(20500)
                return self._answer(record, 201, created)
            return self._answer(record, 201, make(record))
        except _TwilioError as error:
            return self._error(record, error)

    def _take_failure(self, resource: Resource, to: str | None) -> _Failure | None:
        for failure in self._failures:
            if failure.resource == resource and failure.to in (None, to):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    async def _hold(self, request: Request, seconds: float | None) -> bool:
        """Keep the request open until the client hangs up (True), the fake stops, or
        time passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.max_hold if seconds is None else seconds)
        while loop.time() < deadline and not self._closing.is_set():
            if await request.is_disconnected():
                return True
            await asyncio.sleep(0.02)
        return False

    # --------------------------------------------------------------- Messages

    async def _messages_list(self, request: Request) -> Response:
        record, answer = await self._begin(request)
        if answer is not None:
            return answer
        if request.method == "POST":
            return await self._create(request, record, "Messages")
        chosen = [
            m
            for m in reversed(self.messages)
            if _matches(record, "To", m.to) and _matches(record, "From", m.from_)
        ]
        return self._answer(
            record,
            200,
            self._page(record, "messages", [self._message_json(m) for m in chosen]),
        )

    def _create_message(self, record: RequestRecord) -> JSONDict:
        to, from_ = record.param("To"), record.param("From")
        service = record.param("MessagingServiceSid")
        body = record.param("Body") or ""
        media = record.params.get("MediaUrl", [])
        if not to:
            raise _TwilioError(21604)
        if not from_ and not service:
            raise _TwilioError(21603)
        if not body and not media and not record.param("ContentSid"):
            raise _TwilioError(21602)
        if not _E164.match(to):
            raise _TwilioError(21211, message=f"Invalid 'To' Phone Number: {to}")
        if to == from_:
            raise _TwilioError(21266)
        if len(body) > 1600:
            raise _TwilioError(21617)
        if to in self._opted_out:
            raise _TwilioError(21610)
        if to in self._landlines:
            raise _TwilioError(21614)
        sender = from_ or service or ""
        self._admit(sender)
        segments, encoding = segments_of(
            body,
            smart_encoded=record.param("SmartEncoded") == "true",
        )
        scheduled = record.param("ScheduleType") == "fixed" and record.param("SendAt")
        status = "scheduled" if scheduled else "queued" if from_ else "accepted"
        message = SentMessage(
            sid="SM" + uuid.uuid4().hex,
            to=to,
            from_=from_,
            body=body,
            messaging_service_sid=service,
            status_callback=record.param("StatusCallback"),
            validity_period=_int_or_none(record.param("ValidityPeriod")),
            media_urls=list(media),
            segments=segments,
            encoding=encoding,
            status=status,
            date_created=datetime.now(UTC),
            time=record.time,
            params=record.params,
            statuses=[status],
        )
        self.messages.append(message)
        self._messages_by_sid[message.sid] = message
        self.accepted_sends += 1
        self.accepted_times.append((record.time, sender))
        return self._message_json(message)

    def _admit(self, sender: str) -> None:
        """The per-number sliding window: too many in the last second is 429/20429."""
        if self._per_number is None:
            return
        now = time.monotonic()
        window = self._windows.setdefault(sender, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self._per_number:
            self.rejected_by_rate += 1
            raise _TwilioError(20429)
        window.append(now)

    async def _message_instance(self, request: Request) -> Response:
        record, answer = await self._begin(request)
        if answer is not None:
            return answer
        message = self._messages_by_sid.get(request.path_params["sid"])
        if message is None:
            return self._error(record, self._missing(request))
        if request.method == "DELETE":
            self.messages.remove(message)
            del self._messages_by_sid[message.sid]
            return self._answer(record, 204, None)
        if request.method == "POST":
            if record.param("Body") is not None:
                message.body = record.param("Body") or ""
            if record.param("Status") == "canceled":
                message.status = "canceled"
                message.statuses.append("canceled")
        return self._answer(record, 200, self._message_json(message))

    def _message_json(self, message: SentMessage) -> JSONDict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        created = format_datetime(message.date_created)
        # Through a Messaging Service the sender is picked later: Twilio answers from=null
        # and num_segments "0" until then.
        segments = message.segments if message.from_ else 0
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body,
            "date_created": created,
            "date_sent": None if message.status in {"queued", "accepted", "scheduled"} else created,
            "date_updated": format_datetime(datetime.now(UTC)),
            "direction": "outbound-api",
            "error_code": message.error_code,
            "error_message": (
                TWILIO_ERRORS.get(message.error_code, (0, None))[1]
                if message.error_code is not None
                else None
            ),
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media_urls)),
            "num_segments": str(segments),
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": message.to,
            "uri": f"{uri}.json",
        }

    # ------------------------------------------------------------------ Calls

    async def _calls_list(self, request: Request) -> Response:
        record, answer = await self._begin(request)
        if answer is not None:
            return answer
        if request.method == "POST":
            return await self._create(request, record, "Calls")
        chosen = [
            c
            for c in reversed(self.call_requests)
            if _matches(record, "To", c.to)
            and _matches(record, "From", c.from_)
            and _matches(record, "Status", c.status)
        ]
        return self._answer(
            record,
            200,
            self._page(record, "calls", [self._call_json(c) for c in chosen]),
        )

    def _create_call(self, record: RequestRecord) -> JSONDict:
        to, from_ = record.param("To"), record.param("From")
        url, twiml = record.param("Url"), record.param("Twiml")
        if not to:
            raise _TwilioError(21201)
        if not from_:
            raise _TwilioError(21213)
        if not url and not twiml and not record.param("ApplicationSid"):
            raise _TwilioError(21205)
        if not _E164.match(to):
            raise _TwilioError(
                21211,
                message=f"The phone number you are attempting to call, {to}, is not valid.",
            )
        call = PlacedCall(
            sid="CA" + uuid.uuid4().hex,
            to=to,
            from_=from_,
            url=url or None,
            twiml=twiml if not url else None,
            method=(record.param("Method") or "POST").upper(),
            status_callback=record.param("StatusCallback"),
            status_callback_method=(record.param("StatusCallbackMethod") or "POST").upper(),
            status_callback_events=list(record.params.get("StatusCallbackEvent", [])),
            timeout=_int_or_none(record.param("Timeout")),
            machine_detection=record.param("MachineDetection"),
            status="queued",
            date_created=datetime.now(UTC),
            time=record.time,
            params=record.params,
            statuses=["queued"],
        )
        self.call_requests.append(call)
        self._calls_by_sid[call.sid] = call
        return self._call_json(call)

    async def _call_instance(self, request: Request) -> Response:
        record, answer = await self._begin(request)
        if answer is not None:
            return answer
        call = self._calls_by_sid.get(request.path_params["sid"])
        if call is None:
            return self._error(record, self._missing(request))
        if request.method == "DELETE":
            self.call_requests.remove(call)
            del self._calls_by_sid[call.sid]
            return self._answer(record, 204, None)
        if request.method == "POST":
            url, twiml, status = record.param("Url"), record.param("Twiml"), record.param("Status")
            if (url or twiml) and call.status in _FINAL_CALL:
                return self._error(record, _TwilioError(21220))
            if url or twiml:
                call.url, call.twiml = url or None, twiml if not url else None
            if status in {"completed", "canceled"} and call.status not in _FINAL_CALL:
                call.status = status
                call.statuses.append(status)
        return self._answer(record, 200, self._call_json(call))

    def _call_json(self, call: PlacedCall) -> JSONDict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}"
        return {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": format_datetime(call.date_created),
            "date_updated": format_datetime(datetime.now(UTC)),
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": call.from_,
            "from_formatted": call.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": call.sid,
            "start_time": None,
            "status": call.status,
            "subresource_uris": {
                "notifications": f"{uri}/Notifications.json",
                "recordings": f"{uri}/Recordings.json",
                "events": f"{uri}/Events.json",
            },
            "to": call.to,
            "to_formatted": call.to,
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }

    # ------------------------------------------------------------------ paging

    def _page(self, record: RequestRecord, key: str, items: list[JSONDict]) -> JSONDict:
        size = max(1, min(_int_or_none(record.param("PageSize")) or 50, 1000))
        number = max(0, _int_or_none(record.param("Page")) or 0)
        chunk = items[number * size : (number + 1) * size]
        filters = [
            (name, value)
            for name, values in record.params.items()
            if name not in {"Page", "PageSize", "PageToken"}
            for value in values
        ]

        def link(page: int) -> str:
            query = urllib.parse.urlencode([*filters, ("PageSize", size), ("Page", page)])
            return f"{record.path}?{query}"

        has_next = (number + 1) * size < len(items)
        return {
            key: chunk,
            "end": number * size + max(len(chunk) - 1, 0),
            "first_page_uri": link(0),
            "next_page_uri": link(number + 1) if has_next else None,
            "page": number,
            "page_size": size,
            "previous_page_uri": link(number - 1) if number > 0 else None,
            "start": number * size,
            "uri": link(number),
        }


def _matches(record: RequestRecord, name: str, value: str | None) -> bool:
    wanted = record.param(name)
    return wanted is None or wanted == value


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
