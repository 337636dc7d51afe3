"""Registration import from JSON Lines, CSV (Chinese headers) and XLSX; ID numbers protected."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from ingest.identity import id_number_hash
from review.registrations import (
    RegistrationFileError,
    map_header,
    parse_credit_flags,
    parse_members,
    protect_ids,
    read_registrations,
)
from tests.review.helpers import KEY, make_id, make_uscc

ID_A, ID_B = make_id("11010519491231002"), make_id("51050019900101001")
RECORD = {"id": "AM11-E-0001",
          "contest": {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": None},
          "group": "enterprise", "segment": 1, "project": "大尺寸钛合金构件激光选区熔化成形装备",
          "applicant": {"kind": "company", "name": "四川某某增材科技有限公司", "uscc": make_uscc(),
                        "registered_on": "2019-05-20", "industry": "工业", "employees": 120, "revenue_10k_cny": 8500,
                        "assets_10k_cny": 12000, "credit_flags": []},
          "on_market": True, "team": [{"name": "张三", "id_number": ID_A, "role": "负责人", "core": True}],
          "files": ["plan.pdf"]}
CHINESE_HEADERS = ["报名编号", "组别", "领域", "项目名称", "企业名称/团队名称", "统一社会信用代码", "注册日期", "行业",
                   "从业人员", "营业收入（万元）", "资产总额（万元）", "是否已进入市场", "核心成员", "信用记录", "届次",
                   "年份", "文件"]
ROWS = [
    ["AM11-E-0001", "企业组", "1", "钛合金装备", "四川某某增材科技有限公司", make_uscc(), "2019/5/20", "C3493", "120",
     "8,500", "12000", "是", f"张三({ID_A},负责人);李四（技术总监）", "无", "第十一届", "2026", "plan.pdf"],
    ["AM11-S-0001", "创客组", "金属增材制造", "光固化树脂", "某某创客团队", "", "", "", "", "", "", "否",
     f"王五 {ID_B} 负责人、赵六 非核心", "", "第十一届", "2026", "bp.docx;附件.pdf"],
    ["AM11-E-0002", "企业组", "9", "bad segment", "某公司", "", "2020-01-01", "工业", "十", "", "", "是", "", "", "",
     "", ""],
]


def _jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_jsonl_imports_and_a_bad_line_is_reported(tmp_path: Path) -> None:
    bad = {**RECORD, "id": "AM11-E-0002", "group": "个人组"}
    path = tmp_path / "registrations.jsonl"
    path.write_bytes(_jsonl(RECORD, bad) + b"{not json\n" + _jsonl({**RECORD, "id": "AM11-E-0003"}))
    result = read_registrations(path)
    assert [r.id for r in result.registrations] == ["AM11-E-0001", "AM11-E-0003"]
    assert [(e.line, e.id) for e in result.errors] == [(2, "AM11-E-0002"), (3, None)]
    assert "group" in result.errors[0].reason and "not JSON" in result.errors[1].reason
    registration = result.registrations[0]
    assert registration.applicant.registered_on == date(2019, 5, 20) and registration.contest.edition == 11


def test_duplicate_ids_and_missing_ids_are_errors() -> None:
    result = read_registrations(_jsonl(RECORD, RECORD, {**RECORD, "id": ""}), "r.jsonl")
    assert len(result.registrations) == 1
    assert "duplicate" in result.errors[0].reason and result.errors[0].line == 2
    assert "missing registration id" in result.errors[1].reason


def test_csv_with_chinese_headers_and_a_title_row() -> None:
    buffer = io.StringIO()
    buffer.write("第十一届创客中国增材制造专题赛报名表,,,\n")
    buffer.write(",".join(CHINESE_HEADERS) + "\n")
    for row in ROWS:
        buffer.write(",".join(f'"{cell}"' for cell in row) + "\n")
    result = read_registrations(buffer.getvalue().encode("gb18030"), "报名.csv")
    enterprise, team = result.registrations
    assert enterprise.applicant.revenue_10k_cny == 8500 and enterprise.applicant.registered_on == date(2019, 5, 20)
    assert enterprise.on_market is True and enterprise.applicant.industry == "C3493"
    assert [(m.name, m.role) for m in enterprise.team] == [("张三", "负责人"), ("李四", "技术总监")]
    assert team.group == "startup" and team.segment == 1 and team.applicant.kind == "team"
    assert team.applicant.uscc is None and team.on_market is False and team.files == ["bp.docx", "附件.pdf"]
    assert [(m.name, m.core) for m in team.team] == [("王五", True), ("赵六", False)]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.line == 5 and error.id == "AM11-E-0002" and "segment" in error.reason and "employees" in error.reason


def test_xlsx_import(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["报名信息导出"])
    sheet.append(CHINESE_HEADERS)
    for row in ROWS:
        sheet.append([date(2019, 5, 20) if cell == "2019/5/20" else cell for cell in row])
    sheet.append([None] * len(CHINESE_HEADERS))
    path = tmp_path / "报名.xlsx"
    workbook.save(path)
    result = read_registrations(path, key=KEY)
    assert [r.id for r in result.registrations] == ["AM11-E-0001", "AM11-S-0001"]
    assert result.registrations[0].applicant.registered_on == date(2019, 5, 20)
    assert [e.line for e in result.errors] == [5]
    member = result.registrations[0].team[0]
    assert member.id_number is None and member.id_hash == id_number_hash(ID_A, KEY) and member.id_valid


def test_an_xlsx_declaring_entities_is_refused_before_openpyxl_reads_it(tmp_path: Path) -> None:
    import io
    import zipfile

    workbook = Workbook()
    workbook.active.append(CHINESE_HEADERS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    hostile = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # a "billion laughs" seed in the sheet
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data
            target.writestr(info, data)
    with pytest.raises(RegistrationFileError, match="declares a DTD"):
        read_registrations(hostile.getvalue(), "r.xlsx")


def test_odd_line_ends_are_read_and_broken_csv_is_a_file_error() -> None:
    text = "id,group,project,applicant.name\r\nA1,startup,p\rq,某某团队\r\nA2,startup,p,某某团队\r\n"
    result = read_registrations(text.encode(), "r.csv")  # a bare CR ends a row, as spreadsheets write it
    assert [r.id for r in result.registrations] == ["A2"]
    assert [(e.line, e.id) for e in result.errors] == [(2, "A1"), (3, "q")]
    with pytest.raises(RegistrationFileError, match="not readable as CSV"):
        read_registrations(("id,group,project\nA1,startup," + "长" * 200_000 + "\n").encode(), "r.csv")


def test_english_dotted_headers_and_units() -> None:
    text = "id,group,project,applicant.name,applicant.revenue_10k_cny,营业收入(元),team\n"
    text += f"A1,startup,p,某某团队,,5000000,\"[{{\"\"name\"\": \"\"甲\"\", \"\"id_number\"\": \"\"{ID_A}\"\"}}]\"\n"
    result = read_registrations(text.encode(), "r.csv")
    assert not result.errors, result.errors
    assert result.registrations[0].applicant.revenue_10k_cny == 500
    assert result.registrations[0].team[0].id_number == ID_A
    assert map_header("营业收入（亿元）") == ("applicant.revenue_10k_cny", 1e4)
    assert map_header("applicant.uscc")[0] == "applicant.uscc"


def test_protect_ids_replaces_raw_numbers_with_hash_and_mask() -> None:
    team = [{"name": "甲", "id_number": ID_A}, {"name": "乙", "id_number": "12345"}]
    registration = read_registrations(_jsonl({**RECORD, "team": team})).registrations[0]
    protected = protect_ids(registration, KEY)
    good, bad = protected.team
    assert good.id_masked == ID_A[:6] + "********" + ID_A[14:] and good.id_valid is True
    assert bad.id_valid is False and "12345" not in (bad.id_masked or "")
    dumped = json.dumps(protected.public_dict(), ensure_ascii=False)
    assert ID_A not in dumped and ID_A not in repr(registration)


def test_member_cell_format_is_forgiving() -> None:
    members = parse_members(f"张三（{ID_A}，负责人，核心）；李四(技术总监);王五/市场;阿卜杜拉·艾力 非核心\n赵六")
    assert [(m["name"], m.get("role"), m["core"]) for m in members] == [
        ("张三", "负责人", True), ("李四", "技术总监", True), ("王五", "市场", True), ("阿卜杜拉·艾力", None, False),
        ("赵六", None, True)]
    assert members[0]["id_number"] == ID_A


def test_credit_flags_from_text() -> None:
    assert parse_credit_flags("无") == [] and parse_credit_flags(None) == []
    assert parse_credit_flags("经营异常；列入严重违法失信名单") == ["abnormal_operation", "serious_violation"]
    assert parse_credit_flags(["dishonest", "被执行人"]) == ["dishonest", "被执行人"]


def test_unreadable_files_raise() -> None:
    with pytest.raises(RegistrationFileError):
        read_registrations(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls")
    with pytest.raises(RegistrationFileError):
        read_registrations(b"just,some\nwords,here\n", "r.csv")
    with pytest.raises(RegistrationFileError):
        read_registrations(b"PK\x03\x04garbage", "r.xlsx")
