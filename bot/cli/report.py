"""`python -m bot report --from DATE --to DATE --format text|csv|html|png [--output FILE]`.

Prints to the terminal unless --output is given; with no dates, the last four weeks.
A refusal is one plain line and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from bot.report import (
    ChoosingSource,
    Period,
    PeriodProblem,
    Report,
    gather_report,
    read_period,
    render_csv,
    render_html,
    render_png,
    render_text,
)
from bot.report.polls import PollResults
from config import Settings
from conversations import Catalogue
from storage import UnitOfWorkFactory

__all__ = ["add_report_command", "club_report", "run_report_command"]

FORMATS = ("text", "csv", "html", "png")


def add_report_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="the committee's report for a period (text, CSV, HTML page or PNG chart)"
    )
    report.add_argument("--from", dest="first", help="first day, such as 2026-03-01")
    report.add_argument("--to", dest="last", help="last day, such as 2026-03-31 (default today)")
    report.add_argument("--format", choices=FORMATS, default="text", help="default text")
    report.add_argument("--output", help="write to this file instead of the terminal")


async def club_report(
    units: UnitOfWorkFactory,
    catalogue: Catalogue,
    settings: Settings,
    period: Period,
    choosing: ChoosingSource | None = None,
) -> Report:
    """The report for a period, read in one unit of work; the reading is audit-logged."""
    async with units() as uow:
        report = await gather_report(
            uow, catalogue, settings.club_name, settings.zone, period, choosing
        )
        await uow.records.audit(
            None,
            "report made",
            first=period.first.isoformat(),
            last=period.last.isoformat(),
        )
        await uow.commit()
    return report


async def run_report_command(
    arguments: argparse.Namespace,
    units: UnitOfWorkFactory,
    catalogue: Catalogue,
    settings: Settings,
) -> int:
    today = datetime.now(settings.zone).date()
    try:
        period = read_period(arguments.first, arguments.last, today)
    except PeriodProblem as problem:
        print(f"Not done: {problem}", file=sys.stderr)
        return 2
    if arguments.format == "png" and not arguments.output:
        print("Not done: a PNG picture needs --output FILE.", file=sys.stderr)
        return 2
    report = await club_report(units, catalogue, settings, period, PollResults(catalogue))
    if arguments.format == "png":
        written: bytes | str = render_png(report)
    else:
        renderers = {"text": render_text, "csv": render_csv, "html": render_html}
        written = renderers[arguments.format](report)
    if not arguments.output:
        sys.stdout.write(str(written))
        return 0
    await asyncio.to_thread(_save, Path(arguments.output), written, arguments.format)
    print(f"The report is in {arguments.output}.", file=sys.stderr)
    return 0


def _save(path: Path, written: bytes | str, kind: str) -> None:
    if isinstance(written, bytes):
        path.write_bytes(written)
        return
    # Excel reads a CSV as UTF-8 only when it starts with the byte-order mark.
    path.write_text(written, encoding="utf-8-sig" if kind == "csv" else "utf-8", newline="")
