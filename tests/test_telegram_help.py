"""Help on Telegram: "Talk to a person" from any step reaches every coordinator on Telegram
with who asked and where they were; a voice message is kept, acknowledged and forwarded."""

from __future__ import annotations

from conversations.model import text
from storage.models import HelpRequest
from tests.club_rows import position, rows
from tests.clubs import telegram_club
from tests.telegram_support import (
    TelegramClub,
    add_coordinator,
    choose_english,
    keyboard_of,
    person_by_telegram,
    register_by_buttons,
)

MARGARET = 8101
NEWCOMER = 8102
CORA = 8900
DEV = 8901
VOICE = b"OggS\x00\x02 Margaret's recorded words"


def coordinator_texts(tg: TelegramClub, chat: int) -> list[str]:
    return [str(m["text"]) for m in tg.fake.sent_messages(chat)]


def help_line(tg: TelegramClub, who: object, where: str) -> str:
    return tg.words(
        "coordinator.help",
        who=who,
        where=text(f"where.{where}"),
        channel=text("channel.telegram"),
    )


async def test_talk_to_a_person_while_signing_up_reaches_every_coordinator(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, CORA, "Cora")
        await add_coordinator(tg.club, DEV, "Dev")
        await tg.say(NEWCOMER, "/start")
        await choose_english(tg, NEWCOMER)
        await tg.press(NEWCOMER, "member")
        name_question = tg.question(NEWCOMER)

        await tg.press(NEWCOMER, "person")

        expected = help_line(tg, text("coordinator.someone_new"), "registration")
        assert coordinator_texts(tg, CORA) == [expected]
        assert coordinator_texts(tg, DEV) == [expected]
        assert "signing up" in expected
        [request] = await rows(tg.club, HelpRequest)
        assert (request.person_id, request.address, request.kind, request.where) == (
            None,
            f"telegram:{NEWCOMER}",
            "talk",
            "registration.name",
        )
        [reply] = tg.replies(NEWCOMER)
        assert reply.startswith(tg.words("help.requested"))
        assert reply.endswith(str(name_question["text"]))  # and the sign-up carries on
        saved = await position(tg.club, f"telegram:{NEWCOMER}")
        assert saved is not None and (saved.flow, saved.step) == ("registration", "name")


async def test_talk_to_a_person_while_choosing_activities_names_who_and_where(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, CORA, "Cora")
        await add_coordinator(tg.club, DEV, "Dev")
        await register_by_buttons(tg, MARGARET, "Margaret")
        await tg.press(MARGARET, "later")
        await tg.say(MARGARET, "/preferences")

        await tg.press(MARGARET, "person")

        expected = help_line(tg, "Margaret", "preferences")
        assert "Margaret" in expected and "choosing activities" in expected
        assert coordinator_texts(tg, CORA) == [expected]
        assert coordinator_texts(tg, DEV) == [expected]
        margaret = await person_by_telegram(tg.club, MARGARET)
        assert margaret is not None
        [request] = await rows(tg.club, HelpRequest)
        assert (request.person_id, request.where) == (margaret.id, "preferences.activity")
        assert tg.replies(MARGARET)[0].startswith(tg.words("help.requested"))


async def test_a_voice_message_is_acknowledged_and_forwarded_to_the_coordinator(
    database_url: str,
) -> None:
    async with telegram_club(database_url) as tg:
        await add_coordinator(tg.club, CORA, "Cora")
        await register_by_buttons(tg, MARGARET, "Margaret")
        current = tg.question(MARGARET)

        update = await tg.voice(MARGARET, VOICE)

        file_id = update["message"]["voice"]["file_id"]
        [reply] = tg.reply_messages(MARGARET)
        assert reply["text"] == (
            f"{tg.words('common.voice_note_kept')}\n\n{tg.words('preferences.offer')}"
        )
        assert keyboard_of(reply) == keyboard_of(current)  # the open question, asked again
        [told] = coordinator_texts(tg, CORA)
        assert "Margaret" in told and "voice message" in told
        [forward] = [
            c for c in tg.fake.calls if c.method == "sendVoice" and c.params.get("chat_id") == CORA
        ]
        assert forward.params["voice"] == file_id  # sent on by file id, not re-uploaded
        assert forward.files == {}
        [forwarded] = tg.fake.sent_voices(CORA)
        assert forwarded.data == VOICE
        [request] = await rows(tg.club, HelpRequest)
        assert (request.kind, request.attachment) == ("voice_note", file_id)
        assert tg.fake.sent_voices(MARGARET) == []


async def test_a_first_voice_message_from_someone_new_is_kept_and_forwarded(
    sqlite_url: str,
) -> None:
    async with telegram_club(sqlite_url) as tg:
        await add_coordinator(tg.club, CORA, "Cora")
        update = await tg.voice(NEWCOMER, VOICE)
        assert tg.replies(NEWCOMER)[0].startswith(tg.words("common.voice_note_kept"))
        [forward] = [c for c in tg.fake.calls if c.method == "sendVoice"]
        assert forward.params["voice"] == update["message"]["voice"]["file_id"]
        assert len(await rows(tg.club, HelpRequest)) == 1
