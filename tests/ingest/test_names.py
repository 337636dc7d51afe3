"""Company and project names reduced to comparable keys."""

from __future__ import annotations

import pytest

from ingest.names import company_similarity, normalise_company, normalise_project, project_similarity


@pytest.mark.parametrize("name", [
    "四川某某增材科技有限公司", "四川省某某增材科技有限公司", "某某增材科技（深圳）有限公司",
    "成都市某某增材科技股份有限公司", "某某增材科技(成都)有限责任公司", "成都市新都区某某增材科技有限公司",
    "某某增材科技集团有限公司", " 某某增材科技 有限公司 ",
])
def test_legal_forms_brackets_and_regions_are_dropped(name: str) -> None:
    assert normalise_company(name) == "某某增材科技"


def test_a_name_is_never_stripped_to_a_generic_word() -> None:
    assert normalise_company("四川大学") == "四川大学"
    assert normalise_company("北京大学") == "北京大学"
    assert normalise_company("") == "" and normalise_company(None) == ""


def test_fuzzy_scores() -> None:
    assert company_similarity("四川某某增材科技有限公司", "某某增材科技（成都）股份有限公司") == 100
    assert company_similarity("四川某某增材科技有限公司", "清华大学") < 50
    assert normalise_project("“大尺寸”钛合金构件 激光选区熔化成形装备项目") == "大尺寸钛合金构件激光选区熔化成形装备"
    assert project_similarity("钛合金激光选区熔化装备", "钛合金激光选区熔化成形装备") > 90


def test_firms_of_one_trade_are_told_apart_by_their_trade_names() -> None:
    from ingest.names import company_similarity

    assert company_similarity("绵阳睿捷生物医学科技有限公司", "上海宇达生物医学科技股份有限公司") < 50
    assert company_similarity("四川泸州星火增材科技有限公司", "星火增材科技股份有限公司") == 100
    assert company_similarity("成都星火三维科技有限公司", "星火增材科技有限公司") > 60
