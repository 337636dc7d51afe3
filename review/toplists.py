"""Past national ranking lists (企业组500强 / 创业组(创客组)300强): import and fuzzy look-up.

The lists are published as attachments whose columns were never standardised (facts.md §5), so the
importer finds the header row (title rows above it are skipped and read for the year and group),
recognises columns by their aliases (序号/排名, 项目名称/参赛项目, 企业名称/参赛主体/团队名称…), and
takes the year and group from a column, else from the sheet's title rows, sheet name or file name
("2024年创客中国企业组500强名单.xlsx"), else from what the caller says. An explicit mapping
overrides the detection. The lists carry no USCC: entries are found by normalised names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from ingest.names import company_key_similarity, normalise_company, normalise_project
from review.registrations import RegistrationFileError, chinese_int, table_sheets

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "rank": ("序号", "排名", "名次", "编号", "no", "rank"),
    "project": ("项目名称", "参赛项目", "参赛项目名称", "项目", "project"),
    "applicant": ("企业名称", "参赛主体", "团队名称", "单位名称", "申报单位", "企业/团队名称", "企业(团队)名称",
                  "参赛单位", "主体名称", "参赛企业", "企业", "applicant", "company"),
    "region": ("赛区", "推荐单位", "所属赛区", "推荐赛区", "赛事", "所属赛事", "地区", "region"),
    "year": ("年份", "年度", "year"),
    "edition": ("届次", "届别", "edition"),
    "group": ("组别", "参赛组别", "group"),
}
FIRST_EDITION_YEAR = 2015  # 第八届 was 2023 and 第十届 2025 (facts.md §5): year = 2015 + edition


class PastListError(ValueError):
    """The list as a whole cannot be read: no header row, or no year anywhere."""


@dataclass(frozen=True)
class PastEntry:
    """One row of a past list, shaped like ``review.models.PastListEntry``."""

    list_name: str
    group: str
    year: int
    rank: int | None
    project: str | None
    applicant: str | None
    applicant_key: str | None
    region: str | None = None
    source: str | None = None

    @property
    def project_key(self) -> str:
        return normalise_project(self.project)

    def to_json(self) -> dict[str, Any]:
        return {"list_name": self.list_name, "group": self.group, "year": self.year, "rank": self.rank,
                "project": self.project, "applicant": self.applicant, "region": self.region, "source": self.source}


@dataclass
class PastListResult:
    entries: list[PastEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    list_name: str = ""
    year: int | None = None
    group: str | None = None


def _fold(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value if value is not None else ""))).lower()


_ALIAS_LOOKUP = {_fold(alias): column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}


def year_from_text(text: str) -> int | None:
    """2024 from "2024年…", or 2015 + N from "第N届"; None when the text names no year."""
    text = unicodedata.normalize("NFKC", text)
    match = re.search(r"(20\d{2})\s*年?", text)
    if match:
        return int(match[1])
    edition = re.search(r"第([0-9一二三四五六七八九十]+)届", text)
    number = chinese_int(edition[1]) if edition else None
    return FIRST_EDITION_YEAR + number if number else None


def group_from_text(text: str) -> str | None:
    """enterprise for 企业组/500强, startup for 创业组/创客组/300强; None when neither or both appear."""
    enterprise = bool(re.search(r"企业组|500强", text))
    startup = bool(re.search(r"创业组|创客组|300强", text))
    return "enterprise" if enterprise and not startup else "startup" if startup and not enterprise else None


def _column_of(header: Any, mapping: Mapping[str, str | int], index: int) -> str | None:
    for column, wanted in mapping.items():
        by_index = isinstance(wanted, int) and wanted == index
        if by_index or (isinstance(wanted, str) and _fold(wanted) == _fold(header)):
            return column
    bare = re.sub(r"\([^()]*\)$", "", _fold(header))
    return _ALIAS_LOOKUP.get(_fold(header)) or _ALIAS_LOOKUP.get(bare)


def _header(cells: list[Any], mapping: Mapping[str, str | int]) -> dict[int, str] | None:
    columns: dict[int, str] = {}
    for index, cell in enumerate(cells):
        column = _column_of(cell, mapping, index) if cell not in (None, "") or index in mapping.values() else None
        if column and column not in columns.values():
            columns[index] = column
    names = set(columns.values())
    return columns if names & {"project", "applicant"} and (len(names) >= 2 or mapping) else None


@dataclass
class _Sheet:
    """The reading state of one sheet: its header, and the year and group its titles gave."""

    columns: dict[int, str]
    year: int | None
    group: str | None
    title: str


def _int(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return int(text) if text.isdigit() else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _row_entry(sheet: _Sheet, cells: list[Any], line: int, source: str,
               list_name: str | None) -> PastEntry | str | None:
    """A row's entry; a string error; or None for a row to skip (blank, repeated header, section title)."""
    values = {column: _text(cells[i]) if i < len(cells) else None for i, column in sheet.columns.items()}
    filled = [v for v in (_text(c) for c in cells) if v]
    section = len(filled) == 1 and len(sheet.columns) > 1 and (group_from_text(filled[0]) or "名单" in filled[0])
    if section or (not values.get("project") and not values.get("applicant")):
        if len(filled) == 1:
            sheet.group = group_from_text(filled[0]) or sheet.group  # "一、企业组" sections the rows below
        return None
    if _fold(values.get("project")) in _ALIAS_LOOKUP or _fold(values.get("applicant")) in _ALIAS_LOOKUP:
        return None  # the header again (a list printed in parts)
    year = _row_year(values) or sheet.year
    group = group_from_text(values.get("group") or "") or sheet.group
    if year is None:
        return f"line {line}: no year in the row, the titles or the file name (give the year)"
    if group is None:
        return f"line {line}: no group (企业组/创业组) in the row, the titles or the file name (give the group)"
    name = list_name or f"{year}年{'企业组500强' if group == 'enterprise' else '创业组300强'}"
    return PastEntry(name, group, year, _int(values.get("rank")), values.get("project"), values.get("applicant"),
                     normalise_company(values.get("applicant")) or None, values.get("region"), source)


