"""Labelled values: a label the phrase matcher found (注册资本, 成立于, 员工, 营业收入…) and the quantity after it.

The value must follow the label closely: only separators and a few filler words (为, 约, 达到, 实现…)
may stand between them, so "研发投入占营业收入的比例保持在11%" states no amount at all. Revenue
figures also carry the year their clause names (``2025年公司实现营业收入1.6亿元``) and whether the clause
is a forecast (预计, 有望, 计划…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ingest.fact_source import FactSource, Hit
from ingest.fact_tables import column_header, row_context
from ingest.facts import Fact
from ingest.quantities import (
    Period,
    Quantity,
    amount_at,
    count_at,
    date_at,
    dates_in,
    money_at,
    period_label,
    unit_factor,
)

_FILLER = r"(?:(?:从|将|为|是|约|近|超过|达到|达|共计|合计|累计|实现|总计|共有|现有|有|共|已达|分别为|分别是)\s*)"
_MONEY_LEAD = re.compile(rf"[\s:：]*{_FILLER}{{0,3}}")
_COUNT_LEAD = re.compile(rf"(?:总数|总人数|人数|数量|数)?[\s:：]*{_FILLER}{{0,2}}")
_DATE_LEAD = re.compile(r"[\s:：]*(?:为|是|于)?\s*")
_UNIT_NOTE = re.compile(r"\s*[(（]\s*(?:单位\s*[:：]\s*)?(百万元|千元|万元|亿元|元)\s*[)）][\s:：]*")
_THEN = re.compile(r"\s*(?:增长|增加|提升|上升|提高|下降|减少)?(?:至|到)\s*")
_BARE_NUMBER_END = re.compile(r"[%.\d]|[ \t]*[%％倍元]")  # 4.5% or 2倍 is no amount
_SEQUENCE_GAP = re.compile(r"\s*[、,，/和及与]\s*")
_LISTED_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:年度?)?(?:[(（](?:预测|预计|E|F|A)[)）]|[EFA](?![A-Za-z]))?(?!\d)")
_FORECAST = re.compile(r"预计|预测|有望|计划|将实现|将达到|力争|目标|预期|规划|将达")
_INCREMENT = ("新增", "增加", "带动")
MONEY_KINDS = ("registered_capital_cny", "revenue_cny", "total_assets_cny", "rd_spend_cny")


def _money_after(source: FactSource, position: int) -> list[Quantity]:
    """Amounts right after a label: ``1,000万元`` (and any chained after it), or after a unit note the bare
    numbers of a flattened table row, ``营业收入(百万元) 746 1,567 3,684``."""
    note = _UNIT_NOTE.match(source.folded, position)
    if note is None:
        lead = _MONEY_LEAD.match(source.folded, position)
        first = money_at(source.folded, lead.end() if lead else position)
        return _following_amounts(source, first) if first else []
    factor, found = unit_factor(note[1]) or 1, []
    lead = _MONEY_LEAD.match(source.folded, note.end())
    amount = amount_at(source.folded, lead.end() if lead else note.end(), factor)
    while amount is not None and not _BARE_NUMBER_END.match(source.folded, amount.end):
        found.append(amount)
        gap = re.compile(r"[ \t]+").match(source.folded, amount.end)
        amount = amount_at(source.folded, gap.end(), factor) if gap else None
    return found


def _following_amounts(source: FactSource, first: Quantity) -> list[Quantity]:
    """``从1.1亿元增长至1.6亿元`` and ``分别为A、B和C``: the amounts chained after the first one."""
    found, last = [first], first
    while True:
        gap = _THEN.match(source.folded, last.end) or _SEQUENCE_GAP.match(source.folded, last.end)
        following = money_at(source.folded, gap.end()) if gap and gap.end() > last.end else None
        if following is None:
            return found
        found.append(following)
        last = following


def _periods_before(source: FactSource, hit: Hit) -> list[Period]:
    """Years named in the clause before the label, in order (``2023年、2024年…``, ``2020 2021 2022E``)."""
    start, _ = source.clause(hit.start)
    found = (period_label(m[0]) for m in _LISTED_YEAR.finditer(source.folded, start, hit.start))
    return [period for period in found if period is not None]


def _table_period(source: FactSource, offset: int) -> tuple[Period | None, bool]:
    """In a table: the period its row names (第1年, 2024年) and whether its column is a target or forecast."""
    row, header = row_context(source, offset), column_header(source, offset)
    first = next(iter(row.values()), "") if row else ""
    return period_label(first) if first else None, bool(header and _FORECAST.search(header))


def _revenue_attributes(source: FactSource, hit: Hit, amounts: list[Quantity]) -> list[dict[str, object]]:
    """Year and forecast per amount: years listed before the label pair with as many amounts, else the nearest
    year of the clause (``2025年公司实现营业收入…``); a table cell takes its row's period."""
    start, _ = source.clause(hit.start)
    forecast = bool(_FORECAST.search(source.folded, start, amounts[-1].end))
    periods = _periods_before(source, hit)
    if len(amounts) > 1 and len(periods) == len(amounts):
        marked = any(p.forecast for p in periods)  # 2022E: the markers say which are forecasts
        return [{"year": p.year, "forecast": p.forecast if marked else forecast} for p in periods]
    if len(amounts) > 1:  # 从X增长至Y: the years are not stated per amount
        return [{"forecast": forecast} for _ in amounts]
    period, target_column = _table_period(source, amounts[0].start)
    if period is not None:
        return [{"year": period.year, "period": None if period.year else period.text,
                 "forecast": period.forecast or target_column or forecast}]
    stated = [p for p in periods if p.year and p.text.strip() != str(p.year)]  # 2025年 or 2025E, not a bare 2025
    nearest = stated[-1] if stated else None
    return [{"year": nearest.year if nearest else None,
             "forecast": forecast or target_column or bool(nearest and nearest.forecast)}]


