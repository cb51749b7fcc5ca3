"""One guard against spreadsheet formulas (OWASP's CSV injection: = + - @ tab and carriage
return) for both CSV files the club writes: the people sheet and the committee's report.
What is guarded reads back as it was written."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.bootstrap import Club
from bot.people_sheet.exporting import export_people
from bot.people_sheet.importing import import_people
from bot.people_sheet.sheet import read_sheet
from bot.report import Comment, render_csv
from bot.service.spreadsheet_cells import guarded, unguarded
from storage.models import Person
from tests.report_club import YEAR, bare_club, build_year
from tests.test_report_outputs import report_for

__all__ = ["bare_club"]

RISKY = ["=1+1", "+44 trick", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"]
SAFE = ["Zoë", "Mary O'Neill", "", "1+1", " =spaced", "£5"]


@pytest.mark.parametrize("cell", RISKY)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: str) -> None:
    assert guarded(cell) == "'" + cell
    assert unguarded(guarded(cell)) == cell


@pytest.mark.parametrize("cell", SAFE)
def test_other_cells_are_written_as_they_are(cell: str) -> None:
    assert guarded(cell) == cell
    assert unguarded(cell) == cell


@pytest.mark.parametrize("cell", ["'=1+1", "'Tis the season", "''", "'"])
def test_a_leading_apostrophe_survives_the_round_trip(cell: str) -> None:
    assert guarded(cell).startswith("''")
    assert unguarded(guarded(cell)) == cell


async def test_the_report_csv_guards_every_risky_start(bare_club: Club) -> None:
    await build_year(bare_club)
    year = await report_for(bare_club, YEAR)
    said = tuple(Comment("Tuesday Club", year.made_at, "a member", None, False, w) for w in RISKY)
    rows = list(csv.reader(io.StringIO(render_csv(replace(year, comments=said)))))
    comments = [row[4] for row in rows if row[0] == "comment"]
    assert comments == ["'" + words for words in RISKY]


async def people_named(club: Club, names: list[str]) -> None:
    async with club.units() as uow:
        for name in names:
            await uow.people.add(Person(name=name, language="en"), ["member"])
        await uow.commit()


async def test_the_people_sheet_guards_and_imports_back_the_same(bare_club: Club) -> None:
    names = ["=HYPERLINK(x)", "+Ann", "-Bob", "@Cat", "'Tis Dan"]
    await people_named(bare_club, names)
    sheet = await export_people(bare_club.units, bare_club.settings.zone)
    written = [row[0] for row in csv.reader(io.StringIO(sheet))][1:]
    assert sorted(written) == sorted("'" + name for name in names)
    assert sorted(row.name for row in read_sheet(sheet.encode()).rows) == sorted(names)
    async with bare_club.units() as uow:
        await uow.people.erase(list(await uow.session.scalars(select(Person.id))))
        await uow.commit()
    outcome = await import_people(bare_club.units, sheet.encode(), bare_club.settings.zone)
    assert outcome.problems == [] and outcome.imported == len(names)
    assert await export_people(bare_club.units, bare_club.settings.zone) == sheet
