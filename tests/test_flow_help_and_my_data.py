"""Talk to a person, my data and forget me, through the engine and storage."""

from __future__ import annotations

import pytest

from bot.bootstrap import Club
from conversations import Input, InputKind, Text
from storage.models import (
    AuditEntry,
    CareLink,
    HelpRequest,
    Person,
    PersonDay,
    PersonRole,
    Preference,
    SessionSeries,
)
from storage.models import Position as PositionRow
from tests.club_rows import (
    BY_PHONE,
    FIRST_PROMPT,
    ROLE_PROMPT,
    ROLES,
    answered_by,
    count,
    member_script,
    members_of,
    non_demo_people,
    opening,
    person,
    position,
    register_carer,
    register_member,
    rows,
    tables_mentioning,
)
from tests.dialog import Log, Said, mentions, press, run_dialog, says

HOW_TO_ASK = [press("person"), "0", "help", "Talk to a person", "HELP please", "0️⃣"]


@pytest.mark.parametrize("asking", HOW_TO_ASK, ids=repr)
async def test_help_at_a_choice_is_recorded_and_the_question_asked_again(
    club: Club, asking: Said
) -> None:
    log = await run_dialog(club.dialogue, "console:guest", opening())
    asked = log.question
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            (
                asking,
                says("help.requested", "help.carry_on", *ROLE_PROMPT, choices=ROLES),
            ),
            (press("carer"), says("registration.name")),
        ],
        log,
    )
    assert asked is not None
    assert log.answers[-2].replies[-1].question_id == asked.question_id
    requests = await rows(club, HelpRequest)
    assert [(r.person_id, r.address, r.where, r.kind) for r in requests] == [
        (None, "console:guest", "registration.role", "talk")
    ]


@pytest.mark.parametrize("asking", ["0", "help", press("person")], ids=repr)
async def test_help_at_a_typed_answer_keeps_the_question(club: Club, asking: Said) -> None:
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            *opening(),
            (press("member"), says("registration.name")),
            (asking, says("help.requested", "help.carry_on", "registration.name")),
            ("Ann", says("registration.channel")),
        ],
    )
    requests = await rows(club, HelpRequest)
    assert [r.where for r in requests] == ["registration.name"]


class Told:
    """An alert sink that keeps what the coordinators were told."""

    def __init__(self) -> None:
        self.messages: list[Text] = []

    async def send(self, message: Text, attachment: str) -> None:
        self.messages.append(message)


async def test_a_member_asking_for_help_is_named_and_the_coordinator_told(club: Club) -> None:
    told = Told()
    club.alerts.add_sink(told)
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("start_now"), says("preferences.activity")),
            ("0", mentions("help.requested", "preferences.activity")),
            (press("yes"), says("preferences.activity")),
        ],
        log,
    )
    ann = await person(club, "Ann")
    requests = await rows(club, HelpRequest)
    assert [(r.person_id, r.address, r.where) for r in requests] == [
        (ann.id, None, "preferences.activity")
    ]
    assert len(told.messages) == 1
    alert = told.messages[0]
    assert alert.params["who"] == "Ann"
    assert alert.params["where"] == Text("where.preferences")
    assert (await count(club, Preference)) == 1, "the answer after help still lands"


async def test_help_with_no_question_open(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("later"), says("preferences.later")),
            ("help", says("help.requested", choices=())),
            ("/help", says("help.about", "menu.hello", "menu.ask")),
        ],
        log,
    )
    requests = await rows(club, HelpRequest)
    assert [r.where for r in requests] == ["idle.idle"]


async def test_an_old_talk_to_a_person_button_still_reaches_a_person(club: Club) -> None:
    log = await run_dialog(club.dialogue, "console:guest", opening())
    old = log.question
    assert old is not None and old.question_id is not None
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            (press("member"), says("registration.name")),
            (
                press("person", old.question_id),
                says("help.requested", "help.carry_on", "registration.name"),
            ),
        ],
        log,
    )
    assert await count(club, HelpRequest) == 1


@pytest.mark.parametrize("asking", ["help", "0", press("person", 0)], ids=repr)
async def test_a_newcomer_whose_first_word_is_help_reaches_a_person(
    club: Club, asking: Said
) -> None:
    await run_dialog(
        club.dialogue,
        "sms:+447700900123",
        [
            (asking, says("help.requested", "help.carry_on", *FIRST_PROMPT)),
            *opening()[1:],
            (press("member"), says("registration.name")),
        ],
    )
    requests = await rows(club, HelpRequest)
    assert [(r.person_id, r.address) for r in requests] == [(None, "sms:+447700900123")]


