"""Registrations (报名信息) as imported from the national platform's exports: models and readers.

One registration is one entry: the contest it belongs to, its group, segment, project, applicant
(an enterprise, or a maker team that may have no company), core team and the files it names.
Exports come as JSON Lines, CSV or XLSX with English (the JSON keys, dotted for nested ones such
as ``applicant.uscc``) or Chinese headers (报名编号, 组别, 统一社会信用代码, 营业收入（万元）…).
A bad row becomes one ``RowError`` (line, id when known, reason) and every other row still imports.

Core members in one cell (``核心成员``): members are separated by ``;`` ``；`` ``、`` ``|`` or new lines;
each is a name optionally followed by brackets (any width) or spaces holding, in any order, the ID
number, the role and ``核心``/``非核心`` — ``张三(110105194912310021,负责人);李四（技术总监）;王五 非核心``.

ID numbers are sensitive: ``protect_ids`` replaces each raw number with a keyed hash (to find one
person in several teams) and a masked form (to show), and readers do it at once when given the key.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.archive import check_office_zip
from ingest.errors import Refused
from ingest.identity import id_number_hash, is_valid_id_number, mask_id_number, mask_id_numbers
from ingest.limits import DEFAULT_LIMITS

GROUP_ALIASES = {"enterprise": "enterprise", "企业组": "enterprise", "企业": "enterprise",
                 "startup": "startup", "创业组": "startup", "创客组": "startup", "创业": "startup", "创客": "startup"}
CONTEST_KIND_ALIASES = {"thematic": "thematic", "专题赛": "thematic", "regional": "regional", "区域赛": "regional",
                        "overseas": "overseas", "境外区域赛": "overseas", "境外赛": "overseas"}
APPLICANT_KIND_ALIASES = {"company": "company", "企业": "company", "公司": "company", "初创企业": "company",
                          "team": "team", "团队": "team", "创客团队": "team", "个人": "team", "高校团队": "team",
                          "科研院所团队": "team"}
CREDIT_FLAGS = ("abnormal_operation", "serious_violation", "dishonest")
# Checked in order: "严重违法失信名单" is one serious-violation flag, not also a dishonesty flag.
_CREDIT_WORDS = (("严重违法", "serious_violation"), ("经营异常", "abnormal_operation"),
                 ("异常经营", "abnormal_operation"), ("异常名录", "abnormal_operation"), ("失信", "dishonest"))
_NO_FLAGS = {"", "无", "没有", "否", "none", "no", "n/a", "na", "-", "—", "正常", "良好", "[]"}
SEGMENTS = {1: "金属增材制造", 2: "高分子及复合材料增材制造", 3: "生物医疗增材制造", 4: "增材制造装备与核心器件",
            5: "增材制造材料", 6: "增材制造设计与仿真软件", 7: "AI+增材制造"}
_TRUE = {"true", "yes", "y", "1", "是", "已进入", "已进入市场", "已上市", "有"}
_FALSE = {"false", "no", "n", "0", "否", "未进入", "未进入市场", "未上市", "无"}
_CORE = {"核心", "核心成员", "core"}
_NOT_CORE = {"非核心", "非核心成员", "一般成员", "non-core", "noncore"}
_ID_LIKE = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_MASKED_ID = re.compile(r"^\d{6}\*{6,8}\d{0,3}[\dX]$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def chinese_int(text: str) -> int | None:
    """An integer from digits or Chinese numerals up to 99: "11", "十一", "第十一届" → 11."""
    text = re.sub(r"^第|[届年次]$", "", _fold(text))
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)


def parse_date(value: Any) -> date | None:
    """A date from ISO text, 2019/5/20, 2019.5.20, 2019年5月20日, 20190520 or a spreadsheet datetime."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = _fold(str(value))
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise ValueError("not a date (use YYYY-MM-DD)")
    return date(int(match[1]), int(match[2]), int(match[3]))


def _number(value: Any) -> float | None:
    """A number from a cell: "8,500", "8500万元", "120人" → 8500, 8500, 120; blank → None."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"[,\s]|万元|万|元|人|名", "", _fold(str(value)))
    if not text or text in {"-", "—"}:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


def _flag_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = _fold(str(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if not text:
        return None
    raise ValueError("expected 是/否 or true/false")


def _split_outside_brackets(text: str, separators: str) -> list[str]:
    """Split on separator characters that are not inside (…) brackets."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def parse_members(text: str) -> list[dict[str, Any]]:
    """Members from one cell in the forgiving format of the module docstring."""
    members = []
    for entry in _split_outside_brackets(_fold(text), ";|、\n"):
        name, _, inner = entry.partition("(")
        tokens = re.split(r"[,/\s:]+", inner.rstrip(")")) if inner else []
        if not inner:
            name, *tokens = re.split(r"[,/\s:]+", entry)
        members.append(_member_from_tokens(name.strip(), [t for t in tokens if t]))
    return members


