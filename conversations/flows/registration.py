"""Registration: your language (when the club has more than one), who you are, your name,
whom you care for, how reminders reach you, consent.

Nothing is kept until consent is given: the answers live only in the conversation's
position, which is cleared on a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from conversations.changes import RefuseConsent, Register
from conversations.flow import (
    SAID,
    Context,
    Flow,
    Goto,
    Question,
    Turn,
    choice,
    no_choice,
    yes_choice,
)
from conversations.languages import (
    DEFAULT_LANGUAGE,
    MORE_LANGUAGES,
    Language,
    language_choices,
    read_language,
)
from conversations.model import Choice, Text, text
from conversations.names import clean_name
from conversations.phones import PhoneProblem, read_uk_phone

__all__ = ["Registration"]

MOST_MEMBERS = 4
CHANNEL_EMOJI = {"here": "💬", "sms": "📱", "voice": "☎️"}


class Registration(Flow):
    name = "registration"
    first_step = "role"

    def __init__(self, languages: Sequence[Language] = ()) -> None:
        self.languages = tuple(languages)

    def begin(self, ctx: Context) -> Turn:
        """The language comes first, when there is a choice: every later question uses it."""
        first = "language" if len(self.languages) > 1 else self.first_step
        return Turn(next=Goto(self.name, first, {}))

    def question(self, ctx: Context, step: str) -> Question:
        club = ctx.snapshot.club_name
        welcome = text("registration.welcome", club=club)
        if step == "language":
            page = int(ctx.data.get("page", 0))
            ask = text("registration.language")
            return Question(
                (welcome, ask) if page == 0 else (ask,),
                text("registration.language.short"),
                language_choices(self.languages, page),
                speak=True,
                words_too=True,
                whole_labels=True,
            )
        if step == "role":
            # greeted again in the language just chosen, unless that is the greeting's own
            greeting: tuple[Text, ...] = (
                () if ctx.data.get("language") == DEFAULT_LANGUAGE else (welcome,)
            )
            return Question(
                (*greeting, text("registration.role")),
                text("registration.role.short"),
                (choice("member", "🙂"), choice("carer", "🤝"), choice("volunteer", "🙌")),
                speak=True,
            )
        if step == "name":
            return Question((text("registration.name"),), text("registration.name.short"))
        if step == "member_name":
            key = (
                "registration.another_member" if ctx.data.get("members") else "registration.member"
            )
            return Question((text(key),), text("registration.member.short"))
        if step == "more_members":
            return Question(
                (text("registration.more_members"),),
                text("registration.more_members.short"),
                (yes_choice(), no_choice()),
            )
        if step == "channel":
            by_phone = (
                choice("sms", CHANNEL_EMOJI["sms"]),
                choice("voice", CHANNEL_EMOJI["voice"]),
            )
            choices: tuple[Choice, ...] = by_phone
            if ctx.snapshot.channel not in {"sms", "voice"}:
                here = "here_telegram" if ctx.snapshot.channel == "telegram" else "here"
                choices = (choice(here, CHANNEL_EMOJI["here"]), *by_phone)
            return Question(
                (text("registration.channel"),), text("registration.channel.short"), choices
            )
        if step == "phone":
            return Question((text("registration.phone"),), text("registration.phone.short"))
        if step == "spoken":
            return Question(
                (text("registration.spoken"),),
                text("registration.spoken.short"),
                (yes_choice(emoji="🔊"), no_choice(emoji="🔇")),
            )
        if step == "consent":
            members = tuple(ctx.data.get("members", []))  # "Bob and Cath", in their language
            key = "registration.consent_carer" if members else "registration.consent"
            return Question(
                (text(key, members=members), text("registration.consent.ask")),
                text("registration.consent.short"),
                (yes_choice("consent_yes", "✅"), no_choice("consent_no", "✋")),
                speak=True,
            )
        raise KeyError(step)

    def answer(self, ctx: Context, step: str, answer: str) -> Turn:
        data = ctx.data
        if step == "language":
            return self._language(ctx, answer)
        if step == "role":
            data["role"] = answer
            return self._next("name")
        if step == "name":
            name = clean_name(answer)
            if name is None:
                return Turn(say=[text("registration.name.invalid")], retry=True)
            data["name"] = name
            return self._next("member_name" if data["role"] == "carer" else "channel")
        if step == "member_name":
            member = clean_name(answer)
            if member is None:
                return Turn(say=[text("registration.name.invalid")], retry=True)
            data.setdefault("members", []).append(member)
            full = len(data["members"]) >= MOST_MEMBERS
            return self._next("channel" if full else "more_members")
        if step == "more_members":
            return self._next("member_name" if answer == "yes" else "channel")
        if step == "channel":
            return self._channel(ctx, answer)
        if step == "phone":
            return self._phone(ctx, answer)
        if step == "spoken":
            data["spoken"] = answer == "yes"
            return self._next("consent")
        if step == "consent":
            return self._consent(ctx, answer)
        raise KeyError(step)

    def _next(self, step: str) -> Turn:
        return Turn(next=Goto(self.name, step))

    def _language(self, ctx: Context, answer: str) -> Turn:
        """A language pressed or typed ("português", "pt", "spanish"), or the next page."""
        if answer == MORE_LANGUAGES:
            ctx.data["page"] = int(ctx.data.get("page", 0)) + 1
            return self._next("language")
        code = read_language(answer.removeprefix(SAID), self.languages)
        if code is None:
            return Turn(say=[text("common.not_understood")], retry=True)
        ctx.data.pop("page", None)
        ctx.data["language"] = code
        return self._next("role")

    def _channel(self, ctx: Context, answer: str) -> Turn:
        here = ctx.snapshot.channel
        chosen = here if answer.startswith("here") else answer
        ctx.data["chosen"] = chosen
        if chosen in {"sms", "voice"} and ctx.snapshot.phone:
            return self._phone(ctx, ctx.snapshot.phone)
        if chosen in {"sms", "voice"}:
            return self._next("phone")
        ctx.data["channels"] = [chosen]
        return self._next("spoken")

    def _phone(self, ctx: Context, answer: str) -> Turn:
        reading = read_uk_phone(answer)
        if isinstance(reading, PhoneProblem):
            return Turn(say=[text(f"registration.phone.{reading.value}")], retry=True)
        ctx.data["phone"] = reading.e164
        ctx.data["landline"] = reading.is_landline
        chosen = ctx.data["chosen"]
        say = []
        if reading.is_landline and chosen == "sms":
            chosen = "voice"
            say.append(text("registration.phone.landline_call"))
        spoken_by_phone = ["voice"] if reading.is_landline else ["sms", "voice"]
        here = [] if ctx.snapshot.channel in {"sms", "voice"} else [ctx.snapshot.channel]
        order = [chosen, *spoken_by_phone, *here]
        ctx.data["channels"] = list(dict.fromkeys(order))
        return Turn(say=say, next=Goto(self.name, "spoken"))

    def _consent(self, ctx: Context, answer: str) -> Turn:
        data = ctx.data
        if answer != "consent_yes":
            return Turn(say=[text("registration.refused")], changes=[RefuseConsent()])
        register = Register(
            role=data["role"],
            name=data["name"],
            member_names=tuple(data.get("members", [])),
            channels=tuple(data["channels"]),
            phone=data.get("phone"),
            phone_is_landline=bool(data.get("landline", False)),
            spoken=bool(data.get("spoken", False)),
            language=data.get("language", DEFAULT_LANGUAGE),
        )
        thanks = text("registration.done", name=data["name"])
        if data["role"] == "volunteer":
            return Turn(say=[thanks, text("registration.done_volunteer")], changes=[register])
        return Turn(say=[thanks], changes=[register], next=Goto("preferences", "offer", {}))
