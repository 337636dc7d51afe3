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