async def ann_with_choices(club: Club) -> Log:
    """Ann, a member on text messages, who likes music and art and comes on Tuesdays."""
    steps = member_script("Ann", "sms", offered=BY_PHONE)
    log = await run_dialog(club.dialogue, "sms:+447700900123", steps)
    return await run_dialog(
        club.dialogue,
        "sms:+447700900123",
        [
            (press("start_now"), None),
            (press("yes"), None),
            (press("yes"), None),
            (press("no"), None),
            (press("carry_on"), None),
            (press("unsure"), None),
            ("/preferences", None),
        ],
        log,
    )


async def test_my_data_shows_what_is_held(club: Club) -> None:
    log = await ann_with_choices(club)
    ann = await person(club, "Ann")
    tuesday = next(s for s in await rows(club, SessionSeries) if s.title == "Tuesday Club")
    async with club.units() as uow:
        await uow.people.set_day(ann.id, tuesday.id, True)
        await uow.commit()
    log = await run_dialog(
        club.dialogue,
        "sms:+447700900123",
        [
            (
                "/mydata",
                says(
                    "mydata.intro",
                    "mydata.name",
                    "mydata.channels",
                    "mydata.phone",
                    "mydata.spoken_off",
                    "mydata.activities_yes",
                    "mydata.activities_unsure",
                    "mydata.activities_no",
                    "mydata.days",
                    "mydata.timing",
                    "mydata.consent",
                    "mydata.next",
                    choices=("change", "forget", "all_fine"),
                ),
            )
        ],
        log,
    )
    said = {part.key: part for part in log.last.replies[0].texts}
    render = club.catalogue.render
    assert render("en", said["mydata.name"]) == "Your name: Ann."
    assert render("en", said["mydata.channels"]) == "Reminders come by text message and phone call."
    assert render("en", said["mydata.phone"]) == "Your phone number: +447700900123."
    assert render("en", said["mydata.activities_yes"]) == "Likes: music and art."
    assert render("en", said["mydata.activities_unsure"]) == "Not sure of: crafts."
    assert render("en", said["mydata.activities_no"]) == "Does not like: gardening."
    assert render("en", said["mydata.days"]) == "Comes to: Tuesday Club."
    assert ann.consent_at is not None
    consent = render("en", said["mydata.consent"])  # the date in words: test_dates_in_words
    assert consent.startswith("Ann said yes to this on ") and "/" not in consent

    await run_dialog(
        club.dialogue,
        "sms:+447700900123",
        [
            (press("all_fine"), says("menu.goodbye", choices=())),
            ("/mydata", None),
            (press("change"), says("preferences.activity")),
        ],
        log,
    )


async def test_my_data_for_a_carer_shows_the_member_too(club: Club) -> None:
    log = await register_carer(club, "console:ann", "Ann", ["Bob"])
    log = await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("start_now"), None),
            (press("yes"), None),
            ("/mydata", mentions("mydata.intro", "mydata.member", "mydata.next")),
        ],
        log,
    )
    texts = log.last.replies[0].texts
    keys = [t.key for t in texts]
    member_at = keys.index("mydata.member")
    assert texts[member_at].params == {"name": "Bob"}
    about_bob = dict(zip(keys[member_at + 1 :], texts[member_at + 1 :], strict=False))
    assert "mydata.name" not in about_bob
    assert club.catalogue.render("en", about_bob["mydata.activities_yes"]) == "Likes: music."
    assert about_bob["mydata.consent"].params["by"] == "Ann"
    about_ann = dict(zip(keys[:member_at], texts[:member_at], strict=True))
    assert "mydata.activities_yes" not in about_ann


async def test_forget_me_can_be_called_off(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            ("/forgetme", says("forget.explain", "forget.ask", choices=("erase", "keep"))),
            (press("keep"), says("forget.kept", choices=())),
        ],
        log,
    )
    assert [p.name for p in await non_demo_people(club)] == ["Ann"]


