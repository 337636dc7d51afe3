"""MinHash signatures: estimates track exact Jaccard, short and empty texts behave, folding reaches the shingles."""

from __future__ import annotations

import random

import numpy as np
import pytest

from similarity.minhash import BINS, EMPTY, jaccard, resemblance, signature, signatures
from similarity.units import shingles

HAN = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


def random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(HAN) for _ in range(length))


def pair_near(rng: random.Random, target: float, length: int = 3000) -> tuple[str, str]:
    """Two texts sharing a prefix sized so their Jaccard resemblance is about ``target``."""
    shared = round(2 * target * length / (1 + target))  # J = k / (2L - k) for a shared run of k
    base = random_text(rng, length)
    return base, base[:shared] + random_text(rng, length - shared)


@pytest.mark.parametrize("target", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_estimates_track_exact_jaccard(target: float) -> None:
    rng = random.Random(int(target * 100))
    errors = []
    for _ in range(8):
        a, b = (shingles(text) for text in pair_near(rng, target))
        exact = jaccard(a, b)
        assert abs(exact - target) < 0.02  # the construction does what it says
        errors.append(resemblance(signature(a), signature(b)) - exact)
    # 128 bins: standard deviation sqrt(J(1-J)/128) ≤ 0.044; no estimate 3.5 of them off, none biased.
    assert max(abs(e) for e in errors) < 0.16
    assert abs(float(np.mean(errors))) < 0.05


def test_identical_and_unrelated_texts() -> None:
    rng = random.Random(1)
    text, other = random_text(rng, 2000), random_text(rng, 2000)
    assert resemblance(signature(shingles(text)), signature(shingles(text))) == 1.0
    assert resemblance(signature(shingles(text)), signature(shingles(other))) < 0.05
    matrix = signatures([shingles(text), shingles(other)])
    assert matrix.shape == (2, BINS) and matrix.dtype == np.uint64
    assert (matrix[0] == signature(shingles(text))).all()


def test_empty_and_short_texts() -> None:
    for nothing in ("", "，。！ ", "四个汉字"):  # no unit, or fewer units than one gram
        assert len(shingles(nothing)) == 0
        assert (signature(shingles(nothing)) == EMPTY).all()
    empty = signature(shingles(""))
    assert resemblance(empty, empty) == 0.0  # an empty text resembles nothing, not even itself
    short = signature(shingles("增材制造技术"))  # six characters: two grams, every bin densified from them
    assert len(shingles("增材制造技术")) == 2 and not (short == EMPTY).any()
    assert resemblance(short, signature(shingles("增材制造技术。"))) == 1.0
    assert resemblance(short, signature(shingles("激光选区熔化"))) == 0.0
    assert jaccard(shingles(""), shingles("增材制造技术")) == 0.0


def test_traditional_full_width_case_and_punctuation_fold_to_the_same_shingles() -> None:
    simplified = "本项目采用激光选区熔化工艺制造钛合金航空结构件，致密度达到99.9%。"
    traditional = "本項目採用激光選區熔化工藝製造鈦合金航空結構件，緻密度達到99.9%。"
    assert np.array_equal(shingles(simplified), shingles(traditional))
    half = "SLM工艺打印Ti6Al4V支架, 用于LPBF产线. Laser powder bed fusion"
    full = "ＳＬＭ工艺打印Ｔｉ６Ａｌ４Ｖ支架，用于ｌｐｂｆ产线。ＬＡＳＥＲ　ｐｏｗｄｅｒ　ｂｅｄ　ｆｕｓｉｏｎ"
    assert np.array_equal(shingles(half), shingles(full))
    assert len(shingles(half)) > 10
    assert not np.array_equal(shingles(simplified), shingles(simplified.replace("钛合金", "铝合金")))
