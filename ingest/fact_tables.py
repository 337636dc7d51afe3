"""Facts read from tables by their structure: finance tables by year column, team tables by 姓名/职务.

A finance table (主要财务数据, 单位：万元) puts years in its header (``2024年``, ``2026年（预测）``) and
indicators in its first column, or the other way round; each indicator cell becomes a fact with its
``year`` and ``forecast``. A team table has a 姓名 column and usually a 职务 column. ``row_context``
gives identifier extractors the header → cell mapping of the row an identifier sits in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.fact_patterns import LABELS, NAME_SHAPE, plausible_name
from ingest.fact_source import FactSource, TableCells
from ingest.facts import Fact
from ingest.quantities import Period, cell_amount, period_label, unit_factor

MONEY_KINDS = ("revenue_cny", "total_assets_cny", "rd_spend_cny")
_UNIT = re.compile(r"(?:单位\s*[:：]\s*(?:人民币\s*)?|[(（]\s*)(百万元|千元|万元|亿元|元)")
_ROW_PREFIX = r"(?:[一二三四五六七八九十]+[、.]|\d{1,2}[、.]|[减加][:：])?\s*"
_LABEL_UNIT = r"(?:[(（]\s*(?:单位\s*[:：]\s*)?([^)）]*)[)）])?\s*"
_NAME_HEADERS = ("姓名", "成员姓名", "名字", "人员姓名")
_ROLE_HEADER = re.compile(r"职务|职位|岗位|角色|分工|担任|职称")


def header_row(cells: TableCells) -> int | None:
    """Index of the first row with two or more filled cells (title rows spanning the table come before it)."""
    for index, row in enumerate(cells.table.rows):
        if sum(1 for cell in row if cell) >= 2:
            return index
    return None


def row_context(source: FactSource, offset: int) -> dict[str, str] | None:
    """Header → cell of the table row holding ``offset``, plus ``""`` → the table's title and caption text."""
    located = source.table_at(offset)
    if located is None:
        return None
    cells, row, _ = located
    header = header_row(cells)
    if header is None or row <= header:
        return None
    names = cells.table.rows[header]
    context = {name: cell for name, cell in zip(names, cells.table.rows[row], strict=False) if name and cell}
    context[""] = _table_title(source, cells)
    return context


def column_header(source: FactSource, offset: int) -> str | None:
    """The header cell above the cell holding ``offset`` (None outside a table body)."""
    located = source.table_at(offset)
    if located is None:
        return None
    cells, row, column = located
    header = header_row(cells)
    if header is None or row <= header or column >= len(cells.table.rows[header]):
        return None
    return cells.table.rows[header][column]


def _table_title(source: FactSource, cells: TableCells) -> str:
    """Title rows, header row and the caption block just before the table, as one string."""
    header = header_row(cells) or 0
    parts = [" ".join(row) for row in cells.table.rows[: header + 1]]
    block = cells.table.block
    if block is not None and block > 0 and source.document.blocks[block - 1].kind != "table":
        parts.append(source.document.blocks[block - 1].text)
    return " ".join(parts)


def _money_kind(label: str) -> tuple[str, str | None] | None:
    """(kind, unit in the label) when a row or column label names a money indicator: 营业收入（万元）, 一、营业收入."""
    for kind in MONEY_KINDS:
        for phrase in LABELS[kind]:
            match = re.fullmatch(rf"\s*{_ROW_PREFIX}{phrase}\s*{_LABEL_UNIT}", label)
            if match is None:
                continue
            unit = (match[1] or "").strip()
            if unit and unit_factor(unit) is None:
                return None if "%" in unit else (kind, None)  # 营业收入（同比%）is no amount
            return kind, unit or None
    return None


def _table_unit(source: FactSource, cells: TableCells) -> str | None:
    """The unit the table's title, header or caption states (单位：万元, （万元）); None when none does."""
    match = _UNIT.search(_table_title(source, cells))
    return match[1] if match else None


