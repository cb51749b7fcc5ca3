"""UK phone numbers in any common form, read with the phonenumbers library."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = ["PhoneNumber", "PhoneProblem", "read_uk_phone"]

UK_COUNTRY_CODE = 44
LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE}
MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PhoneProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    NOT_UK = "not_uk"
    NOT_REACHABLE = "not_reachable"


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    is_landline: bool


def _is_uk_mobile_range(number: phonenumbers.PhoneNumber) -> bool:
    """07 numbers of the right length, including Ofcom's 07700 900 range kept for examples."""
    national = str(number.national_number)
    return len(national) == 10 and national.startswith("7") and not national.startswith("70")


def read_uk_phone(typed: str) -> PhoneNumber | PhoneProblem:
    """Accept "07700 900123", "+44 7700 900 123" or "447700900123"; refuse others kindly."""
    digits = "".join(ch for ch in typed if ch.isdigit() or ch == "+")
    if digits.startswith("44") and len(digits) >= 12:
        digits = f"+{digits}"
    try:
        number = phonenumbers.parse(digits, "GB")
    except NumberParseException:
        return PhoneProblem.NOT_A_NUMBER
    if number.country_code != UK_COUNTRY_CODE:
        return PhoneProblem.NOT_UK
    if _is_uk_mobile_range(number):
        kind = PhoneNumberType.MOBILE
    elif phonenumbers.is_valid_number(number):
        kind = phonenumbers.number_type(number)
    else:
        return PhoneProblem.NOT_A_NUMBER
    if kind not in LANDLINE_TYPES | MOBILE_TYPES:
        return PhoneProblem.NOT_REACHABLE
    return PhoneNumber(
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        is_landline=kind in LANDLINE_TYPES,
    )
