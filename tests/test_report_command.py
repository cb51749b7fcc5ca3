"""`python -m bot report`: the arguments, the files it writes, and plain refusals."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import Club
from bot.cli.main import _parser, run_command
from bot.report import read_period
from bot.report.period import PeriodProblem
from storage.models import AuditEntry
from tests.report_club import bare_club, build_year

__all__ = ["bare_club"]

PROJECT = Path(__file__).resolve().parent.parent


def arguments(*typed: str) -> argparse.Namespace:
    return _parser().parse_args(["report", *typed])


def test_the_default_period_is_the_last_four_weeks() -> None:
    today = date(2026, 3, 31)
    period = read_period(None, None, today)
    assert (period.first, period.last, period.days) == (date(2026, 3, 4), today, 28)
    assert period.previous().last == date(2026, 3, 3)
    assert read_period("2026-03-01", None, today).first == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        ("2026-13-01", None, "--from must be a date"),
        (None, "31/03/2026", "--to must be a date"),
        ("2026-04-01", "2026-03-01", "--from is after --to"),
    ],
)
def test_bad_dates_are_refused_in_one_line(first: str | None, last: str | None, words: str) -> None:
    with pytest.raises(PeriodProblem, match=words):
        read_period(first, last, date(2026, 3, 31))


async def test_each_format_goes_to_a_file_or_the_terminal(
    bare_club: Club, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await build_year(bare_club)
    period = ("--from", "2026-01-01", "--to", "2026-12-31")
    assert await run_command(bare_club, arguments(*period)) == 0
    assert "3 sessions were held" in capsys.readouterr().out
    for kind in ("csv", "html", "png"):
        target = tmp_path / f"report-out.{kind}"
        done = await run_command(
            bare_club, arguments(*period, "--format", kind, "--output", str(target))
        )
        assert done == 0
        assert f"The report is in {target}" in capsys.readouterr().err
    assert (tmp_path / "report-out.csv").read_bytes().startswith(b"\xef\xbb\xbfsection,")
    assert "<!DOCTYPE html>" in (tmp_path / "report-out.html").read_text(encoding="utf-8")
    assert (tmp_path / "report-out.png").read_bytes().startswith(b"\x89PNG")


async def test_refusals_are_one_plain_line(
    bare_club: Club, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_command(bare_club, arguments("--from", "yesterday")) == 2
    assert capsys.readouterr().err.strip() == "Not done: --from must be a date such as 2026-03-31."
    assert await run_command(bare_club, arguments("--format", "png")) == 2
    assert "needs --output" in capsys.readouterr().err


async def test_the_report_is_written_in_the_audit_log(bare_club: Club) -> None:
    await run_command(bare_club, arguments("--format", "csv", "--output", "r.csv"))
    async with bare_club.units() as uow:
        entries = (await uow.session.execute(select(AuditEntry.action, AuditEntry.detail))).all()
    assert [action for action, _ in entries] == ["report made"]
    assert entries[0][1]["first"] <= (date.today() - timedelta(days=26)).isoformat()


async def test_python_m_bot_report_runs_end_to_end(bare_club: Club, tmp_path: Path) -> None:
    """The real command line in a new process, on the same database."""
    await build_year(bare_club)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_", "PUBLIC_"))
    }
    environment |= {
        "DATABASE_URL": bare_club.settings.database_url,
        "TTS_ENGINE": "off",
        "PYTHONPATH": str(PROJECT),
        "PYTHONIOENCODING": "utf-8",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "text",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env=environment,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert "They came 3 times (75%)." in out.decode("utf-8")
