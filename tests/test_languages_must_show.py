"""Must show (issue 7): a Portuguese-speaking member registered by their carer gets a
reminder in Portuguese text and Portuguese speech, the answer "sim" is understood, and the
member is recorded as coming.

The whole stack runs: the real Telegram channel and sender against the fake Bot API, the
engine and storage, the planner and dispatcher on a fake clock, and real offline speech
(espeak-ng, then MP3 to OGG/Opus), with the speech engine's calls noted. Maria, the
member, is known to the club through Ana, her carer, who registered them both in
Portuguese; the reminder about Maria goes to Ana, in Portuguese, and Ana answers for her.
"""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from bot.channels.speech import OfflineSpeech
from storage.models import OutboxMessage, Person, PersonDay, SessionAnswer
from tests.club_data import add_series
from tests.clubs import telegram_club
from tests.fakes.clock import FakeClock, dispatcher_for, local, planner_for
from tests.telegram_support import keyboard_of

ANA = 351_000_001
THURSDAY = 3
BEFORE = local(2026, 12, 2, 8, 0)
DAY_BEFORE = local(2026, 12, 2, 11, 0)


async def test_a_portuguese_member_gets_a_portuguese_reminder_and_is_recorded_coming(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[tuple[str, str, str]] = []
    speak = OfflineSpeech.synthesise

    async def hearing(
        engine: OfflineSpeech, words: str, language: str, tld: str, slow: bool
    ) -> bytes:
        heard.append((words, language, tld))
        return await speak(engine, words, language, tld, slow)

    monkeypatch.setattr(OfflineSpeech, "synthesise", hearing)

    async with telegram_club(database_url) as tg:
        club = tg.club
        clock = FakeClock(BEFORE)
        club.dialogue.clock = clock

        # Ana registers herself and Maria, in Portuguese, typing her answers.
        said = {
            "/start": "Which language would you like your messages in?",
            "Português": "Damos-lhe as boas-vindas ao Healthy Living Club.",
            "2": "Qual é o seu primeiro nome?",
            "Ana": "Qual é o nome da pessoa de quem cuida?",
            "Maria": "Cuida de mais alguém que vem ao clube?",
            "não": "Como quer receber os lembretes?",
            "1": "Também quer ouvir as suas mensagens lidas em voz alta?",
            "sim": "Maria",
            "Sim, está bem": "Obrigado, Ana.",
            "Mais tarde": "Está bem.",
        }
        for words, reply in said.items():
            await tg.say(ANA, words, first_name="Ana")
            assert any(reply in r for r in tg.replies(ANA)), (words, tg.replies(ANA))

        async with club.units() as uow:
            people = {p.name: p for p in await uow.session.scalars(select(Person))}
            ana, maria = people["Ana"], people["Maria"]
            assert (ana.language, maria.language) == ("pt", "pt")
            assert ana.telegram_id == ANA and ana.spoken
            series = await add_series(club, "Cantar", THURSDAY, time(10, 30), time(12, 30))
            uow.session.add(PersonDay(person_id=maria.id, series_id=series))
            await uow.commit()
            maria_id, ana_id = maria.id, ana.id

        # The day before, the reminder about Maria reaches Ana: words, then speech.
        await planner_for(club, clock).plan()
        club.dialogue.shape.forget()  # the series was added behind the running club's back
        clock.set(DAY_BEFORE)
        dispatcher = dispatcher_for(club, clock, {"telegram": club.senders["telegram"]})
        while await dispatcher.run_once():
            pass

        reminder = tg.fake.sent_messages(ANA)[-1]
        assert reminder["text"] == (
            "Lembrete: sessão Cantar, com música. É quinta-feira, 3 de dezembro, às 10:30."
            "\n\nÉ em St Luke's Hall, SE27 9JU.\n\nMaria vem à sessão?"
        )
        buttons = [b["text"] for row in keyboard_of(reminder) for b in row]
        assert buttons == [
            "✅ Sim, vou",
            "❌ Desta vez não",
            "🚗 Ajuda para lá chegar",
            "🙋 Falar com uma pessoa",
        ]
        [voice] = tg.fake.sent_voices(ANA)[-1:]
        assert voice.data.startswith(b"OggS") and voice.message["voice"]["duration"] >= 2
        spoken, language, tld = heard[-1]
        assert (language, tld) == ("pt", "pt")
        assert spoken.startswith("Lembrete: sessão Cantar, com música. É quinta-feira")

        assert "Pode responder: Sim, vou, Desta vez não e Ajuda para lá chegar." in spoken

        # Ana answers "sim"; Maria is recorded as coming, answered by Ana.
        await tg.say(ANA, "sim", first_name="Ana")
        assert tg.replies(ANA) == ["Obrigado. Até lá!"]
        async with club.units() as uow:
            answers = list(await uow.session.scalars(select(SessionAnswer)))
            assert [(a.person_id, a.answer, a.answered_by_id) for a in answers] == [
                (maria_id, "coming", ana_id)
            ]
            rows = list(await uow.session.scalars(select(OutboxMessage)))
            assert {row.person_id for row in rows} == {ana_id}
