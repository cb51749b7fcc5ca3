"""Issue 16, no silence: everything a reminder call may say (the question, each answer's
read-back, the kind "Sorry", the message for a machine) is spoken and cached before the
number is rung, so nothing is synthesised while the person waits on the line."""

from __future__ import annotations

from storage.models import SpeechClip
from tests.club_data import add_phone_person, queue_reminder
from tests.club_rows import answer_of, rows
from tests.clubs import twilio_club
from tests.twilio_support import LANDLINE, add_session


async def test_a_calls_audio_is_made_before_it_rings(database_url: str) -> None:
    async with twilio_club(database_url, tts_engine="offline") as tc:
        ann = await add_phone_person(tc.club, "Ann", LANDLINE, landline=True, channels="voice")
        session = await add_session(tc.club)
        await queue_reminder(tc.club, ann, session)
        assert await rows(tc.club, SpeechClip) == []

        await tc.dispatch()

        made = {clip.key: clip.words for clip in await rows(tc.club, SpeechClip)}
        assert len(made) == 6  # the question, three read-backs, "Sorry", the machine's
        [call] = tc.fake.call_requests
        question = await tc.answer(call)
        sorry = await tc.say(call, question, "purple elephants")
        checking = await tc.say(call, sorry, "no")
        thanked = await tc.say(call, checking, "yes")
        played = [*question.played, *sorry.played, *checking.played, *thanked.played]
        assert {url.rpartition("/")[2].removesuffix(".mp3") for url in played[:4]} <= set(made)
        assert len(played) == 5 and len(set(played[:4])) == 3  # the question twice
        assert {clip.key for clip in await rows(tc.club, SpeechClip)} == set(made) | {
            played[4].rpartition("/")[2].removesuffix(".mp3")
        }  # only the thanks, said after the answer, is made on the call
        assert await answer_of(tc.club, session, ann) == "not_coming"


async def test_with_twilio_voice_polly_a_neural_voice_speaks_instead(database_url: str) -> None:
    async with twilio_club(database_url, tts_engine="offline", twilio_voice="polly") as tc:
        ana = await add_phone_person(
            tc.club, "Ana", LANDLINE, landline=True, channels="voice", language="pt"
        )
        await queue_reminder(tc.club, ana, await add_session(tc.club))
        await tc.dispatch()

        question = await tc.answer(tc.fake.call_requests[-1])

        assert question.played == [] and await rows(tc.club, SpeechClip) == []
        say = question.root.find(".//Say")
        assert say is not None and say.attrib == {"voice": "Polly.Ines-Neural", "language": "pt-PT"}
        assert "carregue em 1" in (say.text or "")
