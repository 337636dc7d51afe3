"""Units keep their spans in the original text; folding makes variants of one text one text."""

from __future__ import annotations

import numpy as np

from similarity.units import grams, shingles, units


def test_units_are_characters_and_words_with_original_spans() -> None:
    text = "ＡＢＣ公司，３Ｄ打印  Laser-Powder Bed！①2"
    cut = units(text)
    pieces = [text[s:e] for s, e in zip(cut.starts, cut.ends, strict=True)]
    assert pieces == ["ＡＢＣ", "公", "司", "３Ｄ", "打", "印", "Laser", "Powder", "Bed", "①2"]
    assert cut.cjk.tolist() == [False, True, True, False, True, True, False, False, False, False]
    assert cut.span(1, 2) == (3, 5)


def test_traditional_fullwidth_case_and_punctuation_variants_share_every_shingle() -> None:
    simplified = "采用激光选区熔化技术制造钛合金零件，致密度达到99.5%，Laser Powder Bed Fusion。"
    variant = "採用激光選區熔化技術製造鈦合金零件。緻密度達到９９．５％，laser  POWDER bed fusion！"
    assert np.array_equal(shingles(simplified), shingles(variant))
    assert len(shingles(simplified)) > 20


def test_grams_are_five_characters_or_three_words_and_differ_with_content() -> None:
    hashes, first = grams(units("增材制造技术 additive manufacturing of titanium parts"))
    # 11 units: a gram of five from each character (running on into the words), of three from each word
    assert first.tolist() == list(range(9))
    assert len(set(hashes.tolist())) == 9
    assert np.array_equal(grams(units("additive manufacturing of"))[0], hashes[6:7])
    assert len(np.intersect1d(shingles("增材制造技术"), shingles("减材制造技术"))) == 1  # 材制造技术 only
    assert shingles("，。！").size == 0 and shingles("").size == 0


def test_common_grams_are_left_out() -> None:
    text = "一、项目概述。本项目研发高温合金燃油喷嘴的激光选区熔化批量制造工艺。"
    template = shingles("一、项目概述")
    kept = shingles(text, common=template)
    assert len(kept) == len(shingles(text)) - len(np.intersect1d(shingles(text), template))
    assert not np.intersect1d(kept, template).size
