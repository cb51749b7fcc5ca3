"""What the fuzz test sends, as Hypothesis strategies: Telegram updates (as Telegram sends
them, with a field of the wrong type, or not JSON at all), texts, calls and delivery
reports (signed by Twilio's own validator, unsigned, or signed wrongly), and requests for
audio. Each is a plain description; `tests.fuzz_poster` turns it into a request.

People come from small pools, so conversations really move on (registration, reminders,
a coordinator's menus); their names, numbers and words are distinctive, so a test can
look for them in the logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.channels.twilio.webhooks import DONE, FAILED
from tests.twilio_support import CLUB_NUMBER

__all__ = [
    "COORDINATOR",
    "MARKED",
    "MEMBERS_ON_TELEGRAM",
    "PHONES",
    "PROVIDER_IDS",
    "REGISTERED_PHONES",
    "TELEGRAM_PEOPLE",
    "AudioProbe",
    "TelegramProbe",
    "TwilioProbe",
    "audio_probes",
    "sms_probes",
    "status_probes",
    "telegram_mix",
    "voice_probes",
]

TELEGRAM_PEOPLE = (9100000001, 9100000002, 9100000003, 9100000004, 9100000005)
MEMBERS_ON_TELEGRAM = TELEGRAM_PEOPLE[:2]
COORDINATOR = TELEGRAM_PEOPLE[2]
PHONES = ("+447700900201", "+447700900202", "+447700900203", "+447700900204")
REGISTERED_PHONES = PHONES[:2]
PROVIDER_IDS = (*(f"SM{n:032x}" for n in range(1, 4)), "CA" + "7" * 32)
"""Sent rows' provider ids, for delivery reports that find their row."""
SETTLING = DONE | FAILED
MARKED = (
    "Wilhelmina Quigg",
    "Bartholomew Nkemelu",
    "Ottoline Ferraby",
    "marmalade",
    "xylophonist",
    "grandchildren",
)
"""Names and words people type that no log line may carry."""

ODD_DIGITS = ("፩", "²", "٣", "３", "5" * 5000, "9" * 19, "0")
ANSWERS = ("1", "2", "3", "0", "yes", "no", "not sure", "help", "👍", "STOP", "START", "HELP")
COMMANDS = ("/start", "/help", "/preferences", "/mydata", "/forgetme", "/language")
COORDINATOR_COMMANDS = ("/sessions", "/notice", "/attendance", "/roles", "/choose", "/report")


