"""Passage alignment: copies found through edits, offsets exact, same-topic texts not flagged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from similarity.align import align

SOURCE = ("公司成立于2018年，专注于金属增材制造。本项目采用激光选区熔化工艺制造钛合金航空结构件，"
          "通过优化扫描策略和预热温度，将零件致密度提高到百分之九十九点九，同时把残余应力降低了三成。"
          "我们建立了从粉末检验、工艺开发到热处理和无损检测的完整质量体系，"
          "已为三家主机厂批量交付燃油喷嘴和支架类零件。团队核心成员来自高校和研究院所。")
SYNONYMS = {"提高": "提升", "降低": "减少", "完整": "全面", "批量交付": "批量供应"}
TRADITIONAL = ("本項目採用激光選區熔化工藝製造鈦合金航空結構件，通過優化掃描策略和預熱溫度，"
               "將零件緻密度提高到百分之九十九點九。")
PASSAGE = SOURCE[20:160]
SENTENCES = PASSAGE.split("。")


def _substituted(text: str) -> str:
    for word, synonym in SYNONYMS.items():
        text = text.replace(word, synonym)
    return text


@pytest.mark.parametrize("suspicious", [
    "这是别人的开头，讲市场。" + PASSAGE + "后面是自己写的财务分析内容，与来源无关。",  # verbatim inside other text
    PASSAGE.replace("，", ",").replace("。", "."),  # punctuation changed
    _substituted(PASSAGE),  # synonyms
    "。".join([SENTENCES[1], SENTENCES[0], *SENTENCES[2:]]),  # sentences reordered
    TRADITIONAL,
])
def test_a_copied_passage_is_one_match_with_exact_offsets(suspicious: str) -> None:
    [match] = align(SOURCE, suspicious)
    source_part = SOURCE[match.source[0]:match.source[1]]
    assert source_part.startswith("本项目采用激光选区熔化") and match.score > 0.8
    assert suspicious[match.suspicious[0]:match.suspicious[1]][:4] in ("本项目采", "本項目採", SENTENCES[1][:4])


def test_texts_on_the_same_topic_are_not_copies() -> None:
    same_topic = ("我们的激光选区熔化设备采用双激光器和振镜扫描系统，成形尺寸四百毫米，适用于钛合金和高温合金零件，"
                  "公司提供工艺开发和热处理服务，客户覆盖航空航天和医疗器械领域，计划三年内实现国产替代。")
    assert align(SOURCE, same_topic) == []
    english = ("Laser powder bed fusion builds parts layer by layer from a thin bed of metal powder. A focused laser "
               "melts each cross-section, and the platform lowers by one layer thickness before a recoater spreads "
               "fresh powder.")
    assert align(english, "Our laser powder bed fusion machines use four lasers and a 400 mm build plate.") == []
    [match] = align(english, "Intro. " + english.replace("layer by layer", "one layer at a time") + " Sales grew.")
    assert match.suspicious[0] == len("Intro. ")


def test_the_cli_contract(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "b.txt").write_text("开头。" + PASSAGE, encoding="utf-8")
    rows = [{"id": "p1", "source": "a.txt", "suspicious": "b.txt"}, {"id": "p2", "source": "a.txt", "suspicious": "x"}]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli = [sys.executable, "-m", "api.cli", "align"]
    one = json.loads(subprocess.run([*cli, str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    [match] = one["matches"]
    suspicious = "开头。" + PASSAGE
    assert suspicious[slice(*match["suspicious"])] == SOURCE[slice(*match["source"])]
    lines = subprocess.run([*cli, "--pairs", str(tmp_path / "pairs.jsonl"), "--jsonl"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["id"] == "p1" and first["matches"] == one["matches"]
    assert second["id"] == "p2" and "unreadable" in second["error"]


# --- planted passages inside longer documents: spans in the original texts -------------------------------------

FILLER_A = ("公司位于苏州工业园区，主营精密模具和注塑件，拥有员工两百余人。近年来市场需求波动较大，"
            "管理层决定向高端装备方向转型，并与本地职业院校共建实训基地，培养数控与检测人才。")
FILLER_B = ("本章讨论财务预测。我们预计明年营业收入增长两成，毛利率保持稳定，经营性现金流为正。"
            "融资主要用于购置检测仪器和扩建洁净车间，预计两年内收回投资。")
FILLER_C = ("附件包括营业执照副本、近三年审计报告和主要客户的采购合同复印件，请评审专家查阅。"
            "如需现场考察，请提前一周与项目联系人预约。")
COPY_TRADITIONAL = ("本項目採用激光選區熔化工藝製造鈦合金航空結構件,通過優化掃描策略和預熱溫度,"
                    "將零件緻密度提高到百分之九十九點九,同時把殘餘應力降低了三成.")


def _unit_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start``/``end`` pulled in to the first and last letter, digit or Chinese character: what align reports."""
    while start < end and not (text[start].isalnum()):
        start += 1
    while end > start and not (text[end - 1].isalnum()):
        end -= 1
    return start, end


def test_a_traditional_copy_with_other_punctuation_maps_to_both_original_texts() -> None:
    source = FILLER_A + SOURCE + FILLER_B
    suspicious = FILLER_C[:40] + "\n" + COPY_TRADITIONAL + "\n" + FILLER_C[40:]
    copied = SOURCE.index("本项目"), SOURCE.index("三成。") + len("三成。")
    [match] = align(source, suspicious)
    assert match.source == _unit_span(source, len(FILLER_A) + copied[0], len(FILLER_A) + copied[1])
    start = suspicious.index(COPY_TRADITIONAL)
    assert match.suspicious == _unit_span(suspicious, start, start + len(COPY_TRADITIONAL))
    assert suspicious[slice(*match.suspicious)].startswith("本項目採用") and match.score > 0.9


