"""Whatever a person sends, they get a kind answer and the right thing is kept."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.bootstrap import Club
from conversations import Text
from storage.models import ConsentRefusal, Person
from storage.unit_of_work import UnitOfWork
from tests.club_rows import (
    FIRST_PROMPT,
    ROLES,
    count,
    member_script,
    non_demo_people,
    opening,
    person,
    position,
    preferences_of,
    register_member,
    rows,
    upto,
)
from tests.dialog import Log, mentions, press, run_dialog, says

ACTIVITY = ("yes", "unsure", "no")


async def at_role(club: Club, address: str = "console:guest") -> Log:
    return await run_dialog(club.dialogue, address, opening())


async def at_name(club: Club, address: str = "console:guest") -> Log:
    steps = [*opening(), (press("member"), says("registration.name"))]
    return await run_dialog(club.dialogue, address, steps)


async def at_activity(club: Club, address: str = "console:ann") -> Log:
    log = await register_member(club, address, "Ann")
    return await run_dialog(
        club.dialogue, address, [(press("start_now"), says("preferences.activity"))], log
    )


@pytest.mark.parametrize("words", ["banana", "what?", "I am not sure what you mean 1 2"])
async def test_free_text_instead_of_a_button_gets_the_short_question(
    club: Club, words: str
) -> None:
    log = await at_role(club)
    first = log.question
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(words, says("common.not_understood", "registration.role.short", choices=ROLES))],
        log,
    )
    assert first is not None and log.question is not None
    assert log.question.question_id == first.question_id
    assert [c.key for c in log.question.choices] == [c.key for c in first.choices]
    await run_dialog(
        club.dialogue, "console:guest", [(press("carer"), says("registration.name"))], log
    )


async def test_an_unclear_answer_about_an_activity_names_the_activity_again(club: Club) -> None:
    log = await at_activity(club)
    await run_dialog(
        club.dialogue,
        "console:ann",
        [("purple", says("common.not_understood", "preferences.activity.short", choices=ACTIVITY))],
        log,
    )
    assert log.last.replies[0].texts[1] == Text(
        "preferences.activity.short", {"activity": Text("activity.music")}
    )
    assert await preferences_of(club, (await person(club, "Ann")).id) == {}


@pytest.mark.parametrize("blank", ["", "   ", "\t \n"])
async def test_an_empty_line_gets_the_question_again_without_a_sorry(
    club: Club, blank: str
) -> None:
    log = await at_role(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(blank, says("registration.role.short", choices=ROLES))],
        log,
    )
    log = await at_name(club, "console:other")
    await run_dialog(
        club.dialogue, "console:other", [(blank, says("registration.name.short"))], log
    )
    saved = await position(club, "console:other")
    assert saved is not None
    assert "name" not in saved.data


async def test_a_long_paste_is_not_taken_as_a_name_or_an_answer(club: Club) -> None:
    paste = ("The quick brown fox jumps over the lazy dog. " * 120)[:5000]
    assert len(paste) == 5000
    log = await at_name(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            (paste, says("common.too_long", "registration.name")),
            ("x" * 5000, says("common.too_long", "registration.name")),
            ("Ann", says("registration.channel")),
            (paste, says("common.not_understood", "registration.channel.short")),
        ],
        log,
    )
    saved = await position(club, "console:guest")
    assert saved is not None
    assert saved.data["name"] == "Ann"


@pytest.mark.parametrize("emoji", ["🌸", "🌸🌸🌸", "👋🏽", "❤️"])
async def test_emoji_alone_is_not_a_name(club: Club, emoji: str) -> None:
    log = await at_name(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(emoji, says("registration.name.invalid", "registration.name.short"))],
        log,
    )
    saved = await position(club, "console:guest")
    assert saved is not None
    assert (saved.step, "name" in saved.data) == ("name", False)


@pytest.mark.parametrize("emoji", ["🎉", "🌸🌸"])
async def test_emoji_alone_at_a_button_question_is_asked_again(club: Club, emoji: str) -> None:
    log = await at_role(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(emoji, says("common.not_understood", "registration.role.short", choices=ROLES))],
        log,
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("مريم", "مريم"),
        ("דוד כהן", "דוד כהן"),
        ("\u200fمريم\u200f", "مريم"),
        ("O'Brien", "O'Brien"),
        ("O’Brien", "O’Brien"),
        ("José", "José"),
        ("Zoe\u0308", "Zoë"),
        ("Zoë", "Zoë"),
        ("Siobhán Ní Bhriain", "Siobhán Ní Bhriain"),
        ("  Mary   Jane ", "Mary Jane"),
        ("李小龍", "李小龍"),
    ],
)
async def test_names_in_any_script_are_kept_as_written(club: Club, typed: str, kept: str) -> None:
    log = await run_dialog(club.dialogue, "console:guest", member_script(typed))
    assert [p.name for p in await non_demo_people(club)] == [kept]
    done = log.last.replies[0].texts[0]
    assert done == Text("registration.done", {"name": kept})
    assert club.catalogue.render("en", done).startswith(f"Thank you, {kept}.")


async def test_a_member_name_with_an_accent_is_kept(club: Club) -> None:
    steps = [
        *opening(),
        (press("carer"), None),
        ("Siân", None),
        ("José O'Neill", says("registration.more_members")),
        (press("no"), None),
        (press("here"), None),
        (press("no"), says("registration.consent_carer", "registration.consent.ask")),
        (press("consent_yes"), mentions("registration.done")),
    ]
    log = await run_dialog(club.dialogue, "console:guest", steps)
    consent = log.answers[-2].replies[0].texts[0]
    assert "the details of José O'Neill." in club.catalogue.render("en", consent)
    assert sorted(p.name for p in await non_demo_people(club)) == ["José O'Neill", "Siân"]


async def phone_step(club: Club) -> Log:
    steps = upto(member_script("Ann", "sms", phone="07700 900123"), "registration.phone")
    return await run_dialog(club.dialogue, "console:ann", steps)


@pytest.mark.parametrize("number", ["+33 6 12 34 56 78", "0033 612 345 678", "+1 415 867 5309"])
async def test_a_number_from_another_country_is_refused_kindly(club: Club, number: str) -> None:
    log = await phone_step(club)
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (number, says("registration.phone.not_uk", "registration.phone.short")),
            ("+44 7700 900 123", says("registration.spoken")),
        ],
        log,
    )
    saved = await position(club, "console:ann")
    assert saved is not None
    assert saved.data["phone"] == "+447700900123"


@pytest.mark.parametrize("typed", ["my number", "12", "0770"])
async def test_something_that_is_not_a_number_is_asked_again(club: Club, typed: str) -> None:
    log = await phone_step(club)
    await run_dialog(
        club.dialogue,
        "console:ann",
        [(typed, says("registration.phone.not_a_number", "registration.phone.short"))],
        log,
    )


async def test_a_landline_chosen_for_texts_is_switched_to_a_phone_call(club: Club) -> None:
    log = await phone_step(club)
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (
                "020 7946 0018",
                says(
                    "registration.phone.landline_call", "registration.spoken", choices=("yes", "no")
                ),
            ),
            (press("yes"), None),
            (press("consent_yes"), mentions("registration.done")),
        ],
        log,
    )
    ann = await person(club, "Ann")
    assert ann.phone == "+442079460018"
    assert ann.phone_is_landline is True
    assert "sms" not in ann.channel_order
    assert ann.channel_order[0] == "voice"


async def test_a_landline_chosen_for_calls_is_just_kept(club: Club) -> None:
    steps = upto(member_script("Ann", "voice", phone="0121 496 0000"), "registration.phone")
    steps.append(("0121 496 0000", says("registration.spoken")))
    await run_dialog(club.dialogue, "console:ann", steps)


async def test_a_stale_button_gets_the_current_question(club: Club) -> None:
    log = await at_role(club)
    old = log.question
    assert old is not None and old.question_id is not None
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            (press("member"), says("registration.name")),
            (press("carer", old.question_id), says("common.stale", "registration.name")),
            ("Ann", says("registration.channel")),
            (press("volunteer"), says("common.stale", "registration.channel")),
            (press("here"), says("registration.spoken")),
        ],
        log,
    )
    saved = await position(club, "console:guest")
    assert saved is not None
    assert saved.data["role"] == "member"


async def test_a_button_from_a_finished_conversation_says_so(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    offer = log.question
    assert offer is not None
    await run_dialog(
        club.dialogue,
        "console:ann",
        [
            (press("later"), says("preferences.later")),
            (
                press("start_now", offer.question_id),
                says("common.closed", "menu.hello", "menu.ask"),
            ),
        ],
        log,
    )


POSITIVE = ["yes", "y", "yeah", "ok", "1", "👍", "Yes!", "YES please", " ok ", "1️⃣", "１"]


@pytest.mark.parametrize("word", POSITIVE)
async def test_yes_in_many_forms_chooses_the_first_positive_choice(club: Club, word: str) -> None:
    log = await at_activity(club)
    await run_dialog(club.dialogue, "console:ann", [(word, says("preferences.activity"))], log)
    assert await preferences_of(club, (await person(club, "Ann")).id) == {"music": "yes"}


@pytest.mark.parametrize("word", ["yes", "y", "yeah", "ok", "1", "👍"])
async def test_yes_in_many_forms_gives_consent(club: Club, word: str) -> None:
    steps = member_script("Ann")
    steps[-1] = (word, mentions("registration.done"))
    await run_dialog(club.dialogue, "console:ann", steps)
    assert [p.name for p in await non_demo_people(club)] == ["Ann"]
    assert await count(club, ConsentRefusal) == 0


@pytest.mark.parametrize("word", ["yes", "ok", "👍", "1"])
async def test_yes_starts_the_activities(club: Club, word: str) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(club.dialogue, "console:ann", [(word, says("preferences.activity"))], log)


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("no", "no"),
        ("nope", "no"),
        ("👎", "no"),
        ("3", "no"),
        ("not sure", "unsure"),
        ("maybe", "unsure"),
        ("I don't know", "unsure"),
        ("🤔", "unsure"),
        ("2", "unsure"),
    ],
)
async def test_no_and_not_sure_in_many_forms(club: Club, word: str, meant: str) -> None:
    log = await at_activity(club)
    await run_dialog(club.dialogue, "console:ann", [(word, says("preferences.activity"))], log)
    assert await preferences_of(club, (await person(club, "Ann")).id) == {"music": meant}


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("I come to the club", "member"),
        ("I care for someone who comes", "carer"),
        ("I help at the club", "volunteer"),
        ("i help at the club.", "volunteer"),
    ],
)
async def test_typing_a_label_out_chooses_it(club: Club, label: str, role: str) -> None:
    log = await at_role(club)
    await run_dialog(club.dialogue, "console:guest", [(label, says("registration.name"))], log)
    saved = await position(club, "console:guest")
    assert saved is not None
    assert saved.data["role"] == role


@pytest.mark.parametrize("digit", ["4", "9", "12"])
async def test_a_number_beyond_the_choices_is_asked_again(club: Club, digit: str) -> None:
    log = await at_role(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(digit, says("common.not_understood", "registration.role.short", choices=ROLES))],
        log,
    )


async def test_an_unknown_command_is_answered_kindly(club: Club) -> None:
    log = await register_member(club, "console:ann", "Ann")
    await run_dialog(
        club.dialogue,
        "console:ann",
        [("/dance", says("common.unknown_command", "menu.hello", "menu.ask"))],
        log,
    )


# A database that is busy for a moment, or for good.


def hold_write_lock(path: Path, seconds: float) -> threading.Event:
    """Take SQLite's write lock from a second connection; let it go after `seconds`."""
    locked = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, timeout=5, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        threading.Event().wait(seconds)
        other.rollback()
        other.close()

    threading.Thread(target=hold, daemon=True).start()
    assert locked.wait(5)
    return locked