def _row_year(values: dict[str, str | None]) -> int | None:
    if values.get("year"):
        return year_from_text(values["year"] or "") or _int(values["year"])
    if values.get("edition"):
        edition = chinese_int(values["edition"] or "")
        return FIRST_EDITION_YEAR + edition if edition else None
    return None


def _read_sheet(rows: Iterator[tuple[int, list[Any]]], context: dict[str, Any], result: PastListResult) -> None:
    titles: list[str] = []
    sheet: _Sheet | None = None
    for line, cells in rows:
        if sheet is None:
            columns = _header(cells, context["mapping"])
            if columns is None:
                titles.extend(t for t in (_text(c) for c in cells) if t)
                if len(titles) > 40:
                    return
                continue
            title = " ".join([*titles, context["sheet"], context["filename"]])
            sheet = _Sheet(columns, context["year"] or year_from_text(title),
                           context["group"] or group_from_text(title), title)
            continue
        entry = _row_entry(sheet, cells, line, context["source"], context["list_name"])
        if isinstance(entry, PastEntry):
            result.entries.append(entry)
        elif entry:
            result.errors.append(entry)
    if sheet is not None:
        context["found"] = True


def check_mapping(mapping: Mapping[str, Any]) -> None:
    """Refuse an explicit column mapping naming an unknown column, or a column neither header text nor index."""
    for column, wanted in mapping.items():
        if column not in COLUMN_ALIASES:
            raise PastListError(f"unknown column {column!r} (known: {', '.join(COLUMN_ALIASES)})")
        index = isinstance(wanted, int) and not isinstance(wanted, bool) and 0 <= wanted < 1000
        if not (index or (isinstance(wanted, str) and 0 < len(wanted) <= 100 and "\x00" not in wanted)):
            raise PastListError(f"column {column!r} must be a header text or a 0-based column index")


