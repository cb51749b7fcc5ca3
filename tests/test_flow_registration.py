"""Registration through the engine and storage: member, carer, volunteer, refused consent."""

from __future__ import annotations

from bot.bootstrap import Club
from conversations import Engine, Input, Position, Snapshot, Text, all_flows
from conversations.catalogue import Catalogue
from storage.models import AuditEntry, CareLink, ConsentRefusal, HelpRequest, Person
from tests.club_rows import (
    BY_PHONE,
    FIRST_PROMPT,
    carer_script,
    count,
    member_script,
    members_of,
    non_demo_people,
    opening,
    person,
    position,
    roles_of,
    rows,
    tables_mentioning,
    volunteer_script,
)
from tests.dialog import mentions, press, run_dialog, says, text_keys


async def test_a_member_registers_with_buttons_alone(club: Club) -> None:
    log = await run_dialog(club.dialogue, "console:ann", member_script("Ann", spoken=True))

    welcome = log.answers[0].replies[0].texts[0]
    assert welcome == Text("registration.welcome", {"club": "Healthy Living Club"})
    ann = await person(club, "Ann")
    assert ann.console_name == "ann"
    assert ann.channel_order == ["console"]
    assert ann.phone is None
    assert ann.spoken is True
    assert ann.consent_given_by_name == "Ann"
    assert ann.consent_at is not None
    assert await roles_of(club, ann.id) == {"member"}
    saved = await position(club, "console:ann")
    assert saved is not None
    assert (saved.flow, saved.step, saved.person_id) == ("preferences", "offer", ann.id)
    audit = await rows(club, AuditEntry)
    assert [(a.actor_id, a.action) for a in audit] == [(ann.id, "registered")]


async def test_nothing_is_kept_before_consent(club: Club) -> None:
    steps = member_script("Ann")[:-1]
    await run_dialog(club.dialogue, "console:guest501", steps)

    assert await non_demo_people(club) == []
    saved = await position(club, "console:guest501")
    assert saved is not None
    assert saved.person_id is None
    assert (saved.flow, saved.step) == ("registration", "consent")


async def test_a_member_on_telegram_is_known_by_their_account(club: Club) -> None:
    steps = member_script("Ann", "here_telegram", offered=("here_telegram", "sms", "voice"))
    await run_dialog(club.dialogue, "telegram:4242", steps)

    ann = await person(club, "Ann")
    assert ann.telegram_id == 4242
    assert ann.channel_order == ["telegram"]
    assert ann.console_name is None


async def test_a_member_choosing_texts_gives_their_number_once(club: Club) -> None:
    steps = member_script("Ann", "sms", phone="07700 900123")
    log = await run_dialog(club.dialogue, "console:ann", steps)
    assert "registration.phone.landline_call" not in text_keys(log.answers[-3])

    ann = await person(club, "Ann")
    assert ann.phone == "+447700900123"
    assert ann.phone_is_landline is False
    assert ann.channel_order == ["sms", "voice", "console"]


async def test_someone_texting_in_is_not_asked_for_their_number(club: Club) -> None:
    steps = member_script("Ann", "sms", offered=BY_PHONE)
    await run_dialog(club.dialogue, "sms:+447700900123", steps)

    ann = await person(club, "Ann")
    assert ann.phone == "+447700900123"
    assert ann.channel_order == ["sms", "voice"]


async def test_a_carer_registers_with_two_members(club: Club) -> None:
    log = await run_dialog(club.dialogue, "console:ann", carer_script("Ann", ["Bob", "Cath"]))

    consent = log.answers[-2].replies[0].texts[0]
    assert consent.key == "registration.consent_carer"
    assert "the details of Bob and Cath." in club.catalogue.render("en", consent)
    ann = await person(club, "Ann")
    assert await roles_of(club, ann.id) == {"carer"}
    members = await members_of(club, ann.id)
    assert sorted(m.name for m in members) == ["Bob", "Cath"]
    for member in members:
        assert await roles_of(club, member.id) == {"member"}
        assert member.consent_given_by_id == ann.id
        assert member.consent_given_by_name == "Ann"
        assert member.consent_at is not None
        assert member.console_name is None
    assert await count(club, CareLink) == 2