def _cell_fact(source: FactSource, span: tuple[int, int] | None, kind: str, unit: str | None, period: Period,
               label: str) -> Fact | None:
    """One indicator cell as a fact, when the whole cell is one number."""
    if span is None:
        return None
    factor = unit_factor(unit) if unit else None
    amount = cell_amount(source.folded[span[0]:span[1]], factor) if factor else None
    if amount is None:  # no unit stated: 200 could be 元 or 万元, a wrong magnitude is worse than no fact
        return None
    return source.fact(kind, amount, span[0], span[1], year=period.year, forecast=period.forecast,
                       period=None if period.year else period.text, label=label, unit=unit, source="table")


def _period_row(cells: TableCells) -> tuple[int, dict[int, Period]] | None:
    """The row naming periods across the columns (two or more of them), with its period per column."""
    for index, row in enumerate(cells.table.rows):
        periods = {c: period for c, cell in enumerate(row) if cell and (period := period_label(cell))}
        if len(periods) >= 2:
            return index, periods
    return None


def _periods_across(source: FactSource, cells: TableCells, header: int, periods: dict[int, Period]) -> Iterator[Fact]:
    """Periods in a header row, indicators down the first filled column."""
    rows, spans, table_unit = cells.table.rows, cells.spans, _table_unit(source, cells)
    for r in range(header + 1, len(rows)):
        first = next((c for c, cell in enumerate(rows[r]) if cell), None)
        found = _money_kind(rows[r][first]) if first is not None else None
        for c, period in periods.items() if found else ():
            if c < len(spans[r]) and c != first:
                fact = _cell_fact(source, spans[r][c], found[0], found[1] or table_unit, period, rows[r][first])
                if fact is not None:
                    yield fact


def _periods_down(source: FactSource, cells: TableCells) -> Iterator[Fact]:
    """Indicators in the header row, periods down the first column."""
    header = header_row(cells)
    if header is None:
        return
    rows, spans, table_unit = cells.table.rows, cells.spans, _table_unit(source, cells)
    kinds = {c: found for c, cell in enumerate(rows[header]) if cell and (found := _money_kind(cell))}
    for r in range(header + 1, len(rows)):
        period = period_label(rows[r][0]) if rows[r] and rows[r][0] else None
        for c, found in kinds.items() if period else ():
            if c < len(spans[r]):
                fact = _cell_fact(source, spans[r][c], found[0], found[1] or table_unit, period, rows[header][c])
                if fact is not None:
                    yield fact


def _finance_facts(source: FactSource, cells: TableCells) -> Iterator[Fact]:
    across = _period_row(cells)
    if across is not None:
        yield from _periods_across(source, cells, *across)
    else:
        yield from _periods_down(source, cells)


def _member_name(cell: str) -> bool:
    """A team table's name cell: a plausible Chinese name, or a minority name written with ·."""
    return plausible_name(cell, bounded=True) or bool(NAME_SHAPE.match(cell) and "·" in cell)


def _team_facts(source: FactSource, cells: TableCells) -> Iterator[Fact]:
    header = header_row(cells)
    if header is None:
        return
    names = ["".join(cell.split()) for cell in cells.table.rows[header]]
    name_column = next((c for c, cell in enumerate(names) if cell in _NAME_HEADERS), None)
    if name_column is None:
        return
    role_column = next((c for c, cell in enumerate(names) if _ROLE_HEADER.search(cell)), None)
    for r in range(header + 1, len(cells.table.rows)):
        row, spans = cells.table.rows[r], cells.spans[r]
        name = row[name_column] if name_column < min(len(row), len(spans)) else ""
        if not name or spans[name_column] is None or not _member_name(name):
            continue
        role = row[role_column] if role_column is not None and role_column < len(row) and row[role_column] else None
        start, end = spans[name_column]  # type: ignore[misc]
        yield source.fact("person", row[name_column], start, end, name=row[name_column], role=role, source="table")


def table_facts(source: FactSource) -> list[Fact]:
    """Finance-table indicators and team-table members of every table."""
    facts: list[Fact] = []
    for cells in source.tables:
        facts.extend(_finance_facts(source, cells))
        facts.extend(_team_facts(source, cells))
    return facts