def _member_from_tokens(name: str, tokens: list[str]) -> dict[str, Any]:
    member: dict[str, Any] = {"name": name, "core": True}
    roles = []
    for token in tokens:
        upper = token.upper()
        if _ID_LIKE.match(upper):
            member["id_number"] = upper
        elif _MASKED_ID.match(upper):
            member["id_masked"] = upper
        elif token.lower() in _CORE:
            member["core"] = True
        elif token.lower() in _NOT_CORE:
            member["core"] = False
        else:
            roles.append(token)
    if roles:
        member["role"] = "、".join(roles)
    return member


def parse_credit_flags(value: Any) -> list[str]:
    """Canonical flags from a list or a cell ("经营异常；失信被执行人"); unrecognised text is kept as is."""
    if value is None:
        return []
    items = value if isinstance(value, list) else re.split(r"[;；,，、|\n]+", _fold(str(value)))
    flags: list[str] = []
    for item in (_fold(str(i)) for i in items):
        if item.lower() in _NO_FLAGS or item.startswith("无"):
            continue
        flag = item if item in CREDIT_FLAGS else next((f for word, f in _CREDIT_WORDS if word in item), item)
        if flag not in flags:
            flags.append(flag)
    return flags


def _alias(value: Any, aliases: dict[str, str], what: str) -> Any:
    if not isinstance(value, str):
        return value
    text = _fold(value)
    found = aliases.get(text) or aliases.get(text.lower())
    if found is None:
        raise ValueError(f"unknown {what} {text!r} (expected one of {', '.join(sorted(set(aliases.values())))})")
    return found


