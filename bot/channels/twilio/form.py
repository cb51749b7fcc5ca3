"""What Twilio posts to the webhooks, read at the edge.

The signature is checked over the URL built from PUBLIC_URL (so it works behind a proxy
that ends TLS), and each field the club keeps or counts on is taken only in the shape
Twilio sends it: a phone number in E.164, an id of letters and digits, a count of digits
0-9. Anything else is treated as missing, so it never reaches the database (which would
refuse a NUL in a number) and never becomes an error.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from twilio.request_validator import RequestValidator

from bot.channels.request_body import limited_body
from conversations import read_number
from storage.models import LONGEST_INBOUND_KEY

__all__ = ["TwilioForm", "inbound_key", "signed_form"]

LARGEST_FORM_BYTES = 64_000
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
"""E.164: a plus, a country code and at most 15 digits in all."""
PROVIDER_ID = re.compile(r"[A-Za-z0-9]{2,256}")
"""Twilio's SIDs are two letters and 32 hex digits; a compatible provider's may be longer."""


class TwilioForm:
    """A signed form's fields, each read in the shape Twilio sends."""

    def __init__(self, fields: ImmutableMultiDict[str, str]) -> None:
        self._fields = fields

    def value(self, name: str) -> str:
        """The field as sent, or "" when it is missing."""
        return self._fields.get(name, "")

    def phone(self, name: str) -> str:
        """The number in E.164, or "" for none, a withheld one or anything else."""
        found = self.value(name)
        return found if PHONE.fullmatch(found) else ""

    def provider_id(self, *names: str) -> str:
        """The first of these ids that is given, or "" when it is not an id."""
        found = next((self.value(name) for name in names if self.value(name)), "")
        return found if PROVIDER_ID.fullmatch(found) else ""

    def number(self, name: str) -> int | None:
        """A count or code (NumMedia, ErrorCode): digits 0-9 only, or None."""
        return read_number(self.value(name))


async def signed_form(
    request: Request, validator: RequestValidator, public_url: str
) -> TwilioForm | None:
    """The form, if the signature is Twilio's; None for anything forged or garbled."""
    body = await limited_body(request, LARGEST_FORM_BYTES)
    if body is None:
        return None
    try:
        fields = ImmutableMultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return None
    url = f"{public_url}{request.url.path}"
    if request.url.query:
        url = f"{url}?{request.url.query}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not validator.validate(url, fields, signature):
        return None
    return TwilioForm(fields)


def inbound_key(provider_id: str) -> str:
    """A provider's id as it is kept for de-duplication: itself, or its hash if too long."""
    if len(provider_id) <= LONGEST_INBOUND_KEY:
        return provider_id
    return hashlib.sha256(provider_id.encode()).hexdigest()
