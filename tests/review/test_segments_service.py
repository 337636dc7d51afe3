"""segment_fit, the model store (live and previous), corrections and retraining."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.database import session_scope
from review.eligibility import check_batch
from review.eligibility.model import SubmittedFile
from review.segments import service, store
from review.segments.classify import Classification
from review.segments.fit import judge, segment_fit_rule
from tests.review.helpers import registration

pytestmark = pytest.mark.storage


def _result(*scores: tuple[int, float], secondary: list[int] | None = None) -> Classification:
    return Classification(list(scores), secondary or [], [{"segment": scores[0][0], "text": "振镜", "span": [0, 2],
                                                           "kind": "term", "by": "lexicon"}])


def test_judge_passes_the_primary_and_a_strong_secondary_and_flags_the_rest() -> None:
    origin = {"source": "document", "file": "plan.pdf"}
    fits = judge(registration(segment=4), _result((4, 0.7), (1, 0.2)), origin)
    assert fits.status == "pass"
    secondary = judge(registration(segment=5), _result((3, 0.55), (5, 0.35), secondary=[5]), origin)
    assert secondary.status == "pass" and "secondary" in secondary.reason
    wrong = judge(registration(segment=2), _result((4, 0.8), (1, 0.1), (2, 0.05)), origin)
    assert wrong.status == "fail" and "2 高分子" in wrong.reason and "4 增材制造装备" in wrong.reason
    summary, term = wrong.evidence
    assert summary["source"] == "classifier" and summary["primary"] == 4 and summary["declared"] == 2
    assert term == {"segment": 4, "text": "振镜", "span": [0, 2], "kind": "term", "by": "lexicon",
                    "source": "document", "file": "plan.pdf"}
    confirmed = judge(registration(segment=2), _result((4, 0.8), (2, 0.05)), origin, reviewed=2)
    assert confirmed.status == "pass" and "reviewer" in confirmed.reason


def test_segment_fit_in_a_check_is_advisory(data_dir: Path) -> None:
    from ingest.document import DocumentBuilder

    builder = DocumentBuilder("0" * 64, "application/pdf", "plan.pdf", "test")
    builder.start_page(1)
    builder.add_block("heading", "二、核心技术与产品", level=1)
    builder.add_block("paragraph", "自主研发高速二维振镜扫描系统和光纤激光器，替代进口核心器件，"
                      "已批量供应国内金属3D打印设备厂商，扫描速度和定位精度达到国际同类产品水平。" * 3)
    plan = builder.build()
    files = {"AM11-E-0001": [SubmittedFile("plan.pdf", documents=[plan], facts=[])]}
    rule = segment_fit_rule(service.classifier)
    outcome = next(check_batch([registration(segment=3)], files=files, segment_classifier=rule))
    fit = next(r for r in outcome.results if r.rule == "segment_fit")
    assert fit.status == "fail" and fit.advisory and "4 增材制造装备" in fit.reason, fit.reason
    assert all(e["file"] == "plan.pdf" and plan.text[e["span"][0]:e["span"][1]] == e["text"]
               for e in fit.evidence[1:])
    no_documents = next(check_batch([registration(segment=3)], segment_classifier=rule))
    assert next(r for r in no_documents.results if r.rule == "segment_fit").status == "skipped"


def test_retrain_keeps_the_previous_model_and_can_roll_back(data_dir: Path) -> None:
    service.live_model()  # a fresh data directory gets the corpus model
    directory = store.model_dir(data_dir)
    first = store.cards(directory)["live"]
    assert first is not None and first["corrections"] == 0 and store.cards(directory)["previous"] is None
    with session_scope() as session:
        service.record_correction(session, 6, "一套面向增材制造的支撑生成与切片路径规划软件，支持多激光分区。")
    report = service.retrain()
    assert report.replaced, report.reason
    cards = store.cards(directory)
    assert cards["live"]["corrections"] == 1 and cards["previous"]["digest"] == first["digest"]
    for figures in report.card["cross_validated"].values():
        assert 0 < figures["macro_f1"] <= 1 and len(figures["confusion"]) == 7
    assert store.restore_previous(directory)
    assert store.cards(directory)["live"]["digest"] == first["digest"]
    assert service.live_model() is not None  # the restored one is read back


def test_a_retrain_that_does_worse_does_not_replace_the_live_model(data_dir: Path) -> None:
    service.live_model()
    directory = store.model_dir(data_dir)
    live = store.cards(directory)["live"]
    assert live is not None
    inflated = {**live, "cross_validated": {k: {**v, "macro_f1": 1.0} for k, v in live["cross_validated"].items()}}
    (directory / "live.json").write_text(__import__("json").dumps(inflated), encoding="utf-8")
    report = service.retrain()
    assert not report.replaced and "below the live model" in report.reason
    assert store.cards(directory)["previous"] is None  # nothing moved
    assert service.retrain(force=True).replaced


def test_a_model_made_by_other_versions_is_not_loaded(tmp_path: Path) -> None:
    import json

    model = service.live_model(tmp_path)
    live = store.model_dir(tmp_path) / "live.joblib"
    assert store.read(live) is not None and model is not None
    card = json.loads(live.with_suffix(".json").read_text(encoding="utf-8"))
    live.with_suffix(".json").write_text(json.dumps({**card, "sklearn": "0.0"}), encoding="utf-8")
    assert store.read(live) is None