async def test_a_sqlite_file_locked_for_a_moment_is_waited_for(
    club: Club, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a file lock is SQLite's")
    log = await at_activity(club)
    hold_write_lock(Path(database_url.removeprefix("sqlite+aiosqlite:///")), 0.3)
    await run_dialog(
        club.dialogue, "console:ann", [(press("yes"), says("preferences.activity"))], log
    )
    assert await preferences_of(club, (await person(club, "Ann")).id) == {"music": "yes"}


class FailingCommits:
    """Makes the next `failures` commits fail as a locked database does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        real: Callable[[UnitOfWork], Awaitable[None]] = UnitOfWork.commit

        async def commit(uow: UnitOfWork) -> None:
            self.calls += 1
            if self.calls <= self.failures:
                error = sqlite3.OperationalError("database is locked")
                raise OperationalError("COMMIT", {}, error)
            await real(uow)

        monkeypatch.setattr(UnitOfWork, "commit", commit)


async def test_a_database_busy_once_is_retried_and_the_answer_saved_once(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = member_script("Ann")
    log = await run_dialog(club.dialogue, "console:ann", steps[:-1])
    commits = FailingCommits(monkeypatch, failures=1)
    await run_dialog(club.dialogue, "console:ann", steps[-1:], log)

    assert commits.calls == 2
    assert [p.name for p in await rows(club, Person) if p.name == "Ann"] == ["Ann"]
    saved = await position(club, "console:ann")
    assert saved is not None
    assert (saved.flow, saved.step) == ("preferences", "offer")


async def test_a_database_that_stays_busy_gets_a_kind_reply_and_keeps_nothing(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = member_script("Ann")
    log = await run_dialog(club.dialogue, "console:ann", steps[:-1])
    before = await position(club, "console:ann")
    assert before is not None
    commits = FailingCommits(monkeypatch, failures=1_000)
    await run_dialog(
        club.dialogue, "console:ann", [(press("consent_yes"), says("common.busy", choices=()))], log
    )
    assert commits.calls > 1, "it was tried more than once"
    assert await non_demo_people(club) == []
    after = await position(club, "console:ann")
    assert after is not None
    assert (after.flow, after.step, after.question_id) == (
        before.flow,
        before.step,
        before.question_id,
    )

    commits.failures = 0
    await run_dialog(club.dialogue, "console:ann", steps[-1:], log)
    assert [p.name for p in await non_demo_people(club)] == ["Ann"]


async def test_an_unknown_command_from_a_newcomer_starts_registration(club: Club) -> None:
    log = await at_name(club)
    await run_dialog(
        club.dialogue,
        "console:guest",
        [
            ("/dance", says("common.unknown_command", *FIRST_PROMPT)),
            *opening()[1:],
            (press("volunteer"), says("registration.name")),
        ],
        log,
    )
    assert await non_demo_people(club) == []
