from ingest.headings import (
    has_words,
    heading_levels,
    is_bullet,
    is_caption,
    is_toc_line,
    looks_like_heading_text,
    numbering_style,
)
from ingest.text import clean, join_lines, normalize, to_simplified


def test_normalize_maps_every_character_back_to_the_original() -> None:
    original = "公司名称：ＡＢＣ增材製造有限公司，  成立于２０１９年。"
    norm = normalize(original, simplified=True)
    assert norm.text == "公司名称:abc增材制造有限公司, 成立于2019年."
    start = norm.text.index("增材制造")
    span = norm.source_span(start, start + 4)
    assert original[span[0]:span[1]] == "增材製造"
    year = norm.text.index("2019")
    assert original[slice(*norm.source_span(year, year + 4))] == "２０１９"


def test_traditional_to_simplified_keeps_length() -> None:
    text = "雷射選區熔化與電子束熔煉，資訊與軟體"
    converted = to_simplified(text)
    assert len(converted) == len(text)
    assert converted.startswith("雷射选区熔化与电子束熔炼")


def test_clean_fixes_kangxi_radicals_without_moving_offsets() -> None:
    assert clean("⼦⽤⼀") == "子用一"
    assert len(clean("a\x00b⼦")) == 4


def test_join_lines_cjk_and_hyphenation() -> None:
    assert join_lines(["增材制造是一种", "先进制造技术"]) == "增材制造是一种先进制造技术"
    assert join_lines(["selective laser melt-", "ing of titanium"]) == "selective laser melting of titanium"
    assert join_lines(["laser powder", "bed fusion"]) == "laser powder bed fusion"


def test_numbering_styles() -> None:
    assert numbering_style("第一章 项目概述") == "chapter"
    assert numbering_style("一、项目概述") == "cn"
    assert numbering_style("（二）技术路线") == "paren_cn"
    assert numbering_style("1. 市场规模") == "arabic1"
    assert numbering_style("2.3 竞争分析") == "arabic2"
    assert numbering_style("2.3.1 主要对手") == "arabic3"
    assert numbering_style("（1）粉末制备") == "paren_arabic"
    assert numbering_style("2024年营业收入") is None
    assert numbering_style("Chapter 2 Market") == "chapter"
    assert numbering_style("第三部分 财务") == "chapter"
    assert numbering_style("第二节 市场") == numbering_style("Section 3 Scope") == "section"
    assert numbering_style("第五条 经费") == "article"
    assert numbering_style("1.1. 概述") == "arabic2"
    assert numbering_style("1.2.3.4 细节") == "arabic4"
    assert numbering_style("2）人员") == "half_paren_arabic"
    assert numbering_style("⑪ 其他") == "circled"
    assert numbering_style("12 个月") is None
    assert numbering_style("第3分钟") is None


def test_numbering_with_words_after() -> None:
    assert numbering_style("（2）设备采购", words_after=True) == "paren_arabic"
    assert numbering_style("（2）", words_after=True) is None  # an equation number
    assert numbering_style("1.5", words_after=True) is None


def test_bullets_captions_and_toc_lines() -> None:
    assert is_bullet("• 电子束熔化") and is_bullet("- item") and is_bullet("— From a letter")
    assert not is_bullet("-5.617") and not is_bullet("*通信作者") and not is_bullet("—From a letter")
    assert is_caption("表1：各年度收入") and is_caption("图一 工艺流程") and is_caption("Fig. 12. Grain size")
    assert not is_caption("图1为本发明的整体结构示意图，其中包括送粉装置。")
    assert not is_caption("图 1 为本发明的主视图；")  # a figure list entry, not a caption
    assert is_toc_line("第一章 总论 ........ 3") and is_toc_line("1.2 Scope\tiv") and is_toc_line("目录……")
    assert not is_toc_line("单价\t") and not is_toc_line("共 4 页")


def test_heading_text_and_words() -> None:
    assert looks_like_heading_text("一、项目概述")
    assert not looks_like_heading_text("PMC8282694.")
    assert not looks_like_heading_text("目标：扩大市场；提高利润")
    assert has_words("적립 대상") and not has_words("(1)") and has_words("L", 1)


def test_heading_levels_nest_and_return() -> None:
    styles = ["cn", "paren_cn", "arabic1", "paren_cn", "cn", "paren_cn"]
    assert heading_levels(styles) == [1, 2, 3, 2, 1, 2]
    # A stray deeper style does not shift the rest of the document.
    assert heading_levels(["chapter", "arabic2", "paren_arabic", "arabic2", "chapter"]) == [1, 2, 3, 2, 1]
    # Only 1 / 1.1 used: "1." is the top level.
    assert heading_levels(["arabic1", "arabic2", "arabic2", "arabic1"]) == [1, 2, 2, 1]
    # 第一节 sits between 第一章 and 一、; "1）" under "（1）".
    assert heading_levels(["chapter", "section", "cn", "section", "chapter"]) == [1, 2, 3, 2, 1]
    assert heading_levels(["arabic1", "paren_arabic", "half_paren_arabic", "arabic1"]) == [1, 2, 3, 1]