async def test_a_carer_names_at_most_four_members(club: Club) -> None:
    steps = [
        *opening(),
        (press("carer"), says("registration.name")),
        ("Ann", says("registration.member")),
        ("Bob", says("registration.more_members")),
        (press("yes"), says("registration.another_member")),
        ("Cath", says("registration.more_members")),
        (press("yes"), says("registration.another_member")),
        ("Dee", says("registration.more_members")),
        (press("yes"), says("registration.another_member")),
        ("Eve", says("registration.channel")),
        (press("here"), says("registration.spoken")),
        (press("no"), says("registration.consent_carer", "registration.consent.ask")),
        (press("consent_yes"), mentions("registration.done")),
    ]
    await run_dialog(club.dialogue, "console:ann", steps)

    ann = await person(club, "Ann")
    assert sorted(m.name for m in await members_of(club, ann.id)) == ["Bob", "Cath", "Dee", "Eve"]


async def test_a_volunteer_registers_and_is_not_asked_about_activities(club: Club) -> None:
    await run_dialog(club.dialogue, "console:vic", volunteer_script("Vic"))

    vic = await person(club, "Vic")
    assert await roles_of(club, vic.id) == {"volunteer"}
    saved = await position(club, "console:vic")
    assert saved is not None
    assert saved.flow == "idle"


async def test_refused_consent_keeps_nothing_but_the_refusal(club: Club) -> None:
    steps = carer_script("Philippa", ["Bartholomew"])
    steps[-1] = (press("consent_no"), says("registration.refused", choices=()))
    await run_dialog(club.dialogue, "console:guest777", steps)

    assert await count(club, ConsentRefusal) == 1
    assert await non_demo_people(club) == []
    for name in ("Philippa", "Bartholomew"):
        assert await tables_mentioning(club, name) == {}
    saved = await position(club, "console:guest777")
    assert saved is None or (saved.flow == "idle" and saved.data == {})
    assert await count(club, HelpRequest) == 0

    again = await run_dialog(club.dialogue, "console:guest777", [("hello", None)])
    assert again.last.replies[-1].texts[-1].key == FIRST_PROMPT[-1]


async def test_start_again_in_the_middle_forgets_the_answers_so_far(club: Club) -> None:
    steps = [
        *opening(),
        (press("carer"), says("registration.name")),
        ("Ann", says("registration.member")),
        *opening(),
        (press("member"), says("registration.name")),
        ("Ann", says("registration.channel")),
        (press("here"), says("registration.spoken")),
        (press("no"), says("registration.consent", "registration.consent.ask")),
        (press("consent_yes"), mentions("registration.done")),
    ]
    await run_dialog(club.dialogue, "console:ann", steps)

    ann = await person(club, "Ann")
    assert await roles_of(club, ann.id) == {"member"}
    assert await members_of(club, ann.id) == []


async def test_a_number_already_used_is_not_taken_twice(club: Club) -> None:
    first = member_script("Ann", channel="sms", offered=BY_PHONE)
    await run_dialog(club.dialogue, "sms:+447700900123", first)
    await run_dialog(club.dialogue, "console:bea", member_script("Bea", "sms", "07700 900123"))

    bea = await person(club, "Bea")
    assert bea.phone is None
    assert (await person(club, "Ann")).phone == "+447700900123"
    requests = await rows(club, HelpRequest)
    assert [(r.person_id, r.kind) for r in requests] == [(bea.id, "phone_in_use")]
    assert len(await rows(club, Person)) == 3


def test_the_engine_leaves_the_position_it_was_given_as_it_was() -> None:
    catalogue = Catalogue.load()
    engine = Engine(all_flows(), catalogue.vocabulary, catalogue.label)
    snapshot = Snapshot("console", "Healthy Living Club", None)
    data = {"role": "carer", "name": "Ann", "members": ["Bob"]}
    position = Position("registration", "member_name", data, 5)
    first = engine.handle(snapshot, position, Input.typed("Cath"))
    again = engine.handle(snapshot, position, Input.typed("Dee"))

    assert position.data == {"role": "carer", "name": "Ann", "members": ["Bob"]}
    assert first.position is not None and again.position is not None
    assert first.position.data["members"] == ["Bob", "Cath"]
    assert again.position.data["members"] == ["Bob", "Dee"]
