"""A phone call's rounds (POST /twilio/voice): the question said, then a key or a few
words taken as its answer. A spoken answer is read back and counts only once the person
says it is right. Silence twice, words not understood twice, or "help" (or 0) at any
point end kindly: the club will ring them, and the coordinator is asked to. An
answering machine hears the whole reminder after its greeting."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from bot.channels.twilio.form import TwilioForm, inbound_key, signed_form
from bot.channels.twilio.listening import (
    LOWEST_CONFIDENCE,
    RIGHT,
    WRONG,
    confidence_of,
    digit_of,
    heard_key,
    left_message,
    read_back,
)
from bot.channels.twilio.voice import AudioUrl, AudioUrlFor, say_voice, twiml_for
from bot.service.alerts import CoordinatorAlerts
from bot.service.dialogue import Dialogue
from conversations import HELP_CHOICE, Catalogue, Input, Reply, read_number, text
from storage import UnitOfWorkFactory

__all__ = ["QUIET_ROUNDS", "CallAnswers", "goodbye"]

QUIET_ROUNDS = 2
"""Silence this many times (or words not understood this many times) hands over."""
XML = "application/xml"


@dataclass(frozen=True)
class Round:
    """One request of a call: where it is (from our own signed URL) and what was given."""

    number: int
    quiet: int
    missed: int
    heard: str
    digits: str
    speech: str
    confident: bool

    @classmethod
    def of(cls, request: Request, form: TwilioForm) -> Round:
        heard = request.query_params.get("heard", "")
        speech = form.value("SpeechResult").strip()[:200]
        return cls(
            number=_counter(request, "round", 1),
            quiet=_counter(request, "quiet", 0),
            missed=_counter(request, "missed", 0),
            heard=heard if heard in set("123456789") and len(heard) == 1 else "",
            digits=form.value("Digits").strip()[:1],
            speech=speech,
            confident=confidence_of(form.value("Confidence")) >= LOWEST_CONFIDENCE,
        )


@dataclass(frozen=True)
class Caller:
    address: str
    person: int | None
    language: str


class CallAnswers:
    def __init__(
        self,
        validator: RequestValidator,
        public_url: str,
        dialogue: Dialogue,
        catalogue: Catalogue,
        units: UnitOfWorkFactory,
        alerts: CoordinatorAlerts,
        audio_url: AudioUrlFor,
        club_name: str,
    ) -> None:
        self._validator = validator
        self._public_url = public_url
        self._dialogue = dialogue
        self._catalogue = catalogue
        self._units = units
        self._alerts = alerts
        self._audio_url = audio_url
        self._club_name = club_name

    async def voice(self, request: Request) -> Response:
        form = await signed_form(request, self._validator, self._public_url)
        if form is None:
            return PlainTextResponse("Forbidden", status_code=403)
        call_sid = form.provider_id("CallSid")
        outbound = form.value("Direction").startswith("outbound")
        phone = form.phone("To" if outbound else "From")
        if not call_sid or not phone:
            return self._goodbye("voice.handover")
        address = f"voice:{phone}"
        known = await self._person_of(address)
        if known is None and not outbound:
            await self._alerts.tell(
                text("coordinator.new_number", channel=text("channel.voice"), number=phone)
            )
            return self._goodbye("voice.greeting")
        caller = Caller(address, *(known or (None, "en")))
        answered_by = form.value("AnsweredBy")
        if answered_by.startswith("machine") or answered_by == "fax":
            return await self._machine(caller, answered_by)
        turn = Round.of(request, form)
        once = f"voice:{inbound_key(f'{call_sid}:{turn.number}')}"
        if turn.digits == "0":
            return await self._hand_over(caller, once)
        if turn.heard:
            return await self._checking(caller, turn, once)
        if turn.speech:
            return await self._spoken(caller, turn, once)
        if not turn.digits and turn.quiet >= QUIET_ROUNDS:
            return await self._hand_over(caller, once)
        said = Input.typed(turn.digits) if turn.digits else Input.repeat()
        return await self._answered(caller, turn, said, once)

    async def _answered(self, caller: Caller, turn: Round, said: Input, once: str) -> Response:
        """The engine takes the key (or says the question again on silence)."""
        answer = await self._dialogue.handle(caller.address, said, once=once)
        if answer.duplicate:  # this round came again: say where things stand, change nothing
            answer = await self._dialogue.handle(caller.address, Input.repeat())
        quiet = 0 if turn.digits else turn.quiet + 1
        return await self._ask(caller, answer.replies, turn, quiet=quiet, missed=0)

    async def _spoken(self, caller: Caller, turn: Round, once: str) -> Response:
        """Words for the open question: read back what they seem to mean, or ask again."""
        replies = (await self._dialogue.handle(caller.address, Input.repeat())).replies
        question = replies[-1] if replies and replies[-1].choices else None
        if question is None:
            return await self._ask(caller, replies, turn, quiet=0, missed=0)
        key = self._heard(caller, question, turn)
        if key == HELP_CHOICE:
            return await self._hand_over(caller, once)
        if key is None:
            return await self._not_caught(caller, turn, replies, once)
        checking = read_back(question, digit_of(question, key))
        assert checking is not None  # the key was one of this question's answers
        heard = digit_of(question, key)
        return await self._ask(caller, [checking], turn, quiet=0, missed=0, heard=heard)

    async def _checking(self, caller: Caller, turn: Round, once: str) -> Response:
        """The answer to "You said: ... Is that right?": yes counts it, no asks again."""
        replies = (await self._dialogue.handle(caller.address, Input.repeat())).replies
        question = replies[-1] if replies and replies[-1].choices else None
        checking = None if question is None else read_back(question, turn.heard)
        if checking is None:  # the question was answered or closed meanwhile
            return await self._ask(caller, replies, turn, quiet=0, missed=0)
        key = {"1": RIGHT.key, "2": WRONG.key}.get(turn.digits)
        if turn.speech:
            key = self._heard(caller, checking, turn)
        if key == RIGHT.key:
            return await self._answered(caller, turn, Input.typed(turn.heard), once)
        if key == WRONG.key:
            return await self._ask(caller, replies, turn, quiet=0, missed=0)
        if key == HELP_CHOICE:
            return await self._hand_over(caller, once)
        if not turn.speech and not turn.digits:
            if turn.quiet >= QUIET_ROUNDS:
                return await self._hand_over(caller, once)
            return await self._ask(
                caller, [checking], turn, quiet=turn.quiet + 1, missed=0, heard=turn.heard
            )
        return await self._not_caught(caller, turn, [checking], once, heard=turn.heard)

    async def _machine(self, caller: Caller, answered_by: str) -> Response:
        """After an answering machine's greeting, the whole reminder and how to answer; a
        fax hears nothing. Nothing is recorded: the question stays open."""
        if answered_by == "fax":
            silent = VoiceResponse()
            silent.hangup()
            return Response(str(silent), media_type=XML)
        replies = (await self._dialogue.handle(caller.address, Input.repeat())).replies
        if replies and replies[-1].choices:
            replies = [*replies[:-1], left_message(replies[-1])]
        twiml = await twiml_for(
            self._catalogue, caller.language, replies, "", None, self._played_to(caller.person)
        )
        return Response(twiml, media_type=XML)

    def _heard(self, caller: Caller, question: Reply, turn: Round) -> str | None:
        if not turn.confident:
            return None
        return heard_key(self._catalogue, caller.language, question, turn.speech)

    async def _not_caught(
        self, caller: Caller, turn: Round, replies: list[Reply], once: str, heard: str = ""
    ) -> Response:
        """Words not understood: "Sorry, I did not catch that." and the question again;
        the second time, a person will ring them."""
        if turn.missed + 1 >= QUIET_ROUNDS:
            return await self._hand_over(caller, once)
        sorry = Reply((text("voice.not_caught"),))
        return await self._ask(
            caller, [sorry, *replies], turn, quiet=0, missed=turn.missed + 1, heard=heard
        )

    async def _ask(
        self,
        caller: Caller,
        replies: list[Reply],
        turn: Round,
        *,
        quiet: int,
        missed: int,
        heard: str = "",
    ) -> Response:
        base = f"{self._public_url}/twilio/voice?round={turn.number + 1}"
        kept = f"&missed={missed}" + (f"&heard={heard}" if heard else "")
        twiml = await twiml_for(
            self._catalogue,
            caller.language,
            replies,
            action=f"{base}&quiet=0{kept}",
            silence=f"{base}&quiet={quiet}{kept}",
            audio=self._played_to(caller.person),
        )
        return Response(twiml, media_type=XML)

    async def _hand_over(self, caller: Caller, once: str) -> Response:
        """The coordinator is asked to ring (as a 0 on the keypad), then kind last words."""
        await self._dialogue.handle(caller.address, Input.typed("0"), once=once)
        return self._goodbye("voice.handover", caller.language)

    def _played_to(self, person_id: int | None) -> AudioUrl:
        """Audio for this call, linked to the person it is played to (erased with them)."""

        async def url(words: str, language: str) -> str | None:
            return await self._audio_url(words, language, for_person=person_id)

        return url

    async def _person_of(self, address: str) -> tuple[int, str] | None:
        """The person's id and language, or None for a number the club does not know."""
        async with self._units() as uow:
            person = await uow.people.by_address(address)
            return None if person is None else (person.id, person.language)

    def _goodbye(self, key: str, language: str = "en") -> Response:
        return goodbye(self._catalogue, key, language, self._club_name)


def goodbye(catalogue: Catalogue, key: str, language: str, club_name: str) -> Response:
    """Words said in Twilio's own voice for the language, then the call ends."""
    response = VoiceResponse()
    words = catalogue.render(language, text(key, club=club_name))
    voice, tag = say_voice(catalogue, language)
    response.say(words, voice=voice, language=tag)
    response.hangup()
    return Response(str(response), media_type=XML)


def _counter(request: Request, name: str, missing: int) -> int:
    counted = read_number(request.query_params.get(name, ""), most_digits=3)
    return counted if counted is not None else missing
