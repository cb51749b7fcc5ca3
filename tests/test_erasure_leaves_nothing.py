"""After "forget me", nothing in any table or in the audio cache names or identifies the
person (issue 12, item 5).

A club on the real web app in webhook mode: people registered by Telegram (a member who
hears her messages, and a carer), by text, and by phone calls (imported, then rung), and
three newcomers who began to sign up and stopped (one typed her name on Telegram, one
texted his, one typed his phone number on Telegram). They answer reminders, give feedback
(with words of their own), ask for a person, and hear their messages spoken. Then each is
erased in turn, the way they would be: /forgetme, or `people erase` by number or by id.
Every table is dumped (all rows, all columns) before and after each erasure: before, the
person's name, number, Telegram id and words are there; after, none is; and every audio
key made for them, or naming them, is refused (404), while others' audio is still served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select

from bot.cli.people import erase_person
from conversations import HELP_CHOICE
from storage.models import Base, SpeechClip, SpeechClipPerson, utc_now
from storage.models import Person as PersonRow
from storage.outbox import Delivery
from tests.club_data import add_phone_person, queue_reminder
from tests.inbound_support import Inbound, inbound_club
from tests.telegram_support import callback_key, keyboard_of
from tests.twilio_support import CLUB_NUMBER, LANDLINE, MOBILE, add_session

MARY, DOROTHY, HERMIONE, QUENTIN = 7391846205, 5550001112, 6060606060, 6161616161
OSWALD_PHONE = "+447700900456"


async def dump(inbound: Inbound) -> str:
    """Every row of every table, every column, as text (audio as its length)."""
    lines = []
    async with inbound.tw.club.units() as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).all():
                values = [f"<{len(v)} bytes>" if isinstance(v, bytes) else repr(v) for v in row]
                lines.append(f"{table.name}: {', '.join(values)}")
    return "\n".join(lines)


async def say(inbound: Inbound, chat: int, words: str) -> None:
    assert inbound.tw.bot_api is not None
    update = inbound.tw.bot_api.push_message(chat, words)
    assert (await inbound.telegram(update)).status_code == 200


async def press(inbound: Inbound, chat: int, key: str | None = None) -> None:
    """Press `key` (default: the first answer) under the newest question in the chat."""
    api = inbound.tw.bot_api
    assert api is not None
    asked = next(e.message for e in reversed(api.chat_log(chat)) if keyboard_of(e.message))
    buttons = [b["callback_data"] for row in keyboard_of(asked) for b in row]
    data = next(b for b in buttons if key is None or callback_key(b) == key)
    update = api.push_callback(chat, asked["message_id"], data)
    assert (await inbound.telegram(update)).status_code == 200


async def text(inbound: Inbound, phone: str, *said: str) -> None:
    for words in said:
        assert (await inbound.tw.text(phone, words, to=CLUB_NUMBER)).status_code == 200


async def register_on_telegram(inbound: Inbound, chat: int, name: str, *more: str) -> None:
    await say(inbound, chat, "/start")
    await press(inbound, chat, "lang_en")
    await press(inbound, chat, "carer" if more else "member")
    await say(inbound, chat, name)
    for member in more:
        await say(inbound, chat, member)
        await press(inbound, chat, "no")
    await press(inbound, chat, "here_telegram")
    await press(inbound, chat, "yes")  # messages read out loud too
    await press(inbound, chat, "consent_yes")
    await press(inbound, chat, "later")  # activities another time


async def ids_of(inbound: Inbound, name: str) -> list[int]:
    async with inbound.tw.club.units() as uow:
        return list(await uow.session.scalars(select(PersonRow.id).where(PersonRow.name == name)))


async def person_id(inbound: Inbound, name: str) -> int:
    [found] = await ids_of(inbound, name)
    return found


async def answer_the_call(inbound: Inbound, *keys: str) -> list[str]:
    """The newest call is picked up and `keys` pressed in turn; the audio URLs it played."""
    call = inbound.tw.fake.call_requests[-1]
    said = await inbound.tw.answer(call)
    played = list(said.played)
    for key in keys:
        if said.gather is None:
            break
        said = await inbound.tw.press(call, said, key)
        played += said.played
    return played


async def a_club_in_use(inbound: Inbound) -> dict[str, list[str]]:
    """Everyone's doings; returns the audio URLs played on calls, by person."""
    club = inbound.tw.club
    await register_on_telegram(inbound, MARY, "Mary O'Brien")
    await register_on_telegram(inbound, DOROTHY, "Dorothy Pemberton", "Edna Fairweather")
    await text(inbound, MOBILE, "Hello", "1", "1", "Peter Fenwick", "1", "2", "1", "2")
    cecil = await add_phone_person(
        club, "Cecil Thornbury", LANDLINE, landline=True, channels="voice"
    )
    soon, past = await add_session(club), await add_session(club, starts_in=timedelta(hours=-5))
    mary, peter, dorothy, edna = [
        await person_id(inbound, name)
        for name in ("Mary O'Brien", "Peter Fenwick", "Dorothy Pemberton", "Edna Fairweather")
    ]
    for who, member in ((mary, mary), (peter, peter), (dorothy, edna)):
        await queue_reminder(club, who, soon, member_id=member)
    await queue_reminder(club, cecil, soon)
    await inbound.tw.dispatch()
    played = {"Cecil Thornbury": await answer_the_call(inbound, "1")}
    await press(inbound, MARY, None)  # coming
    await press(inbound, DOROTHY, None)  # Edna is coming
    await text(inbound, MOBILE, "1")
    for who, member in ((mary, mary), (peter, peter), (cecil, cecil), (dorothy, edna)):
        await ask_how_it_was(inbound, who, member, past)
    await inbound.tw.dispatch()
    for chat in (MARY, DOROTHY):
        await press(inbound, chat)  # a face
        await press(inbound, chat)  # what was best
    await say(inbound, MARY, "The tambourine band was marvellous")
    await press(inbound, MARY, "yes")  # her name may go with it
    await press(inbound, DOROTHY, "no_comment")
    await text(inbound, MOBILE, "1", "1", "The choir was glorious", "2")
    played["Cecil Thornbury"] += await answer_the_call(inbound, "1", "1", "1", "2")
    await say(inbound, MARY, "/mydata")  # read back to her, spoken
    await press(inbound, MARY, HELP_CHOICE)
    await text(inbound, MOBILE, "0")
    call, menu = await inbound.tw.ring_club(LANDLINE)
    played["Cecil Thornbury"] += [*menu.played, *(await inbound.tw.press(call, menu, "0")).played]
    await say(inbound, HERMIONE, "/start")
    await press(inbound, HERMIONE, "lang_en")
    await press(inbound, HERMIONE, "member")
    await say(inbound, HERMIONE, "Hermione Gale")
    await text(inbound, OSWALD_PHONE, "Hello", "1", "1", "Oswald Pike")
    await say(inbound, QUENTIN, "/start")
    await press(inbound, QUENTIN, "lang_en")
    await press(inbound, QUENTIN, "member")
    await say(inbound, QUENTIN, "Quentin Hale")
    await press(inbound, QUENTIN, "sms")
    await say(inbound, QUENTIN, "07700 900789")
    return played