class ContestRef(BaseModel):
    """The contest an entry belongs to; defaults are this service's contest (11th AM thematic, 2026)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["thematic", "regional", "overseas"] = "thematic"
    name: str = "增材制造专题赛"
    edition: int = 11
    year: int = 2026
    region: str | None = None

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return _alias(value, CONTEST_KIND_ALIASES, "contest kind")

    @field_validator("edition", "year", mode="before")
    @classmethod
    def _integer(cls, value: Any) -> Any:
        if isinstance(value, str):
            parsed = chinese_int(value)
            if parsed is None:
                raise ValueError("not a number")
            return parsed
        return int(value) if isinstance(value, float) and value.is_integer() else value


class Applicant(BaseModel):
    """The entrant: an enterprise (``company``) or a maker team (``team``), which may lack a USCC.

    Money is in 万元 (10,000 CNY), as in the SME standard's tables.
    """

    model_config = ConfigDict(extra="ignore")

    kind: Literal["company", "team"] = "company"
    name: str = Field(min_length=1)
    uscc: str | None = None
    registered_on: date | None = None
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    revenue_10k_cny: float | None = Field(default=None, ge=0)
    assets_10k_cny: float | None = Field(default=None, ge=0)
    credit_flags: list[str] = []

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return _alias(value, APPLICANT_KIND_ALIASES, "applicant kind")

    @field_validator("name", "industry", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _fold(str(value)) or None if value is not None else None

    @field_validator("uscc", mode="before")
    @classmethod
    def _uscc(cls, value: Any) -> Any:
        return "".join(_fold(str(value)).split()).upper() or None if value is not None else None

    @field_validator("registered_on", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return parse_date(value)

    @field_validator("employees", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        number = _number(value)
        if number is not None and not number.is_integer():
            raise ValueError("not a whole number of people")
        return None if number is None else int(number)

    @field_validator("revenue_10k_cny", "assets_10k_cny", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return _number(value)

    @field_validator("credit_flags", mode="before")
    @classmethod
    def _flags(cls, value: Any) -> Any:
        return parse_credit_flags(value)


class Member(BaseModel):
    """A team member. ``id_number`` is the raw number from a file and lives only until ``protect_ids``;
    members from the database carry ``id_hash`` (HMAC-SHA256) and ``id_masked`` instead."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    id_number: str | None = Field(default=None, repr=False)
    id_hash: str | None = None
    id_masked: str | None = None
    id_valid: bool | None = None
    role: str | None = None
    core: bool = True

    @field_validator("id_number", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return "".join(_fold(str(value)).split()).upper() or None if value is not None else None

    @field_validator("core", mode="before")
    @classmethod
    def _core(cls, value: Any) -> Any:
        if isinstance(value, str) and _fold(value).lower() in _CORE | _NOT_CORE:
            return _fold(value).lower() in _CORE
        return True if value is None else _flag_bool(value)


class Registration(BaseModel):
    """One entry as registered (the shape of the JSON Lines export)."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    contest: ContestRef = ContestRef()
    group: Literal["enterprise", "startup"]
    segment: int | None = Field(default=None, ge=1, le=7)
    project: str = Field(min_length=1)
    applicant: Applicant
    on_market: bool | None = None
    team: list[Member] = []
    files: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _applicant_kind(cls, data: Any) -> Any:
        """A missing applicant kind: a company when it has a USCC, a date, or enters the enterprise group."""
        applicant = data.get("applicant") if isinstance(data, dict) else None
        if isinstance(applicant, dict) and not applicant.get("kind"):
            group = GROUP_ALIASES.get(_fold(str(data.get("group") or "")).lower(), data.get("group"))
            company = applicant.get("uscc") or applicant.get("registered_on") or group == "enterprise"
            data = {**data, "applicant": {**applicant, "kind": "company" if company else "team"}}
        return data

    @field_validator("id", "project", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _fold(str(value)) if value is not None else value

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, value: Any) -> Any:
        return _alias(value, GROUP_ALIASES, "group")

    @field_validator("segment", mode="before")
    @classmethod
    def _segment(cls, value: Any) -> Any:
        return parse_segment(value)

    @field_validator("on_market", mode="before")
    @classmethod
    def _on_market(cls, value: Any) -> Any:
        return _flag_bool(value)

    @field_validator("team", mode="before")
    @classmethod
    def _team(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else parse_members(text)
        return [] if value is None else value

    @field_validator("files", mode="before")
    @classmethod
    def _files(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [f for f in re.split(r"[;；,，、|\n]+", text) if f]
        return [] if value is None else value

    def public_dict(self) -> dict[str, Any]:
        """The registration as JSON, without raw ID numbers (masked forms and hashes only)."""
        return self.model_dump(mode="json", exclude={"team": {"__all__": {"id_number"}}})


def parse_segment(value: Any) -> int | None:
    """A segment number from 1, "1", "领域1", "一", "金属增材制造" or "1 金属增材制造"."""
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _fold(str(value))
    if not text:
        return None
    by_name = {_fold(name).lower(): number for number, name in SEGMENTS.items()}
    if text.lower() in by_name:
        return by_name[text.lower()]
    match = re.match(r"^(?:领域)?\s*(\d|[一二三四五六七])(?!\d)", text)
    if match:
        return int(match[1]) if match[1].isdigit() else _CN_DIGITS[match[1]]
    raise ValueError(f"unknown segment {text!r} (1–7 or its name)")


# ------------------------------------------------------------------------------------------- ID numbers


def mask_any_id(number: str) -> str:
    """The display form of an ID number; anything that is not 18 characters is masked but for its ends."""
    if len(number) == 18:
        return mask_id_number(number)
    return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:] if len(number) > 4 else "*" * len(number)


def protect_member(member: Member, key: bytes) -> Member:
    """The member with its raw ID number replaced by hash, mask and ``id_valid``; others unchanged."""
    if member.id_number is None:
        return member
    number = member.id_number
    return member.model_copy(update={"id_number": None, "id_hash": id_number_hash(number, key),
                                     "id_masked": mask_any_id(number), "id_valid": is_valid_id_number(number)})


def protect_ids(registration: Registration, key: bytes) -> Registration:
    """A copy of the registration in which no raw ID number is left (see ``protect_member``)."""
    if all(member.id_number is None for member in registration.team):
        return registration
    return registration.model_copy(update={"team": [protect_member(m, key) for m in registration.team]})


# ------------------------------------------------------------------------------------------- readers


@dataclass(frozen=True)
class RowError:
    """A row that did not import: where it is, its registration id when known, and why."""

    line: int
    id: str | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}{f' ({self.id})' if self.id else ''}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.id, "reason": self.reason}


@dataclass
class ImportResult:
    registrations: list[Registration] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class RegistrationFileError(ValueError):
    """The file as a whole cannot be read (not JSON Lines, CSV or XLSX, or no header row)."""


_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("报名编号", "编号", "报名号", "项目编号", "报名序号"),
    "group": ("组别", "参赛组别"),
    "segment": ("领域", "报名领域", "参赛领域", "参赛项目报名领域", "所属领域"),
    "project": ("项目名称", "参赛项目", "参赛项目名称", "项目"),
    "applicant.name": ("企业名称", "团队名称", "企业/团队名称", "企业(团队)名称", "企业或团队名称", "参赛主体",
                       "参赛主体名称", "申报单位", "单位名称", "名称"),
    "applicant.kind": ("主体类型", "参赛主体类型"),
    "applicant.uscc": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "applicant.registered_on": ("注册日期", "成立日期", "注册时间", "成立时间", "登记日期"),
    "applicant.industry": ("行业", "所属行业", "行业类别", "行业代码", "国民经济行业", "行业分类"),
    "applicant.employees": ("从业人员", "从业人数", "员工人数", "从业人员数", "职工人数"),
    "applicant.revenue_10k_cny": ("营业收入", "营收", "主营业务收入", "年营业收入"),
    "applicant.assets_10k_cny": ("资产总额", "总资产", "资产总计"),
    "applicant.credit_flags": ("信用记录", "失信情况", "信用情况", "失信记录"),
    "on_market": ("是否已进入市场", "是否进入市场", "已进入市场", "进入市场"),
    "team": ("核心成员", "团队成员", "核心团队", "团队核心成员"),
    "contest.name": ("赛事", "赛事名称", "所属赛事"),
    "contest.kind": ("赛事类型", "赛事类别"),
    "contest.edition": ("届次", "届别"),
    "contest.year": ("年份", "年度", "赛事年份"),
    "contest.region": ("赛区", "所属赛区"),
    "files": ("文件", "附件", "文件名", "材料"),
}
_UNITS = {"万元": 1.0, "万": 1.0, "元": 1e-4, "亿元": 1e4, "千元": 0.1}
_MONEY = {"applicant.revenue_10k_cny", "applicant.assets_10k_cny"}


def _header_lookup() -> dict[str, str]:
    lookup = {alias: key for key, aliases in _HEADERS.items() for alias in aliases}
    lookup.update({key.lower(): key for key in _HEADERS})
    return lookup


_LOOKUP = _header_lookup()


def map_header(header: Any) -> tuple[str | None, float]:
    """The dotted key of a column header and the factor to 万元 for money: "营业收入（元）" → (revenue, 1e-4)."""
    text = re.sub(r"\s+", "", _fold(str(header or ""))).lower()
    unit = re.search(r"\(([^()]*)\)$", text)
    bare = text[: unit.start()] if unit else text
    key = _LOOKUP.get(bare) or _LOOKUP.get(text)
    if key is None and "/" in bare:  # "企业名称/团队名称": either name will do
        key = next((_LOOKUP[part] for part in bare.split("/") if part in _LOOKUP), None)
    factor = _UNITS.get(unit[1], 1.0) if unit and key in _MONEY else 1.0
    return key, factor


def _set_dotted(target: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    for parent in parents:
        target = target.setdefault(parent, {})
    target[last] = value


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _row_to_record(columns: list[tuple[str | None, float]], row: Iterable[Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for (key, factor), raw in zip(columns, row, strict=False):
        value = _cell(raw)
        if key is None or value is None:
            continue
        if key in _MONEY and factor != 1.0:
            number = _number(value)
            value = None if number is None else number * factor
        _set_dotted(record, key, value)
    return record


def _validation_reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return mask_id_numbers("; ".join(parts))


def _validate(line: int, record: Any, key: bytes | None, result: ImportResult, seen: dict[str, int]) -> None:
    raw_id = record.get("id") if isinstance(record, dict) else None
    row_id = _fold(str(raw_id)) if raw_id not in (None, "") else None
    if not isinstance(record, dict):
        result.errors.append(RowError(line, None, "not a JSON object"))
        return
    if row_id is None:
        result.errors.append(RowError(line, None, "id: missing registration id"))
        return
    if row_id in seen:
        result.errors.append(RowError(line, row_id, f"duplicate registration id (first at line {seen[row_id]})"))
        return
    try:
        registration = Registration.model_validate(record)
    except ValidationError as exc:
        result.errors.append(RowError(line, row_id, _validation_reason(exc)))
        return
    except (ValueError, TypeError) as exc:
        result.errors.append(RowError(line, row_id, mask_id_numbers(str(exc))))
        return
    seen[row_id] = line
    result.registrations.append(protect_ids(registration, key) if key is not None else registration)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistrationFileError("the file is neither UTF-8 nor GB18030 text")


def _json_records(text: str) -> Iterator[tuple[int, Any]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RegistrationFileError(f"not a JSON array: {exc.msg}") from None
        yield from enumerate(items, start=1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowError(number, None, f"not JSON: {exc.msg}")


def _find_header(rows: list[tuple[int, list[Any]]]) -> int:
    """Index (in ``rows``) of the first row with at least two recognised headers; title rows come before."""
    for index, (_, cells) in enumerate(rows[:20]):
        if sum(map_header(cell)[0] is not None for cell in cells if cell not in (None, "")) >= 2:
            return index
    raise RegistrationFileError("no header row found (expected headers such as 报名编号, 项目名称 or id, project)")


def _table_records(rows: Iterable[tuple[int, list[Any]]]) -> Iterator[tuple[int, Any]]:
    buffered: list[tuple[int, list[Any]]] = []
    iterator = iter(rows)
    for item in iterator:
        buffered.append(item)
        if len(buffered) >= 20:
            break
    header_at = _find_header(buffered)
    columns = [map_header(cell) for cell in buffered[header_at][1]]
    for line, cells in [*buffered[header_at + 1:], *iterator]:
        if all(_cell(c) is None for c in cells):
            continue
        try:
            yield line, _row_to_record(columns, cells)
        except ValueError as exc:
            yield line, RowError(line, None, str(exc))


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)  # newline="": the csv module reads line ends itself
    start = 1
    try:
        for row in reader:
            yield start, list(row)
            start = reader.line_num + 1
    except csv.Error as exc:  # e.g. a NUL byte, or a quote never closed
        raise RegistrationFileError(f"not readable as CSV (line {reader.line_num}): {exc}") from None


def _xlsx_sheets(data: bytes, all_sheets: bool) -> Iterator[tuple[str, Iterator[tuple[int, list[Any]]]]]:
    from openpyxl import load_workbook

    try:
        check_office_zip(data, DEFAULT_LIMITS, "XLSX workbook")
    except Refused as refusal:
        raise RegistrationFileError(refusal.reason) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise RegistrationFileError(f"not a readable XLSX workbook: {exc}") from None
    try:
        for sheet in workbook.worksheets if all_sheets else workbook.worksheets[:1]:
            rows = ((number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1))
            yield sheet.title, rows
    finally:
        workbook.close()


def table_sheets(data: bytes, filename: str = "", *,
                 all_sheets: bool = False) -> Iterator[tuple[str, Iterator[tuple[int, list[Any]]]]]:
    """(sheet name, rows of (line, cells)) of a CSV or XLSX file; a CSV is one sheet named "".

    Raises ``RegistrationFileError`` for legacy .xls, a damaged workbook or undecodable text.
    """
    suffix = Path(filename).suffix.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise RegistrationFileError("legacy .xls workbooks are not read: save the sheet as .xlsx or CSV")
    if data.startswith(b"PK\x03\x04"):
        yield from _xlsx_sheets(data, all_sheets)
        return
    if suffix == ".xlsx":
        raise RegistrationFileError("the .xlsx file is not an XLSX workbook")
    yield "", _csv_rows(_decode(data))


def records(data: bytes, filename: str = "") -> Iterator[tuple[int, Any]]:
    """(line, record dict or RowError) for each row, by content: XLSX (a ZIP), JSON Lines/array, or CSV."""
    suffix = Path(filename).suffix.lower()
    is_text = not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) and suffix not in {".xls", ".xlsx"}
    text = _decode(data) if is_text else ""
    if is_text and not text.strip():
        return
    if is_text and (text.lstrip()[:1] in "{[" or suffix in {".jsonl", ".json", ".ndjson"}):
        yield from _json_records(text)
        return
    for _, rows in table_sheets(data, filename):
        yield from _table_records(rows)


def read_registrations(source: str | Path | bytes, filename: str | None = None, *,
                       key: bytes | None = None) -> ImportResult:
    """Every registration of a JSON Lines, CSV or XLSX file (a path, or bytes with their file name).

    Bad rows are reported in ``errors`` and the rest carry on; with ``key`` the members' ID numbers are
    replaced by hash and mask at once (``protect_ids``). Raises ``RegistrationFileError`` (or ``OSError``)
    only when the file itself cannot be read.
    """
    if isinstance(source, bytes):
        data, name = source, filename or ""
    else:
        data, name = Path(source).read_bytes(), filename or str(source)
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, record in records(data, name):
        if isinstance(record, RowError):
            result.errors.append(record)
        else:
            _validate(line, record, key, result, seen)
    return result
