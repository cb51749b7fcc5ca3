"""One digit rule: 0-9 (other scripts' decimal digits read as theirs where people type),
never "፩" or a number of thousands of digits, which once crashed the request."""

from __future__ import annotations

import pytest

from bot.bootstrap import Club
from conversations.digits import MOST_DIGITS, read_number, western_digits
from tests.club_rows import ROLES, opening
from tests.dialog import run_dialog, says
from tests.test_languages_understanding import REMINDER, reads


@pytest.mark.parametrize(
    ("typed", "number"),
    [("0", 0), ("7", 7), ("0042", 42), ("9" * MOST_DIGITS, 10**MOST_DIGITS - 1)],
)
def test_a_number_is_up_to_eighteen_digits_0_to_9(typed: str, number: int) -> None:
    assert read_number(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["", "፩", "²", "١", "３", "1.5", "-1", " 1", "1 ", "9" * (MOST_DIGITS + 1), "5" * 5000],
)
def test_anything_else_is_not_a_number(typed: str) -> None:
    assert read_number(typed) is None


def test_the_largest_number_fits_a_64_bit_column() -> None:
    assert 10**MOST_DIGITS - 1 < 2**63


def test_other_scripts_decimal_digits_read_as_0_to_9() -> None:
    assert western_digits("٣ and ३ and ３") == "3 and 3 and 3"
    assert western_digits("፩ ²") == "፩ ²"  # digit-like, but not decimal digits
    assert western_digits("plain 42") == "plain 42"


@pytest.mark.parametrize("typed", ["፩", "፩፪", "5" * 4301, "5" * 5000, "1" * 19])
def test_a_typed_answer_that_is_no_number_we_read_is_simply_unclear(typed: str) -> None:
    assert reads("en", typed) is None


@pytest.mark.parametrize(("typed", "expected"), [("١", 0), ("٢", 1), ("३", 2), ("２", 1)])
def test_other_scripts_digits_choose_like_0_to_9(typed: str, expected: int) -> None:
    assert reads("en", typed) == REMINDER[expected].key


@pytest.mark.parametrize("typed", ["፩", "5" * 5000])
async def test_typing_them_as_an_answer_gets_the_question_again(club: Club, typed: str) -> None:
    log = await run_dialog(club.dialogue, "console:guest", opening())
    await run_dialog(
        club.dialogue,
        "console:guest",
        [(typed, says("common.not_understood", "registration.role.short", choices=ROLES))],
        log,
    )
