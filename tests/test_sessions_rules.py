"""Sessions that make no sense are refused with one plain line, and nothing is half-added:
rules on their own, and through `python -m bot sessions add`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.cli.main import main
from conversations.calendar import LAST_WEEK, SeriesRule
from conversations.catalogue import Catalogue
from conversations.session_rules import (
    SessionProblem,
    check_one_off,
    check_series,
    normalise_postcode,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Catalogue.load()
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
THURSDAY = 3
SUNDAY = 6


def english(refused: pytest.ExceptionInfo[SessionProblem]) -> str:
    """The refusal as the coordinator reads it in English."""
    return CATALOGUE.render("en", refused.value.words)


@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("SE27 9JU", "SE27 9JU"),
        ("se279ju", "SE27 9JU"),
        ("  sw1a 1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A1BB", "EC1A 1BB"),
    ],
)
def test_uk_postcodes_are_tidied(typed: str, tidy: str) -> None:
    assert normalise_postcode(typed) == tidy


@pytest.mark.parametrize("typed", ["75001", "K1A 0B1", "90210", "SE27", "", "hall", "SE27 9J"])
def test_other_postcodes_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(SessionProblem) as refused:
        normalise_postcode(typed)
    assert "is not a UK postcode, such as SE27 9JU" in english(refused)


def test_a_one_off_in_the_past_or_ending_before_it_starts_is_refused() -> None:
    earlier = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with pytest.raises(SessionProblem) as refused:
        check_one_off(earlier, earlier.replace(hour=12), NOW)
    assert "already passed" in english(refused)
    later = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with pytest.raises(SessionProblem) as refused:
        check_one_off(later, later.replace(hour=10), NOW)
    assert "must end after it starts" in english(refused)
    with pytest.raises(SessionProblem) as refused:
        check_one_off(later, later, NOW)
    assert "must end after it starts" in english(refused)
    check_one_off(later, later.replace(hour=14), NOW)


def _weekly(weekday: int, start: time, end: time) -> SeriesRule:
    return SeriesRule(weekday, None, start, end, date(2026, 1, 1))


def test_two_series_on_the_same_slot_are_refused() -> None:
    thursday = ("Thursday Club", _weekly(THURSDAY, time(10, 30), time(12, 30)))
    overlapping = _weekly(THURSDAY, time(11, 0), time(13, 0))
    with pytest.raises(SessionProblem) as refused:
        check_series(overlapping, [thursday])
    assert "overlaps the Thursday Club" in english(refused)
    monthly = SeriesRule(THURSDAY, 1, time(12, 0), time(13, 0), date(2026, 1, 1))
    with pytest.raises(SessionProblem) as refused:
        check_series(monthly, [thursday])
    assert "overlaps the Thursday Club" in english(refused)


def test_series_that_only_touch_or_never_meet_together_are_accepted() -> None:
    thursday = ("Thursday Club", _weekly(THURSDAY, time(10, 30), time(12, 30)))
    check_series(_weekly(THURSDAY, time(12, 30), time(14, 0)), [thursday])
    check_series(_weekly(THURSDAY - 1, time(10, 30), time(12, 30)), [thursday])
    first = ("Crafternoon", SeriesRule(SUNDAY, 1, time(14, 0), time(16, 0), date(2026, 1, 1)))
    check_series(SeriesRule(SUNDAY, 3, time(14, 0), time(16, 0), date(2026, 1, 1)), [first])
    check_series(SeriesRule(SUNDAY, LAST_WEEK, time(14, 0), time(16, 0), date(2026, 1, 1)), [first])
    ended = SeriesRule(
        THURSDAY, None, time(10, 30), time(12, 30), date(2025, 1, 1), date(2025, 12, 31)
    )
    check_series(thursday[1], [("Old Club", ended)])


def test_the_fourth_and_the_last_sunday_are_the_same_day_in_many_months() -> None:
    fourth = ("Fourth Sunday", SeriesRule(SUNDAY, 4, time(14, 0), time(16, 0), date(2026, 1, 1)))
    last = SeriesRule(SUNDAY, LAST_WEEK, time(15, 0), time(17, 0), date(2026, 1, 1))
    with pytest.raises(SessionProblem) as refused:
        check_series(last, [fourth])
    assert "overlaps the Fourth Sunday" in english(refused)


def test_a_series_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(SessionProblem) as refused:
        check_series(_weekly(1, time(12, 0), time(10, 0)), [])
    assert "must end after it starts" in english(refused)


# --------------------------------------------------------------- the command line


ADD = [
    "sessions", "add", "--title", "Singing", "--activity", "music",
    "--place", "St Luke's Hall", "--postcode", "SE27 9JU",
]  # fmt: skip


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`python -m bot` in this process, in local mode on a temporary SQLite file."""
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("TTS_ENGINE", "off")
    return path


