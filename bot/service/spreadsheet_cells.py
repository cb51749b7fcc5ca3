"""One guard against spreadsheet formulas, for every CSV the club writes.

A cell that starts with = + - @, a tab or a carriage return may run as a formula when the
file is opened in a spreadsheet ("=HYPERLINK(...)", OWASP's CSV injection). Such a cell is
written with a leading apostrophe, which spreadsheets show as text. A cell that already
starts with an apostrophe gets one more, so reading a file back (`unguarded`) returns
exactly what was written, whatever a member typed.
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "guarded", "unguarded"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
MARKED_STARTS = (*FORMULA_STARTS, TEXT_MARK)
"""Cells written with the mark before them."""


def guarded(cell: str) -> str:
    """The cell as it is safe to write into a CSV file."""
    return TEXT_MARK + cell if cell.startswith(MARKED_STARTS) else cell


def unguarded(cell: str) -> str:
    """A cell read from a CSV file the club wrote (or a person typed): `guarded` undone."""
    if cell.startswith(TEXT_MARK) and cell.startswith(MARKED_STARTS, 1):
        return cell[1:]
    return cell
