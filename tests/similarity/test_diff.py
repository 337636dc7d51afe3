"""Differences inside a matched passage pair: substituted words differ, punctuation and script do not."""

from __future__ import annotations

import itertools

import pytest

from similarity.align import align
from similarity.diff import PassageDiff, Segment, differences

SOURCE = "本项目采用激光选区熔化工艺制造钛合金航空结构件，通过优化扫描策略和预热温度，将残余应力降低了三成。"


def _diff(source: str, suspicious: str) -> PassageDiff:
    return differences(source, (0, len(source)), suspicious, (0, len(suspicious)))


def _different(text: str, segments: list[Segment]) -> list[str]:
    return [text[s.start:s.end] for s in segments if not s.same]


def _assert_covers(segments: list[Segment], span: tuple[int, int]) -> None:
    assert segments[0].start == span[0] and segments[-1].end == span[1]
    assert all(a.end == b.start and a.same != b.same for a, b in itertools.pairwise(segments))
    assert all(s.start < s.end for s in segments)


def test_a_substituted_word_differs_and_changed_punctuation_does_not() -> None:
    suspicious = SOURCE.replace("降低", "减少").replace("，", ",").replace("。", ".")
    diff = _diff(SOURCE, suspicious)
    assert _different(SOURCE, diff.source) == ["降低"]
    assert _different(suspicious, diff.suspicious) == ["减少"]
    _assert_covers(diff.source, (0, len(SOURCE)))
    _assert_covers(diff.suspicious, (0, len(suspicious)))
    assert 0.9 < diff.same_share < 1


def test_traditional_characters_and_full_width_forms_are_the_same() -> None:
    traditional = "本項目採用激光選區熔化工藝製造鈦合金航空結構件，通過優化掃描策略和預熱溫度，將殘餘應力降低了三成。"
    diff = _diff(SOURCE, traditional)
    assert diff.source == [Segment(0, len(SOURCE), True)] and diff.same_share == 1.0
    english = "Laser powder bed fusion, LPBF, builds parts layer by layer."
    assert _diff(english, "ＬＡＳＥＲ powder bed fusion（ＬＰＢＦ）builds parts layer by layer!").same_share == 1.0


def test_inserted_and_dropped_words_differ_on_their_own_side() -> None:
    source = "The printer uses a fibre laser and argon shielding to melt titanium powder."
    suspicious = "The printer uses a powerful fibre laser and shielding to melt titanium powder."
    diff = _diff(source, suspicious)
    assert _different(source, diff.source) == ["argon"]
    assert _different(suspicious, diff.suspicious) == ["powerful"]


def test_a_moved_sentence_is_not_different() -> None:
    first = "通过优化扫描策略和预热温度，将残余应力降低了三成。"
    second = "本项目采用激光选区熔化工艺制造钛合金航空结构件。"
    diff = _diff(second + first, first + second)
    assert all(s.same for s in diff.source + diff.suspicious)


def test_spans_inside_longer_texts_keep_original_offsets() -> None:
    source = "前言。" + SOURCE + "后记。"
    suspicious = "开头的话：" + SOURCE.replace("钛合金", "铝合金") + "结尾。"
    span_a, span_b = (3, 3 + len(SOURCE)), (5, 5 + len(SOURCE))
    diff = differences(source, span_a, suspicious, span_b)
    _assert_covers(diff.source, span_a)
    _assert_covers(diff.suspicious, span_b)
    assert _different(source, diff.source) == ["钛"] and _different(suspicious, diff.suspicious) == ["铝"]
    assert diff.to_json()["source"][0] == [3, diff.source[0].end, True]


def test_an_aligned_match_feeds_the_diff() -> None:
    source = "公司简介在此，与后文无关。" + SOURCE + "其余内容是市场分析。"
    suspicious = "另一份计划书的开头。" + SOURCE.replace("优化", "改进") + "财务预测从略。"
    [match] = align(source, suspicious)
    diff = differences(source, match.source, suspicious, match.suspicious)
    assert _different(source, diff.source) == ["优化"] and _different(suspicious, diff.suspicious) == ["改进"]
    payload = diff.to_json()
    assert set(payload) == {"source", "suspicious", "same_share"}
    assert all(isinstance(seg, list) and len(seg) == 3 for seg in payload["source"])


def test_empty_and_invalid_spans() -> None:
    assert differences("abc", (1, 1), "abc", (0, 3)).source == []
    with pytest.raises(ValueError, match="span"):
        differences("abc", (2, 9), "abc", (0, 3))