def _count(path: Path, table: str) -> int:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        found = connection.execute(select(func.count()).select_from(text(table))).scalar()
    engine.dispose()
    return int(found or 0)


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Not done: ")
    return lines[0]


def test_the_command_refuses_a_session_in_the_past(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _refused(capsys, [*ADD, "--date", "2020-01-02", "--start", "10:30", "--end", "12:00"])
    assert "already passed" in line
    assert _count(cli_database, "club_sessions WHERE title = 'Singing'") == 0


def test_the_command_refuses_an_end_before_the_start(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_off = [*ADD, "--date", "2099-01-02", "--start", "12:00", "--end", "10:30"]
    assert "must end after it starts" in _refused(capsys, one_off)
    series = [*ADD, "--weekly", "monday", "--start", "12:00", "--end", "10:30"]
    assert "must end after it starts" in _refused(capsys, series)
    assert _count(cli_database, "club_sessions WHERE title = 'Singing'") == 0
    assert _count(cli_database, "session_series WHERE title = 'Singing'") == 0


def test_the_command_refuses_a_postcode_that_is_not_british(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*ADD[:-1], "75001", "--date", "2099-01-02", "--start", "10:30", "--end", "12:00"]
    assert "75001 is not a UK postcode" in _refused(capsys, argv)


def test_the_command_refuses_a_second_series_on_the_same_slot(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*ADD, "--weekly", "Thursday", "--start", "11:00", "--end", "12:00"]
    assert "overlaps the Thursday Club" in _refused(capsys, argv)
    assert _count(cli_database, "session_series") == 3  # the demo club's three


def test_the_command_refuses_words_it_cannot_read(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    times = ["--start", "10:30", "--end", "12:00"]
    assert "not a weekday" in _refused(capsys, [*ADD, "--weekly", "someday", *times])
    assert "first sunday" in _refused(capsys, [*ADD, "--monthly", "every sunday", *times])
    assert "must be a date" in _refused(capsys, [*ADD, "--date", "next week", *times])
    assert "must be a time" in _refused(
        capsys, [*ADD, "--date", "2099-01-02", "--start", "ten", "--end", "12:00"]
    )
    assert "--from is in the past" in _refused(
        capsys, [*ADD, "--weekly", "friday", "--from", "2020-01-01", *times]
    )


def test_the_command_adds_a_series_and_lists_it(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ADD, "--monthly", "last friday", "--start", "10:30", "--end", "12:00"]) == 0
    assert capsys.readouterr().out.startswith("Added series 4: Singing.")
    assert main(["sessions", "list", "--days", "70"]) == 0
    listed = capsys.readouterr().out
    assert "Singing  (St Luke's Hall, SE27 9JU)  0 coming" in listed
    assert " Fri " in listed and " 10:30 " in listed


def test_a_time_with_no_date_is_refused_by_the_command_in_its_own_process(tmp_path: Path) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_"))
    }
    environment |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'club.sqlite3'}",
        "TTS_ENGINE": "off",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", *ADD, "--start", "10:30", "--end", "12:00"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout.strip().splitlines() == [
        "Not done: A one-off session needs --date (or use --weekly or --monthly)."
    ]
    assert _count(tmp_path / "club.sqlite3", "club_sessions WHERE series_id IS NULL") == 0
