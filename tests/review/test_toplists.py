"""Past ranking lists with odd columns and title rows; fuzzy look-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from review.toplists import PastListError, PastListIndex, group_from_text, read_past_list, year_from_text


def test_csv_with_title_row_and_odd_columns() -> None:
    text = ("2024年创客中国企业组500强名单,,,\n,,,\n"
            "名次,参赛主体（企业名称）,参赛项目,推荐单位\n"
            "1,四川某某增材科技有限公司,大尺寸钛合金构件激光选区熔化成形装备,四川赛区\n"
            ",,,\n"
            "2,深圳市某乙科技有限公司,光固化树脂,广东赛区\n")
    result = read_past_list(text.encode("utf-8-sig"), "list.csv")
    assert (result.year, result.group, result.list_name) == (2024, "enterprise", "2024年企业组500强")
    first = result.entries[0]
    assert (first.rank, first.applicant_key, first.region) == (1, "某某增材科技", "四川赛区")
    assert len(result.entries) == 2 and not result.errors


def test_year_and_group_from_file_name_sections_and_columns(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["单位名称", "项目名称", "所属赛区"])
    sheet.append(["一、创客组"])
    sheet.append(["某某团队", "生物墨水", "四川"])
    sheet.append(["二、企业组"])
    sheet.append(["某丙股份有限公司", "金属粉末", "江苏"])
    path = tmp_path / "第九届创客中国300强名单.xlsx"  # 第九届 = 2024
    workbook.save(path)
    result = read_past_list(path)
    assert [(e.year, e.group, e.applicant) for e in result.entries] == [
        (2024, "startup", "某某团队"), (2024, "enterprise", "某丙股份有限公司")]
    text = "序号,年份,组别,企业名称\n1,2023年,企业组,甲公司\n2,2025,创业组,乙团队\n"
    by_column = read_past_list(text.encode(), "lists.csv")
    assert [(e.year, e.group) for e in by_column.entries] == [(2023, "enterprise"), (2025, "startup")]


def test_explicit_mapping_and_given_year() -> None:
    text = "No.,参赛作品,公司\n1,熔池监测AI,某丁科技有限公司\n"
    result = read_past_list(text.encode(), "x.csv", year=2025, group="startup",
                            mapping={"project": "参赛作品", "applicant": 2})
    entry = result.entries[0]
    assert (entry.project, entry.applicant) == ("熔池监测AI", "某丁科技有限公司")
    assert (entry.year, entry.group) == (2025, "startup")


def test_missing_year_is_an_error_and_no_header_refuses() -> None:
    result = read_past_list("项目名称,企业名称\np,某公司\n".encode(), "企业组.csv")
    assert not result.entries and "no year" in result.errors[0]
    with pytest.raises(PastListError):
        read_past_list(b"a,b\n1,2\n", "x.csv")


def test_title_parsing() -> None:
    assert year_from_text("第十届创客中国") == 2025 and year_from_text("2023年名单") == 2023
    assert group_from_text("创业组300强") == "startup" and group_from_text("名单") is None


def test_index_strong_and_weak_matches() -> None:
    text = ("2024年企业组500强\n序号,企业名称,项目名称\n"
            "1,四川某某增材科技有限公司,大尺寸钛合金构件激光选区熔化成形装备\n"
            "2,成都某乙科技有限公司,连续纤维复合材料打印\n")
    index = PastListIndex(read_past_list(text.encode(), "l.csv").entries)
    strong = index.search("某某增材科技（成都）股份有限公司", "大尺寸钛合金构件激光选区熔化成形装备项目", [2024])
    assert strong[0].strength == "strong" and strong[0].entry.rank == 1
    weak = index.search("某乙科技有限公司", "金属粉末雾化", [2024])  # same company, different project
    assert weak and weak[0].strength == "weak"
    assert index.search("某某增材科技有限公司", "大尺寸钛合金构件激光选区熔化成形装备", [2023]) == []
    assert index.search("完全不同的公司", "完全不同的项目名称", [2024]) == []


def test_an_explicit_mapping_names_known_columns_only() -> None:
    data = "名次,参赛作品,主体\n1,某项目,某某科技有限公司\n".encode()
    entries = read_past_list(data, "2025年企业组500强.csv", mapping={"project": "参赛作品", "applicant": 2}).entries
    assert [(e.project, e.applicant, e.year, e.group) for e in entries] == [("某项目", "某某科技有限公司", 2025,
                                                                              "enterprise")]
    with pytest.raises(PastListError, match="unknown column 'prize'"):
        read_past_list(data, "list.csv", mapping={"prize": 3})
    with pytest.raises(PastListError, match="header text or a 0-based column index"):
        read_past_list(data, "list.csv", mapping={"project": [1]})
