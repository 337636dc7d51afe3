"""Money, dates and head counts as Chinese plans write them, normalised to numbers and ISO dates.

Plans write ``1,250万元``, ``1.6亿元``, ``８５００千元``, ``2019年5月20日``, ``二〇二四年一月一日``,
``2019-05-20``, ``2019.05.20`` and ``120人``. The parsers here read one quantity *at* a given offset
(anchored), so a fact extractor that found a label (注册资本, 成立于, 员工…) reads the value right
after it and nothing further away.

All parsers work on the width-folded text (``fold_width``), which has exactly the length of the
original: offsets found in it are offsets of the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# Full-width ASCII (！ to ～) and the ideographic space fold to their ASCII forms one for one.
# The full-width comma stays: "100，200" is two numbers in Chinese text, never one thousands-separated one.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if code != 0xFF0C}
_WIDTH_FOLD[0x3000] = 0x20

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT_FACTORS = {"元": 1, "千元": 1_000, "万": 10_000, "万元": 10_000, "百万元": 1_000_000, "亿": 100_000_000,
                 "亿元": 100_000_000}
_MONEY = re.compile(
    rf"(?:(?:人民币|RMB|CNY|¥|￥)\s*)?(?P<number>{NUMBER})\s*(?P<unit>百万元|千元|万元|亿元|元|万|亿)"
    r"(?P<foreign>美元|欧元|港元|港币|日元|英镑)?(?:元?人民币)?",
    re.IGNORECASE,
)
_PLAIN_NUMBER = re.compile(rf"(?P<negative>-)?(?P<number>{NUMBER})")
_COUNT = re.compile(r"(?P<number>\d{1,7})\s*(?P<approx>余|多)?\s*(?:人|名|位)(?!民币)")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_YEAR = "[〇零○一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
_CHINESE_DATE = re.compile(
    rf"(?P<year>(?:19|20)\d{{2}}|{_CN_YEAR})\s*年\s*(?P<month>\d{{1,2}}|{_CN_SMALL})\s*月"
    rf"(?:\s*(?P<day>\d{{1,2}}|{_CN_SMALL})\s*[日号])?"
)
_NUMERIC_DATE = re.compile(r"(?P<year>(?:19|20)\d{2})(?P<sep>[-./])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)")
YEAR = re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})\s*(?:年度?|[EFA](?![A-Za-z]))(?!\s*\d{1,2}\s*月)")


def fold_width(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation as ASCII (same length, so offsets hold)."""
    return text.translate(_WIDTH_FOLD)


@dataclass(frozen=True)
class Quantity:
    """A value read from the text and the offsets ``[start, end)`` of the characters stating it."""

    value: int | float | str
    start: int
    end: int
    unit: str = ""
    approximate: bool = False


def number_value(text: str) -> Decimal | None:
    """``8,500.0`` → Decimal('8500.0'); None when it is not a plain number."""
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def as_number(value: Decimal) -> int | float:
    """An int when the amount is whole (CNY are mostly whole), a float otherwise."""
    return int(value) if value == value.to_integral_value() else float(value)


def money_at(text: str, position: int) -> Quantity | None:
    """The CNY amount written at ``position`` (``500万元`` → 5000000); foreign currencies are not CNY."""
    match = _MONEY.match(text, position)
    if match is None or match["foreign"]:
        return None
    amount = number_value(match["number"])
    if amount is None:
        return None
    unit = match["unit"]
    return Quantity(as_number(amount * _UNIT_FACTORS[unit]), match.start(), match.end(), unit)


def amount_at(text: str, position: int, factor: int) -> Quantity | None:
    """A unit-less number at ``position`` (a table cell under 单位：万元) multiplied by ``factor``."""
    match = _PLAIN_NUMBER.match(text, position)
    if match is None:
        return None
    amount = number_value(match["number"])
    if amount is None:
        return None
    amount = -amount if match["negative"] else amount
    return Quantity(as_number(amount * factor), match.start(), match.end())


def cell_amount(cell: str, factor: int) -> int | float | None:
    """A table cell holding one number, spaces tolerated (PDF columns split ``3,623. 9``), times ``factor``."""
    match = re.fullmatch(r"\s*(-)?\s*([\d,\s]*\d(?:\s*\.\s*[\d\s]*\d)?)\s*", cell)
    if match is None:
        return None
    squeezed = "".join(match[2].split())
    if not re.fullmatch(NUMBER, squeezed):
        return None
    amount = number_value(squeezed)
    if amount is None:
        return None
    return as_number(-amount * factor if match[1] else amount * factor)


def unit_factor(unit: str) -> int | None:
    """CNY per unit named in a header (万元 → 10000)."""
    return _UNIT_FACTORS.get(unit)


def count_at(text: str, position: int) -> Quantity | None:
    """A head count at ``position``: ``120人``, ``120名``, ``300余人`` (approximate)."""
    match = _COUNT.match(text, position)
    if match is None:
        return None
    return Quantity(int(match["number"]), match.start(), match.end(), approximate=bool(match["approx"]))


def _chinese_number(text: str) -> int:
    """``二〇二四`` → 2024 (digit by digit); ``十二`` → 12, ``二十一`` → 21, ``三十`` → 30."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _date_quantity(year: str, month: str, day: str | None, start: int, end: int) -> Quantity | None:
    try:
        value = date(_chinese_number(year), _chinese_number(month), _chinese_number(day) if day else 1)
    except (ValueError, KeyError):
        return None
    iso = value.isoformat() if day else value.isoformat()[:7]
    return Quantity(iso, start, end, unit="day" if day else "month")


def date_at(text: str, position: int) -> Quantity | None:
    """A date at ``position``; the value is ISO (``2019-05-20``, or ``2019-05`` when no day is given)."""
    match = _CHINESE_DATE.match(text, position)
    if match is not None:
        return _date_quantity(match["year"], match["month"], match["day"], match.start(), match.end())
    match = _NUMERIC_DATE.match(text, position)
    if match is not None:
        return _date_quantity(match["year"], match["month"], match["day"], match.start(), match.end())
    return None


def dates_in(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Every date between ``start`` and ``end``, in order."""
    end = len(text) if end is None else end
    found = []
    for pattern in (_CHINESE_DATE, _NUMERIC_DATE):
        for match in pattern.finditer(text, start, end):
            quantity = date_at(text, match.start())
            if quantity is not None:
                found.append(quantity)
    return sorted(found, key=lambda q: q.start)


@dataclass(frozen=True)
class Period:
    """A table column or row label naming a period: a calendar year, or a plan's relative 第N年."""

    year: int | None
    forecast: bool
    text: str


_PERIOD_YEAR = re.compile(r"\s*((?:19|20)\d{2})\s*(年度?)?\s*(?:[(（]\s*(预测|预计|E|F|e|A|实际)\s*[)）]|(E|F|A))?\s*")
_PERIOD_RELATIVE = re.compile(r"\s*(?:第\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})\s*年|首年|T\s*\+\s*\d)"
                              r"\s*(?:[(（][^)）]*[)）])?\s*")


def period_label(text: str) -> Period | None:
    """``2024年`` → (2024, actual); ``2026年（预测）``/``2024E`` → forecast; ``第一年`` → (None, forecast)."""
    match = _PERIOD_YEAR.fullmatch(text)
    if match is not None:
        marker = match[3] or match[4]
        return Period(int(match[1]), bool(marker) and marker not in ("A", "实际"), text)
    if _PERIOD_RELATIVE.fullmatch(text):
        return Period(None, True, text)  # a plan's "year one" lies ahead of it
    return None
