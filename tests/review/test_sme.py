"""The SME standard: bands, boundaries (a value equal to a bound), worked examples, industries."""

from __future__ import annotations

import pytest

from review.sme import available_standards, band, classify, load_standard


def test_thresholds_are_versioned_data() -> None:
    standard = load_standard("sme-2011")
    assert standard.standard_id == "工信部联企业〔2011〕300号" and "sme-2011" in available_standards()
    assert len(standard.rows) == 16
    with pytest.raises(ValueError, match="unknown SME standard"):
        load_standard("sme-2099")


@pytest.mark.parametrize(("employees", "revenue", "size"), [
    (1500, 30000, "medium"),  # facts.md: bands (1, 2), revenue under 40000 keeps it an SME
    (250, 50000, "small"),  # bands (3, 1)
    (1000, 40000, "large"),  # both equal to the large bounds: large
    (999, 40000, "medium"),
    (1000, 39999.99, "medium"),
    (300, 2000, "medium"),  # equal to the medium bounds
    (300, 1999, "small"),
    (20, 300, "small"),  # equal to the small bounds
    (19, 300, "micro"),
    (20, 299, "micro"),
])
def test_industry_row_boundaries(employees: int, revenue: float, size: str) -> None:
    assert classify("工业", employees, revenue).size_name == size


def test_band_uses_greater_or_equal_for_lower_bounds() -> None:
    bounds = (1000, 300, 20)
    assert [band(v, bounds) for v in (1000, 999, 300, 299, 20, 19, 0)] == [1, 2, 2, 3, 3, 4, 4]


@pytest.mark.parametrize(("industry", "row"), [
    ("工业", "工业"), ("制造业", "工业"), ("C", "工业"), ("C3493", "工业"), ("3493", "工业"),
    ("C3493 增材制造装备制造", "工业"),
    ("软件和信息技术服务业", "软件和信息技术服务业"), ("I65", "软件和信息技术服务业"), ("批发业", "批发业"),
    ("7010", "房地产开发经营"), ("科学研究和技术服务业", "其他未列明行业"), ("M7320", "其他未列明行业"),
])
def test_industry_strings_map_to_rows(industry: str, row: str) -> None:
    resolution = load_standard().resolve(industry)
    assert resolution.row is not None and resolution.row.name == row


@pytest.mark.parametrize("industry", ["F", "信息传输、软件和信息技术服务业", "J", "金融业", "宇宙开发", None, ""])
def test_ambiguous_excluded_or_unknown_industries_are_undecided(industry: str | None) -> None:
    result = classify(industry, 100, 1000)
    assert result.size is None and result.is_sme is None and result.reason


def test_other_rows_and_missing_figures() -> None:
    assert classify("软件和信息技术服务业", 300, 500).size_name == "small"  # 300 people is large, 500万 small
    assert classify("软件和信息技术服务业", 300, 10000).size_name == "large"
    assert classify("建筑业", None, 80000, 80000).size_name == "large"  # revenue and assets, no headcount
    assert classify("其他未列明行业", 300, None).size_name == "large"
    missing = classify("工业", None, 30000)
    assert missing.size is None and missing.missing == ("employees",) and "already make it an SME" in missing.reason
