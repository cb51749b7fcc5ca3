"""The console channel: `python -m bot chat` with a piped script, and ConsoleChat in process."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.bootstrap import Club
from bot.channels.console.chat import ConsoleChat
from tests.club_rows import (
    CHOOSES_LANGUAGE,
    carer_script,
    members_of,
    person,
    preferences_of,
    roles_of,
)
from tests.dialog import run_console_dialog

PROJECT = Path(__file__).resolve().parent.parent

ENGLISH = ["1"] if CHOOSES_LANGUAGE else []  # English comes first when there is a choice
REGISTER_BY_NUMBERS = [
    *ENGLISH,
    "2",  # I care for someone who comes
    "Ann",
    "Bob",
    "2",  # nobody else
    "2",  # text message
    "07700 900123",
    "2",  # not read out loud
    "1",  # consent
    "1",  # choose activities now
    "1",  # music: yes
    "1",  # art: yes
    "3",  # gardening: no
    "2",  # that is enough for now
]


def chat(folder: Path, name: str, lines: list[str]) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_", "PUBLIC_"))
    }
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'club.sqlite3'}"
    environment["TTS_ENGINE"] = "off"
    environment["PYTHONPATH"] = str(PROJECT)
    environment["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", name],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=folder,
        env=environment,
        timeout=120,
        check=False,
    )


def blocks(transcript: str) -> list[str]:
    return [block for block in transcript.split("\n\n") if block.strip()]


def check_numbered_choices(transcript: str) -> None:
    """Every numbered question ends with "0. Talk to a person" and has at most 3 answers."""
    questions = 0
    for block in blocks(transcript):
        choices = re.findall(r"^  (\d)\. (.+)$", block, flags=re.MULTILINE)
        if not choices:
            continue
        questions += 1
        assert choices[-1] == ("0", "Talk to a person"), block
        assert [digit for digit, _ in choices[:-1]] == [str(i) for i in range(1, len(choices))]
        assert len(choices) - 1 <= 3, block
    assert questions > 0


def test_a_carer_registers_by_numbers_and_sees_the_choices_later(tmp_path: Path) -> None:
    first = chat(tmp_path, "ann", REGISTER_BY_NUMBERS)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    out = first.stdout
    assert "Hi, and welcome to the Healthy Living Club." in out
    assert "The club will keep your details and the details of Bob." in out
    assert "Thank you, Ann. You will now get messages from the club." in out
    assert "Does Bob like music? 🎵" in out
    assert "Thank you. We can do the rest another time." in out
    assert "did not understand" not in out
    check_numbered_choices(out)

    with sqlite3.connect(tmp_path / "club.sqlite3") as database:
        people = dict(database.execute("SELECT name, phone FROM people").fetchall())
        assert people["Ann"] == "+447700900123"
        assert people["Bob"] is None
        answers = database.execute(
            "SELECT a.key, p.answer FROM preferences p JOIN activities a ON a.id = p.activity_id"
            " JOIN people m ON m.id = p.person_id WHERE m.name = 'Bob' ORDER BY a.sort_order"
        ).fetchall()
        assert answers == [("music", "yes"), ("art", "yes"), ("gardening", "no")]

    second = chat(tmp_path, "ann", ["What you keep about me", "That is all fine", "0"])
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "Hello, Ann." in out
    assert "Here is what the club keeps about you." in out
    assert "Your phone number: +447700900123." in out
    assert "Reminders come by text message, phone call and this chat." in out
    assert "You care for Bob. Here is what we keep about them." in out
    assert "Likes: music and art." in out
    assert "Does not like: gardening." in out
    assert "Thank you. Goodbye for now." in out
    assert "Someone from the club will get in touch with you soon." in out
    told = [line for line in out.splitlines() if line.startswith("[For the coordinator]")]
    assert len(told) == 1 and "Ann would like to talk to a person" in told[0], told
    check_numbered_choices(out)


def test_a_bad_setting_stops_the_chat_with_one_line(tmp_path: Path) -> None:
    environment = dict(os.environ, DATABASE_URL="sqlite:///club.sqlite3", PYTHONPATH=str(PROJECT))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--as", "ann"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("Cannot start: DATABASE_URL: ")


async def test_console_chat_in_process_with_a_piped_script(club: Club) -> None:
    script = io.StringIO(
        "".join(f"{line}\n" for line in [*ENGLISH, "3", "Vic", "1", "2", "1", "", "hello"])
    )
    out = io.StringIO()
    await ConsoleChat(club.dialogue, club.catalogue, "vic", source=script, sink=out).run()

    transcript = out.getvalue()
    assert "> 3\n" in transcript, "a piped line is echoed so the transcript reads as a dialog"
    assert "Thank you, Vic. You will now get messages from the club." in transcript
    assert "We will send you news about sessions and when help is needed." in transcript

    assert "Hello, Vic." in transcript
    check_numbered_choices(transcript)
    vic = await person(club, "Vic")
    assert vic.console_name == "vic"
    assert vic.channel_order == ["console"]
    assert await roles_of(club, vic.id) == {"volunteer"}


async def test_a_very_long_line_is_cut_and_answered_kindly(club: Club) -> None:
    script = io.StringIO("".join(f"{line}\n" for line in [*ENGLISH, "1", "a" * 20_000, "Ann"]))
    out = io.StringIO()
    await ConsoleChat(club.dialogue, club.catalogue, "ann", source=script, sink=out).run()
    transcript = out.getvalue()
    assert "That is a bit long for me. Please send a shorter answer." in transcript
    assert "How should reminders reach you?" in transcript
    assert "a" * 5001 not in transcript


async def test_the_carer_script_runs_through_the_console_too(club: Club) -> None:
    log, transcript = await run_console_dialog(club, "ann", carer_script("Ann", ["Bob", "Cath"]))

    assert len(log.answers) == len(carer_script("Ann", ["Bob", "Cath"]))
    assert "What is the name of the other person you care for?" in transcript
    assert "\n> 2\n" in transcript, "buttons were pressed by typing their numbers"
    ann = await person(club, "Ann")
    assert sorted(m.name for m in await members_of(club, ann.id)) == ["Bob", "Cath"]
    assert await preferences_of(club, ann.id) == {}
