"""The segment classifier on short and long, Chinese, English and mixed texts: scores, evidence, weighting."""

from __future__ import annotations

import io

import pytest
from docx import Document as Docx

from ingest.parse import parse_bytes
from review.segments.classify import Classification, Classifier
from review.segments.service import classifier as live_classifier

pytestmark = pytest.mark.storage  # the live model sits in the test's data directory


@pytest.fixture
def model(data_dir) -> Classifier:  # type: ignore[no-untyped-def]
    return live_classifier()


def _assert_evidence_points_at_the_text(result: Classification, text: str) -> None:
    assert result.evidence
    for item in result.evidence:
        start, end = item["span"]
        assert text[start:end] == item["text"], item
        assert item["segment"] in [result.primary, *result.secondary] or item["segment"] == result.scores[1][0]


def _is_distribution(result: Classification) -> None:
    scores = [score for _, score in result.scores]
    assert sorted(s for s, _ in result.scores) == [1, 2, 3, 4, 5, 6, 7]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 1e-6


@pytest.mark.parametrize(("text", "segment"), [
    ("采用激光选区熔化为航空发动机批量打印高温合金燃油喷嘴，配套热等静压与机加工。", 1),
    ("桌面级LCD光固化打印机，面向教育与消费者市场，配套切片软件和树脂。", 2),
    ("基于口内扫描数据设计并打印个性化种植导板和全瓷牙冠，服务口腔诊所。", 3),
    ("自主研发高速二维振镜和光纤激光器，替代进口核心器件，用于金属打印设备。", 4),
    ("等离子旋转电极PREP制备球形钛合金粉末，氧含量低、流动性好，年产200吨。", 5),
    ("增材制造拓扑优化与点阵结构设计软件，集成工艺仿真和支撑自动生成。", 6),
    ("用深度学习模型实时识别熔池图像中的缺陷，闭环调整激光功率。", 7),
    ("A desktop FDM printer with a direct-drive extruder for PLA and PETG filament in schools.", 2),
    ("Bioprinting of cell-laden hydrogel scaffolds with a bio-ink for cartilage repair.", 3),
    ("Software for lattice generation, topology optimisation and build simulation of AM parts.", 6),
    ("A convolutional neural network classifies layer images for in-situ defect detection in LPBF.", 7),
])
def test_short_summaries_in_both_languages(model: Classifier, text: str, segment: int) -> None:
    result = model.classify_text(text)
    _is_distribution(result)
    assert result.primary == segment, result.scores
    _assert_evidence_points_at_the_text(result, text)
    assert any(e["kind"] == "term" for e in result.evidence if e["segment"] == segment)


def test_mixed_language_and_multi_label(model: Classifier) -> None:
    text = "基于LPBF的melt pool monitoring：采用CNN深度学习模型对熔池图像进行在线监测和缺陷识别，提升钛合金零件良率。"
    result = model.classify_text(text)
    assert result.primary == 7, result.scores
    assert 1 in [s for s, _ in result.scores[:2]], result.scores  # metal is the runner-up
    _assert_evidence_points_at_the_text(result, text)


def test_many_texts_in_one_batch_match_one_by_one(model: Classifier) -> None:
    texts = ["光敏树脂生产线，年产千吨，供应DLP打印。", "Wire arc additive manufacturing of ship propellers.", "",
             "   "]
    batch = model.classify_texts(texts)
    assert [r.to_json() for r in batch] == [model.classify_text(t).to_json() for t in texts]
    assert batch[2].secondary == [] and abs(batch[2].scores[0][1] - 1 / 7) < 1e-9  # nothing to read: no opinion


def _plan_docx() -> bytes:
    doc = Docx()
    doc.add_heading("一、公司简介", level=1)
    for _ in range(9):  # the company profile and finance speak of software and AI: boilerplate
        doc.add_paragraph("公司愿景是成为人工智能与工业软件领域的领军企业，已获得多项大模型、机器学习和数字孪生相关荣誉，"
                          "团队来自知名软件公司，拥有丰富的算法经验和数据平台建设经验。")
    doc.add_heading("二、核心技术与产品", level=1)
    doc.add_paragraph("本项目采用激光选区熔化（SLM）工艺，批量制造钛合金航空结构件和高温合金燃烧室零件，"
                      "配套热等静压和热处理，零件致密度达到99.9%。")
    doc.add_heading("五、财务分析", level=1)
    for _ in range(9):
        doc.add_paragraph("预计三年内营业收入达到一亿元，其中AI软件授权与算法服务收入占比逐步提高，"
                          "深度学习平台和大模型应用的毛利率高于行业平均水平。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_a_long_plan_is_decided_by_its_technology_sections(model: Classifier) -> None:
    document = parse_bytes(_plan_docx(), "商业计划书.docx")
    assert document is not None and len(document.text) > 1200
    result = model.classify_document(document)
    assert result.primary == 1, result.scores
    _assert_evidence_points_at_the_text(result, document.text)
    metal = [e for e in result.evidence if e["segment"] == 1]
    assert any(e.get("section", "").endswith("核心技术与产品") for e in metal), metal
    # read on its own, the boilerplate points elsewhere: the sections' weights made the call
    profile = next(b.text for b in document.blocks if "公司愿景" in b.text)
    assert model.classify_text(profile * 3).primary in (6, 7)