def weighted(*choices: tuple[st.SearchStrategy[Any], int]) -> st.SearchStrategy[Any]:
    """One of the strategies, each chosen about `weight` times in the sum of weights
    (Hypothesis's own `one_of` leans to some branches)."""
    pool = [strategy for strategy, weight in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


typed = st.one_of(
    st.sampled_from(ANSWERS + ODD_DIGITS + MARKED + COMMANDS + COORDINATOR_COMMANDS),
    st.text(min_size=1, max_size=80),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(MARKED), st.text(max_size=20)),
    st.sampled_from(("07700 900203", "+44 7700 900204", "3 December", "10:30", "SE27 9JU")),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
BIG_IDS = (0, -1, 2**52, 2**63, 2**64 + 7, -(2**63) - 1, 10**70)


@dataclass(frozen=True)
class TelegramProbe:
    """kind: "text", "voice", "press", "edited", "group", "mutated" (a field replaced by
    any JSON value), "no_sender" (a press without "from"), "json" or "bytes" (the body),
    "deep" (`words` opening `depth` times: JSON nested past any parser's depth)."""

    kind: str
    user: int
    words: str = ""
    data: str | None = None
    """A press's callback data; None: a button the bot really sent (`button`-th)."""
    button: int = 0
    field: int = 0
    value: Any = None
    body: bytes = b""
    depth: int = 0
    secret_ok: bool = True

    @property
    def valid(self) -> bool:
        """A genuine input from a person: it must be answered, or kept."""
        ordinary = self.kind in {"text", "voice"} or (self.kind == "press" and self.data is None)
        return self.secret_ok and ordinary and self.user in TELEGRAM_PEOPLE


@dataclass(frozen=True)
class TwilioProbe:
    path: str
    fields: tuple[tuple[str, str], ...]
    signing: str = "twilio"
    """"twilio", "none" (no signature) or "wrong" (signed with another token)."""
    fresh: str | None = None
    """A field given a new provider id when posted (so a valid input is never a replay)."""

    @property
    def valid(self) -> bool:
        fields = dict(self.fields)
        if self.signing != "twilio" or self.fresh is None:
            return False
        if self.path == "/twilio/sms":
            return fields.get("From") in PHONES and fields.get("To") == CLUB_NUMBER
        return self.path.startswith("/twilio/voice") and fields.get("From") in PHONES

    @property
    def settles(self) -> bool:
        """A genuine delivery report that settles a sent row (which must then be kept)."""
        fields = dict(self.fields)
        return (
            self.signing == "twilio"
            and fields.get("MessageSid") in PROVIDER_IDS
            and fields.get("MessageStatus") in SETTLING
        )


@dataclass(frozen=True)
class AudioProbe:
    key: str


telegram_people = st.sampled_from(TELEGRAM_PEOPLE * 4 + BIG_IDS)
secret_ok = st.sampled_from((True,) * 9 + (False,))


def _probe(kind: str, **fields: Any) -> st.SearchStrategy[TelegramProbe]:
    return st.builds(
        TelegramProbe, st.just(kind), user=telegram_people, secret_ok=secret_ok, **fields
    )


genuine_telegram = st.one_of(
    _probe("text", words=typed), _probe("voice"), _probe("press", button=st.integers(0, 4))
)
telegram_probes = st.one_of(
    genuine_telegram,
    _probe("press", data=st.text(max_size=64) | st.sampled_from(("q²:yes", "q1:s9m9.coming"))),
    _probe("edited", words=typed),
    _probe("group", words=typed),
    _probe("no_sender", data=st.text(max_size=20)),
    _probe("mutated", words=typed, field=st.integers(0, 40), value=json_values),
    _probe("json", body=json_values.map(lambda v: json.dumps(v).encode())),
    _probe("bytes", body=st.binary(max_size=300)),
    _probe("deep", words=st.sampled_from(("[", "{", '{"a":')), depth=st.integers(1, 100_000)),
)

phones = weighted(
    (st.sampled_from(PHONES), 6),
    (st.sampled_from(("+4477009\x000201", "anonymous", "", "07700 900201", "+" + "4" * 40)), 1),
    (st.text(max_size=20), 1),
)
field_text = st.text(max_size=40)
signing = st.sampled_from(("twilio",) * 8 + ("none", "wrong"))
extra_fields = st.lists(st.tuples(st.text(min_size=1, max_size=10), field_text), max_size=3)


def _fields(**named: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    pairs = st.tuples(*(st.tuples(st.just(name), value) for name, value in named.items()))
    return st.builds(lambda a, b: tuple(a) + tuple(b), pairs, extra_fields)


sms_probes = st.builds(
    TwilioProbe,
    st.just("/twilio/sms"),
    _fields(
        From=phones,
        To=st.sampled_from((CLUB_NUMBER,) * 6 + ("+447700900999", "")),
        Body=typed,
        NumMedia=st.sampled_from(("0", "1", "²", "5" * 5000, "")),
    ),
    signing=signing,
    fresh=st.sampled_from(("MessageSid",) * 6 + (None,)),
)
voice_probes = st.builds(
    TwilioProbe,
    st.builds(
        "/twilio/voice?round={}&quiet={}".format,
        st.sampled_from(("1", "2", "7", "²", "99999", "")),
        st.sampled_from(("0", "1", "3", "٣", "")),
    ),
    _fields(
        From=phones,
        To=st.sampled_from((CLUB_NUMBER, *PHONES)),
        Direction=st.sampled_from(("inbound", "outbound-api", "", "sideways")),
        Digits=st.sampled_from(("", "1", "2", "3", "0", "*", "#", "²", "፩")) | field_text,
    ),
    signing=signing,
    fresh=st.sampled_from(("CallSid",) * 6 + (None,)),
)
status_probes = st.builds(
    TwilioProbe,
    st.just("/twilio/status"),
    _fields(
        MessageSid=st.sampled_from(PROVIDER_IDS) | field_text,
        MessageStatus=st.sampled_from(("delivered", "failed", "undelivered", "sent", "read"))
        | field_text,
        ErrorCode=st.sampled_from(("", "21610", "30003", "20003", "²", "5" * 5000)) | field_text,
    ),
    signing=signing,
)
audio_probes = st.builds(AudioProbe, st.text(max_size=80) | st.sampled_from(("0" * 64, "a.mp3")))

telegram_mix = weighted((genuine_telegram, 1), (telegram_probes, 1))
"""About half of them genuine inputs from people."""
