"""The passage index finds a copied passage in an unrelated document; common text is learned and saved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from similarity import common
from similarity.postings import SAMPLE, PostingIndex, sampled
from similarity.units import shingles

CORPUS = Path(__file__).resolve().parents[2] / "review" / "segments" / "data" / "corpus_long_zh.jsonl"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()][:40]


def test_a_copied_passage_makes_a_candidate_and_template_grams_do_not(tmp_path: Path, texts: list[str]) -> None:
    template = "一、项目概述\n二、技术与产品\n请简要介绍项目的技术来源、核心技术及其先进性。\n三、市场分析\n"
    passage = texts[0][:400]
    copier = template + texts[1] + passage + texts[2]
    with PostingIndex(tmp_path / "passages.sqlite") as index:
        for number, text in enumerate(texts[3:20]):
            index.add(f"s:{number}", sampled(shingles(template + text)))
        index.add("s:source", sampled(shingles(template + texts[0])))
        found = index.candidates(sampled(shingles(copier)), min_shared=3, max_frequency=5)
        assert found and found[0][0] == "s:source" and found[0][1] >= 400 // SAMPLE // 2
        assert [doc for doc, _ in found] == ["s:source"]  # the template is in every document: not counted
        index.remove("s:source")
        assert index.documents() == 17
    with PostingIndex(tmp_path / "passages.sqlite") as reopened:  # persisted
        assert reopened.documents() == 17


def test_common_text_is_what_many_documents_share(tmp_path: Path, texts: list[str]) -> None:
    template = "一、项目概述\n请简要介绍项目的技术来源、核心技术及其先进性，以及与国内外同类技术相比的优势。\n"
    sets = [common.text_grams(template + text) for text in texts[:20]]
    shared_by_two = texts[20][:200]
    sets += [common.text_grams(shared_by_two + texts[21]), common.text_grams(shared_by_two + texts[22])]
    learned = common.learn(sets)
    assert np.isin(common.text_grams(template), learned).mean() > 0.9
    assert not np.isin(common.text_grams(shared_by_two), learned).any()  # two entries sharing text: a case
    path = tmp_path / "similarity" / "common.npy"
    common.save(path, learned)
    assert np.array_equal(common.load(path), learned)
    assert common.load(tmp_path / "missing.npy").size == 0