def _money_facts(source: FactSource, hit: Hit, kind: str) -> Iterator[Fact]:
    if source.folded[max(0, hit.start - 2):hit.start] in _INCREMENT:
        return  # 新增销售收入: an increment, not the company's revenue
    amounts = _money_after(source, hit.end)
    if not amounts:
        return
    attributes = _revenue_attributes(source, hit, amounts) if kind == "revenue_cny" else [{} for _ in amounts]
    for amount, extra in zip(amounts, attributes, strict=True):
        yield source.fact(kind, amount.value, amount.start, amount.end, label=hit.phrase, **extra)


def _count_facts(source: FactSource, hit: Hit, kind: str) -> Iterator[Fact]:
    lead = _COUNT_LEAD.match(source.folded, hit.end)
    count = count_at(source.folded, lead.end() if lead else hit.end)
    if count is not None:
        yield source.fact(kind, count.value, count.start, count.end, label=hit.phrase,
                          approximate=True if count.approximate else None)


def _date_facts(source: FactSource, hit: Hit, kind: str) -> Iterator[Fact]:
    lead = _DATE_LEAD.match(source.folded, hit.end)
    found = date_at(source.folded, lead.end() if lead else hit.end)
    if found is not None:
        yield source.fact(kind, found.value, found.start, found.end, label=hit.phrase, precision=found.unit)


def _event_facts(source: FactSource, hit: Hit) -> Iterator[Fact]:
    """``2024年8月1日，完成公司注册``: the date just before a registration event."""
    start, _ = source.clause(hit.start)
    for found in dates_in(source.folded, max(start, hit.start - 20), hit.start):
        if re.fullmatch(r"[\s,，:：]*", source.folded[found.end:hit.start]):
            yield source.fact("registered_on", found.value, found.start, found.end, label=hit.phrase,
                              precision=found.unit)


_READERS: dict[str, Callable[[FactSource, Hit, str], Iterator[Fact]]] = {
    **{kind: _money_facts for kind in MONEY_KINDS}, "employees": _count_facts, "registered_on": _date_facts,
}


def labelled_facts(source: FactSource) -> list[Fact]:
    """Registration date, capital, head count and money facts stated after their labels."""
    facts: list[Fact] = []
    for hit in source.hits:
        if hit.key == "event:registered_on":
            facts.extend(_event_facts(source, hit))
            continue
        kind = hit.key.removeprefix("label:")
        if kind in _READERS:
            facts.extend(_READERS[kind](source, hit, kind))
    return facts