async def test_forget_me_erases_the_person_from_every_table(club: Club) -> None:
    log = await ann_with_choices(club)
    ann = await person(club, "Ann")
    tuesday = next(s for s in await rows(club, SessionSeries) if s.title == "Tuesday Club")
    async with club.units() as uow:
        await uow.people.set_day(ann.id, tuesday.id, True)
        await uow.commit()
    await run_dialog(
        club.dialogue,
        "sms:+447700900123",
        [
            ("help", None),
            ("/mydata", None),
            (press("forget"), says("forget.explain", "forget.ask", choices=("erase", "keep"))),
            (press("erase"), says("forget.done", choices=())),
        ],
        log,
    )

    assert await non_demo_people(club) == []
    assert await tables_mentioning(club, "Ann") == {}
    assert await tables_mentioning(club, "7700900123") == {}
    for model in (Preference, PersonDay, HelpRequest, CareLink):
        assert await count(club, model) == 0, model.__tablename__
    assert {r.person_id for r in await rows(club, PersonRole)} == {
        p.id for p in await rows(club, Person)
    }
    assert await position(club, "sms:+447700900123") is None
    audit = await rows(club, AuditEntry)
    assert [(a.actor_id, a.action) for a in audit] == [(None, "registered"), (None, "erased")]

    again = await run_dialog(club.dialogue, "sms:+447700900123", [("hello", None)])
    assert again.last.replies[-1].texts[-1].key == FIRST_PROMPT[-1]


async def test_forget_me_takes_only_the_members_nobody_else_cares_for(club: Club) -> None:
    log = await register_carer(club, "console:ann", "Ann", ["Bob", "Cath"])
    await register_carer(club, "console:dan", "Dan", ["Zed"])
    ann, cath, dan = [await person(club, n) for n in ("Ann", "Cath", "Dan")]
    async with club.units() as uow:
        await uow.people.link_carer(dan.id, cath.id)
        await uow.commit()
    log = await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("start_now"), says("preferences.whose")),
            (press(f"subject_{cath.id}"), None),
            (press("yes"), None),
            (
                "/forgetme",
                says("forget.explain", "forget.also_members", "forget.ask"),
            ),
            (press("erase"), says("forget.done")),
        ],
        log,
    )
    assert log.answers[-2].replies[0].texts[1] == Text("forget.also_members", {"names": "Bob"})

    assert sorted(p.name for p in await non_demo_people(club)) == ["Cath", "Dan", "Zed"]
    assert sorted(m.name for m in await members_of(club, dan.id)) == ["Cath", "Zed"]
    assert await answered_by(club, cath.id) == {None}, "Cath's answers stay, not who gave them"
    assert await tables_mentioning(club, "Bob") == {}
    assert ann.id not in [p.person_id for p in await rows(club, PositionRow)]
    assert (await person(club, "Cath")).consent_given_by_id is None
    left = await tables_mentioning(club, "Ann")
    assert set(left) <= {"people"}, left  # see the test below for the one place left
    assert [row["name"] for row in left.get("people", [])] in ([], ["Cath"])


async def test_forget_me_leaves_no_name_of_the_carer_on_a_kept_member(club: Club) -> None:
    log = await register_carer(club, "console:ann", "Ann", ["Cath"])
    await register_carer(club, "console:dan", "Dan", ["Zed"])
    cath, dan = await person(club, "Cath"), await person(club, "Dan")
    async with club.units() as uow:
        await uow.people.link_carer(dan.id, cath.id)
        await uow.commit()
    await run_dialog(
        club.dialogue, "console:ann", [("/forgetme", None), (press("erase"), None)], log
    )
    assert sorted(p.name for p in await non_demo_people(club)) == ["Cath", "Dan", "Zed"]
    assert await tables_mentioning(club, "Ann") == {}


async def test_forget_me_also_forgets_help_asked_before_registering(club: Club) -> None:
    address = "telegram:918273645"
    log = await run_dialog(club.dialogue, address, [*opening(), ("0", mentions("help.requested"))])
    steps = member_script("Ann", "here_telegram", offered=("here_telegram", "sms", "voice"))
    steps = [*steps[len(opening()) :], ("/forgetme", None), (press("erase"), None)]
    await run_dialog(club.dialogue, address, steps, log)
    assert await non_demo_people(club) == []
    assert await tables_mentioning(club, "918273645") == {}


async def test_a_voice_note_is_thanked_and_the_question_asked_again(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (
                Input(InputKind.VOICE_NOTE),
                says("common.voice_note_kept", "preferences.offer", choices=("start_now", "later")),
            ),
            (Input(InputKind.OTHER), says("common.only_words", "preferences.offer")),
        ],
        log,
    )