def test_full_width_english_and_several_passages_in_another_order() -> None:
    first = ("Laser powder bed fusion builds parts layer by layer from a thin bed of metal powder, and a focused "
             "laser melts each cross-section before the platform lowers by one layer thickness.")
    second = ("Our service bureau runs twelve machines in two shifts and ships most titanium brackets within five "
              "working days, with certificates of conformity and full build records.")
    between = ("Between the two, a page on our office, the parking spaces behind the building, the canteen menu, "
               "the opening hours of reception and the names of the receptionists who greet every visitor. ")
    source = "Intro text about the pricing of desktop printers for schools. " + first + " " + between + second
    widened = first.replace("laser", "ＬＡＳＥＲ").replace(",", "，")
    suspicious = ("Our finance section forecasts revenue. " + second + " We also sell spare nozzles, and our "
                  "spring open day invites local schools, suppliers and journalists to the new showroom. " + widened +
                  " Closing remarks on hiring.")
    matches = sorted(align(source, suspicious), key=lambda m: m.source)
    assert len(matches) == 2
    for match, text, copy in zip(matches, (first, second), (widened, second), strict=True):
        at = source.index(text)
        assert match.source == _unit_span(source, at, at + len(text))
        at = suspicious.index(copy)
        assert match.suspicious == _unit_span(suspicious, at, at + len(copy))


TEMPLATE = ["一、项目概述", "请用300字以内概括项目名称、所属领域、核心产品及主要创新点。",
            "二、技术来源与先进性", "请简要介绍项目的技术来源、核心技术及其先进性，并与国内外同类技术进行对比。",
            "三、市场分析", "请说明目标市场的规模与增长趋势、主要竞争对手以及本项目的竞争优势。",
            "四、团队介绍", "请介绍核心团队成员的教育背景、从业经历及在项目中的分工。"]
BODIES = ["我们生产牙科种植体，年销量三万件。", "团队来自西北工业大学凝固技术实验室。", "产品用于汽车轻量化底盘件。",
          "客户包括两家船舶设计院。", "公司正在建设第二条粉末生产线。", "本项目研发铝合金电弧增材设备。",
          "核心成员有十年激光器研发经验。", "主要市场在长三角和珠三角。"]


def _plan(bodies: list[str], extra: str = "") -> str:
    lines = []
    for i, line in enumerate(TEMPLATE):
        lines.append(line)
        if i % 2:
            lines.append(bodies[i // 2 % len(bodies)])
    return "\n".join(lines[:5] + ([extra] if extra else []) + lines[5:])


def test_template_text_is_ignored_with_common_while_a_real_copy_is_found() -> None:
    from similarity.common import learn, text_grams

    plans = [_plan(BODIES[i:] + BODIES[:i]) for i in range(len(BODIES))]
    common = learn(text_grams(p) for p in plans)
    source = _plan(BODIES[:4], extra=SOURCE)
    suspicious = _plan(BODIES[4:], extra=PASSAGE)
    at = suspicious.index(PASSAGE)
    # Without common text the template itself looks copied.
    assert any(m.suspicious[0] < at - 20 or m.suspicious[1] > at + len(PASSAGE) + 20 for m in align(source, suspicious))
    [match] = align(source, suspicious, common=common)
    assert match.suspicious == _unit_span(suspicious, at, at + len(PASSAGE))
    assert align(_plan(BODIES[:4]), _plan(BODIES[4:]), common=common) == []


def test_same_topic_texts_of_the_corpus_are_never_copies() -> None:
    """Every pair of different long corpus texts with one segment label: shared terms, no copying."""
    rows = [json.loads(line) for lang in ("zh", "en") for line in
            (Path(__file__).parents[2] / "review" / "segments" / "data" / f"corpus_long_{lang}.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    by_segment: dict[tuple[str, int], list[str]] = {}
    for row in rows:
        by_segment.setdefault((row["lang"], row["segment"]), []).append(row["text"])
    found = [(a[:30], b[:30]) for texts in by_segment.values() for i, a in enumerate(texts) for b in texts[i + 1:]
             if a != b and align(a, b)]
    assert found == []
    shared_terms = ("本项目采用等离子旋转电极雾化法制备球形钛合金粉末，粉末用于激光选区熔化成形航空零件，"
                    "公司已建成两条生产线，年产能三百吨，产品通过了主机厂的认证。")
    other = ("等离子旋转电极雾化法是制备高品质球形粉末的主要方法之一，我们的研究比较了该方法与气雾化法的"
             "粉末粒度分布、空心粉率和氧含量，结果显示激光选区熔化成形件的致密度差别不大。")
    assert align(shared_terms, other) == []


@pytest.mark.parametrize(("source", "suspicious"), [("", "本项目"), ("本项目", ""), ("。，！", "，。"), ("ab", "ab")])
def test_texts_without_enough_units_give_nothing(source: str, suspicious: str) -> None:
    assert align(source, suspicious) == []


def test_a_gram_repeated_more_than_max_frequency_never_seeds() -> None:
    from similarity.align import ZH

    heading = "请填写本栏内容。"
    source = heading * (ZH.max_frequency + 2) + FILLER_A  # every gram of it, across the joins too
    suspicious = FILLER_B + heading * (ZH.max_frequency + 2)
    assert align(source, suspicious) == []
