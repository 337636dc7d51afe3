"""The lexicon matcher: normalised, leftmost-longest, word boundaries for ASCII terms, spans into the original."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from review.segments.catalogue import SEGMENT_IDS, segments
from review.segments.classifier import text_hits
from review.segments.lexicon import read_lexicon, scores, shipped_lexicon

LEXICON = """
segments:
  1:
    - {kind: process, weight: 3, terms: [激光选区熔化, 选区激光熔化, LPBF, SLM]}
    - {kind: process, weight: 1, terms: [激光熔化]}
  4:
    - {kind: device, weight: 3, terms: [振镜]}
    - {kind: device, weight: 0.5, terms: [SLM]}
  5:
    - {kind: material, weight: 3, terms: [球形粉末, 光敏树脂]}
  2:
    - {kind: material, weight: 1.5, terms: [光敏树脂, SLA]}
"""


@pytest.fixture
def lexicon(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "lexicon.yaml"
    path.write_text(LEXICON, encoding="utf-8")
    return read_lexicon(path)


def test_terms_are_found_normalised_with_spans_into_the_original(lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "本公司採用選區雷射熔化？不，採用ＬＰＢＦ與振鏡掃描。"  # traditional, full-width
    found = [(hit.term.text, text[start:end]) for hit, (start, end) in text_hits(lexicon, text)]
    assert ("lpbf", "ＬＰＢＦ") in found
    assert ("振镜", "振鏡") in found


def test_leftmost_longest_and_ascii_word_boundaries(lexicon) -> None:  # type: ignore[no-untyped-def]
    text = "采用选区激光熔化成形；SLAB 不是 SLA，SLM-280 是设备。"
    found = [text[start:end] for _, (start, end) in text_hits(lexicon, text)]
    assert found == ["选区激光熔化", "SLA", "SLM"]  # not 激光熔化 inside it, not SLA inside SLAB


def test_a_term_points_to_several_segments_with_its_own_weights(lexicon) -> None:  # type: ignore[no-untyped-def]
    mass = scores(lexicon.find("光敏树脂"))
    assert mass[SEGMENT_IDS.index(5)] == 3 and mass[SEGMENT_IDS.index(2)] == 1.5


def test_repeats_count_log_wise(lexicon) -> None:  # type: ignore[no-untyped-def]
    once = scores(lexicon.find("振镜"))[3]
    many = scores(lexicon.find("振镜，" * 40))[3]
    assert once == 3 and 3 < many < 3 * 6  # forty repeats are not forty times the evidence


def test_the_shipped_lexicon_covers_every_segment_in_both_languages() -> None:
    lexicon = shipped_lexicon()
    for segment in segments():
        terms = [t.text for t in lexicon.terms.values() if segment in t.weights]
        assert sum(any("\u4e00" <= c <= "\u9fff" for c in t) for t in terms) >= 40, segment
        assert sum(t.isascii() for t in terms) >= 40, segment
    for term in ("激光选区熔化", "lpbf", "waam", "dlp", "fdm", "生物墨水", "齿科", "振镜", "喷头", "球形粉末", "气雾化",
                 "prep", "拓扑优化", "切片", "熔池监测", "缺陷检测"):
        assert term in lexicon.terms, term
    assert np.isclose(scores(lexicon.find("")).sum(), 0)
