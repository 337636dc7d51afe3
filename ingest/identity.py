"""Chinese resident ID numbers (GB 11643-1999): validation and same-length masking.

ID numbers are sensitive personal information. Views and exports for anyone but an
administrator show them masked as ``110105********002X`` (first 6 and last 4 kept, the
birth date hidden). The mask keeps the length, so every character span computed on the
original text still points at the same characters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# 18 characters not glued to other digits or letters: "电话13812345678" must not count,
# and neither must the middle of a longer number.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(number: str) -> bool:
    """An 18-character number with a correct check character and a real birth date."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit() or check_character(number[:17]) != number[17]:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return 1800 <= born.year <= date.today().year  # the check example 440524188001010014 is of 1880


def mask_id_number(number: str) -> str:
    return number[:6] + "*" * 8 + number[14:]


def mask_id_numbers(text: str) -> str:
    """``text`` with every valid ID number masked; its length is unchanged."""
    return _CANDIDATE.sub(lambda m: mask_id_number(m[0]) if is_valid_id_number(m[0]) else m[0], text)


def mask_in(value: object) -> object:
    """A copy of a JSON-like value (dicts, lists, strings) with ID numbers masked in every string."""
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, list):
        return [mask_in(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_in(item) for key, item in value.items()}
    return value


def id_number_hash(number: str, key: bytes) -> str:
    """HMAC-SHA256 of the upper-cased number: equal for one person, useless without the key."""
    return hmac.new(key, number.strip().upper().encode(), hashlib.sha256).hexdigest()
