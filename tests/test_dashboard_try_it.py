"""Try it: the web page's practice chat runs the real engine on a club of its own. A test
carer registers by pressing buttons alone (typing only names), and the club's real
people are untouched; a committee member cannot use it."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.bootstrap import Club
from storage.models import Person
from tests.club_data import add_person
from tests.dashboard_support import browser, sign_in

PRESSES = (
    ("choice", "lang_en"),
    ("choice", "carer"),
    ("words", "Jo"),
    ("words", "Mary"),
    ("choice", "no"),
    ("choice", "here"),
    ("choice", "no"),
    ("choice", "consent_yes"),
)
CLUB_SAYS = re.compile(r'class="from-club".*?<span class="words">(.*?)</span>', re.S)


async def test_a_test_carer_registers_by_buttons_apart_from_the_club(club: Club) -> None:
    async with browser(club) as client:
        csrf = await sign_in(club, client)
        page = await client.get("/dashboard/try")
        assert "Which language would you like" in page.text
        for field, value in PRESSES:
            if field == "choice":
                assert f'name="choice" value="{value}"' in page.text, value
            page = await client.post(
                "/dashboard/try", data={"csrf": csrf, field: value}, follow_redirects=True
            )
            assert page.status_code == 200
        said = CLUB_SAYS.findall(page.text)
        assert "Thank you, Jo. You will now get messages from the club." in said[-1]
        stale = await client.post(
            "/dashboard/try", data={"csrf": csrf, "choice": "lang_pt"}, follow_redirects=True
        )
        assert CLUB_SAYS.findall(stale.text) == said, "a button no longer shown does nothing"
        again = await client.post(
            "/dashboard/try", data={"csrf": csrf, "again": "yes"}, follow_redirects=True
        )
        assert "Which language would you like" in CLUB_SAYS.findall(again.text)[-1]
    async with club.units() as uow:
        names = set(await uow.session.scalars(select(Person.name)))
    assert not names & {"Jo", "Mary"}, "nobody from the practice chat joined the club"


async def test_try_it_is_for_coordinators(club: Club) -> None:
    await add_person(club, "Carol", roles=("committee",))
    async with browser(club) as client:
        csrf = await sign_in(club, client, "Carol")
        assert (await client.get("/dashboard/try")).status_code == 403
        refused = await client.post("/dashboard/try", data={"csrf": csrf, "words": "hi"})
        assert refused.status_code == 403
    async with browser(club) as client:
        refused = await client.post("/dashboard/try", data={"words": "hi"})
        assert refused.status_code == 303, "signed out: to the sign-in page"