async def ask_how_it_was(inbound: Inbound, person: int, member: int, session: int) -> None:
    """The planner's "how was it?" row for a session that has ended, due now."""
    async with inbound.tw.club.units() as uow:
        found = await uow.people.get(person)
        assert found is not None
        key = f"feedback:{session}:{member}:{person}"
        payload = {"session": session, "member": member}
        first = found.channel_order[0]
        await uow.outbox.enqueue(
            [Delivery(person, first, "feedback", key, utc_now(), payload, session)]
        )
        await uow.commit()


async def forget_on_telegram(inbound: Inbound, chat: int, confirm: bool) -> None:
    await say(inbound, chat, "/forgetme")
    if confirm:
        await press(inbound, chat, "erase")


async def erase_by(inbound: Inbound, *, phone: str | None = None, ident: int | None = None) -> None:
    erased = await erase_person(inbound.tw.club.units, ident, phone, confirmed=True)
    assert not isinstance(erased, str), erased


async def audio_of(inbound: Inbound, name: str, words: list[str], played: list[str]) -> set[str]:
    """Keys of every clip played to this person or naming them, and those of `played`."""
    keys = {url.rpartition("/")[2].removesuffix(".mp3") for url in played}
    ids = await ids_of(inbound, name)
    async with inbound.tw.club.units() as uow:
        for clip in await uow.session.scalars(select(SpeechClip)):
            if any(word in clip.words for word in words):
                keys.add(clip.key)
        linked = select(SpeechClipPerson.clip_key).where(SpeechClipPerson.person_id.in_(ids))
        keys.update(await uow.session.scalars(linked))
    return keys


async def all_audio(inbound: Inbound) -> set[str]:
    async with inbound.tw.club.units() as uow:
        return set(await uow.session.scalars(select(SpeechClip.key)))


async def status(inbound: Inbound, key: str) -> int:
    return (await inbound.client.get(f"/audio/{key}.mp3")).status_code


async def test_after_forget_me_nothing_names_or_identifies_the_person(database_url: str) -> None:
    async with inbound_club(database_url, tts_engine="offline") as inbound:
        played = await a_club_in_use(inbound)
        first = played["Cecil Thornbury"][0].rpartition("/")[2]
        served = await inbound.client.get(f"/audio/{first}")
        assert served.status_code == 200 and served.headers["cache-control"] == "no-store"
        edna = await person_id(inbound, "Edna Fairweather")
        everyone: list[tuple[str, list[str], Callable[[], Awaitable[None]]]] = [
            (
                "Mary O'Brien",
                ["Brien", str(MARY), "tambourine", "marvellous"],
                lambda: forget_on_telegram(inbound, MARY, confirm=True),
            ),
            (
                "Peter Fenwick",
                ["Fenwick", "7700900123", "glorious"],
                lambda: erase_by(inbound, phone="07700 900123"),
            ),
            (
                "Cecil Thornbury",
                ["Thornbury", "2079460018"],
                lambda: erase_by(inbound, phone="020 7946 0018"),
            ),
            ("Edna Fairweather", ["Fairweather"], lambda: erase_by(inbound, ident=edna)),
            (
                "Hermione Gale",
                ["Hermione", str(HERMIONE)],
                lambda: forget_on_telegram(inbound, HERMIONE, confirm=False),
            ),
            (
                "Oswald Pike",
                ["Oswald", OSWALD_PHONE[3:]],
                lambda: erase_by(inbound, phone="07700 900456"),
            ),
            (
                "Quentin Hale",
                ["Quentin", "7700900789", str(QUENTIN)],
                lambda: erase_by(inbound, phone="07700 900789"),
            ),
        ]
        for name, words, erase in everyone:
            before = await dump(inbound)
            assert [w for w in words if w not in before] == [], f"{name} was never kept"
            theirs = await audio_of(inbound, name, words, played.get(name, []))
            others = await all_audio(inbound) - theirs
            await erase()
            after = await dump(inbound)
            assert [word for word in words if word in after] == [], f"{name} is still kept"
            assert {key: await status(inbound, key) for key in theirs} == dict.fromkeys(theirs, 404)
            assert {key: await status(inbound, key) for key in others} == dict.fromkeys(others, 200)