def read_past_list(source: str | Path | bytes, filename: str | None = None, *, year: int | None = None,
                   group: str | None = None, mapping: Mapping[str, str | int] | None = None,
                   list_name: str | None = None) -> PastListResult:
    """The entries of a CSV or XLSX list (every sheet of a workbook).

    ``mapping`` names columns explicitly: ``{"project": "参赛作品", "applicant": 2}`` (a header text or a
    0-based column index) for any of rank, project, applicant, region, year, edition, group. ``year`` and
    ``group`` given here win over the file's. Raises ``PastListError`` when no header row is found.
    """
    check_mapping(mapping or {})
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    name = filename or ("" if isinstance(source, bytes) else Path(source).name)
    result = PastListResult(year=year, group=group)
    context = {"mapping": dict(mapping or {}), "year": year, "group": group, "filename": Path(name).stem,
               "source": name or None, "list_name": list_name, "found": False}
    try:
        for sheet_name, rows in table_sheets(data, name, all_sheets=True):
            sheet_context = {**context, "sheet": sheet_name}
            _read_sheet(rows, sheet_context, result)
            context["found"] = context["found"] or sheet_context["found"]
    except RegistrationFileError as exc:
        raise PastListError(str(exc)) from None
    if not context["found"]:
        raise PastListError("no header row found (expected columns such as 序号, 项目名称, 企业名称)")
    _summarise(result, list_name)
    return result


def _summarise(result: PastListResult, list_name: str | None) -> None:
    years = {e.year for e in result.entries}
    groups = {e.group for e in result.entries}
    result.year = result.year or (years.pop() if len(years) == 1 else None)
    result.group = result.group or (groups.pop() if len(groups) == 1 else None)
    names = {e.list_name for e in result.entries}
    result.list_name = list_name or (names.pop() if len(names) == 1 else "; ".join(sorted(names)))


# ------------------------------------------------------------------------------------------- look-up


@dataclass(frozen=True)
class PastMatch:
    """A past entry resembling a registration: both scores (0–100) and ``strong`` or ``weak``."""

    entry: PastEntry
    company_score: float
    project_score: float
    strength: str


class PastListIndex:
    """Past entries by year, searched by normalised company and project names (rapidfuzz ``ratio``)."""

    def __init__(self, entries: Iterable[PastEntry]) -> None:
        self._by_year: dict[int, list[PastEntry]] = defaultdict(list)
        for entry in entries:
            self._by_year[entry.year].append(entry)
        self._keys = {year: ([e.applicant_key or "" for e in rows], [e.project_key for e in rows])
                      for year, rows in self._by_year.items()}

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._by_year.values())

    @property
    def years(self) -> list[int]:
        return sorted(self._by_year)

    def search(self, company: str | None, project: str | None, years: Iterable[int], *, strong: float = 90,
               weak: float = 75) -> list[PastMatch]:
        """Entries of those years whose company or project resembles the given ones, strongest first."""
        company_key, project_key = normalise_company(company), normalise_project(project)
        matches = []
        for year in years:
            rows = self._by_year.get(year, [])
            companies, projects = self._keys.get(year, ([], []))
            hits = set()
            for key, choices in ((company_key, companies), (project_key, projects)):
                if key:
                    hits.update(i for _, _, i in process.extract(key, choices, scorer=fuzz.ratio,
                                                                 score_cutoff=weak, limit=20))
            for i in hits:
                found = _judge(rows[i], company_key, project_key, strong, weak)
                if found:
                    matches.append(found)
        return sorted(matches, key=lambda m: (m.strength != "strong", -(m.company_score + m.project_score)))


def _judge(entry: PastEntry, company_key: str, project_key: str, strong: float, weak: float) -> PastMatch | None:
    """Strong: one name strongly alike and the other at least weakly (or absent from the list); weak:
    one name strongly alike alone, or both weakly."""
    company = company_key_similarity(company_key, entry.applicant_key or "")
    project = float(fuzz.ratio(project_key, entry.project_key)) if project_key and entry.project_key else 0.0
    company_ok = company >= weak or not entry.applicant_key
    project_ok = project >= weak or not entry.project_key
    if (company >= strong and project_ok) or (project >= strong and company_ok):
        return PastMatch(entry, company, project, "strong")
    if company >= strong or project >= strong or (company >= weak and project >= weak):
        return PastMatch(entry, company, project, "weak")
    return None


def load_past_entries(session, years: Iterable[int] | None = None) -> list[PastEntry]:  # type: ignore[no-untyped-def]
    """The past-list entries stored in the database (``review.models.PastListEntry``), of some years or all."""
    from sqlalchemy import select

    from review.models import PastListEntry

    query = select(PastListEntry)
    if years is not None:
        query = query.where(PastListEntry.year.in_(sorted(set(years))))
    return [PastEntry(row.list_name, row.group, row.year, row.rank, row.project, row.applicant,
                      row.applicant_key or normalise_company(row.applicant) or None, row.region, row.source)
            for row in session.scalars(query)]
