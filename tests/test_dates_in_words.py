"""Dates a person reads are written by Babel in their own language ("1 August 2026",
"1 de agosto de 2026"), in the club's time zone, never as "31/07/2026" (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from conversations import (
    Catalogue,
    Engine,
    Input,
    PersonView,
    Snapshot,
    all_flows,
)
from storage.models import Person
from tests.clubs import add_person as person
from tests.clubs import coordinator_club

CATALOGUE = Catalogue.load()
ENGINE = Engine(all_flows(CATALOGUE.language_list()), CATALOGUE.vocabulary, CATALOGUE.label)
CONSENTED = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
"""Half past midnight on 1 August in London (summer time)."""
WRITTEN = {
    "en": "Ann said yes to this on 1 August 2026.",
    "pt": "1 de agosto de 2026",
    "pl": "1 sierpnia 2026",
}
ANN = 2002


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_my_data_writes_the_consent_date_in_the_persons_language(language: str) -> None:
    ann = PersonView(
        1, "Ann", frozenset({"member"}), language=language, consent_by="Ann", consent_at=CONSENTED
    )
    outcome = ENGINE.handle(Snapshot("telegram", "Club", ann), None, Input.command("mydata"))
    [consent] = [t for reply in outcome.replies for t in reply.texts if t.key == "mydata.consent"]
    words = CATALOGUE.render(language, consent)
    assert WRITTEN[language] in words
    assert "/" not in words and "31" not in words


@pytest.mark.parametrize("language", ["en", "pt"])
async def test_on_telegram_my_data_says_the_date_in_words(database_url: str, language: str) -> None:
    async with coordinator_club(database_url) as scene:
        ann = await person(scene.club, "Ann", telegram_id=ANN)
        async with scene.club.units() as uow:
            changed = {"language": language, "consent_at": CONSENTED}
            await uow.session.execute(update(Person).where(Person.id == ann).values(**changed))
            await uow.commit()
        await scene.tg.say(ANN, "/mydata")
        shown = "\n".join(scene.tg.replies(ANN))
        assert WRITTEN[language] in shown
        assert "31/07/2026" not in shown and "01/08/2026" not in shown
