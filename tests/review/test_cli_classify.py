"""`amreview classify` and `amreview segments evaluate` as the contract says: one line per input, spans exact."""

from __future__ import annotations

import json
from pathlib import Path

from tests.documents import one_page_pdf
from tests.review.test_cli_check import _run

TEXTS = [
    {"id": "a", "text": "等离子旋转电极PREP制备球形钛合金粉末，供应激光选区熔化用户。"},
    {"id": 7, "text": "Topology optimisation and lattice design software with build simulation for AM."},
    {"id": "c", "text": "采用YOLO深度学习模型对铺粉图像进行缺陷检测，并自动优化工艺参数。"},
]


def _check_line(line: dict, text: str) -> None:
    assert set(line) == {"id", "primary", "secondary", "segments", "evidence"}
    scores = [item["score"] for item in line["segments"]]
    assert sorted(item["segment"] for item in line["segments"]) == [1, 2, 3, 4, 5, 6, 7]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert line["primary"] == line["segments"][0]["segment"] and line["primary"] not in line["secondary"]
    assert line["evidence"]
    for item in line["evidence"]:
        assert text[item["span"][0]:item["span"][1]] == item["text"]


def test_classify_jsonl_gives_one_line_per_input_in_order(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(t, ensure_ascii=False) for t in TEXTS]
    path.write_text("\n".join([lines[0], "{not json", lines[1], '{"id": "x"}', "", lines[2]]) + "\n", encoding="utf-8")
    run = _run("classify", "--jsonl", str(path), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["id"] for line in out] == ["a", None, 7, "x", "c"]
    assert "not JSON" in out[1]["error"] and "no text" in out[3]["error"]
    for line, source in zip([out[0], out[2], out[4]], TEXTS, strict=True):
        _check_line(line, source["text"])
    assert [out[0]["primary"], out[2]["primary"], out[4]["primary"]] == [5, 6, 7]


def test_classify_a_document_with_spans_into_the_parsed_text(tmp_path: Path) -> None:
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(one_page_pdf("二、核心技术与产品", "我们研发桌面级DLP光固化3D打印机和配套光敏树脂，",
                                 "面向教育和消费电子客户，已售出两万台。", heading=True))
    run = _run("classify", str(pdf), "--no-sandbox", "--no-ocr", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    [line] = [json.loads(x) for x in run.stdout.splitlines()]
    parsed = json.loads(_run("parse", str(pdf), "--json", "--no-sandbox", "--no-ocr", cwd=tmp_path).stdout)
    assert line["id"] == str(pdf) and line["primary"] == 2, line["segments"]  # the path as given
    _check_line(line, parsed["text"])
    assert _run("classify", cwd=tmp_path).returncode == 2  # neither a file nor --jsonl


def test_segments_evaluate_prints_the_figures_and_the_confusion_matrix(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    rows = [{"text": t["text"], "segment": s} for t, s in zip(TEXTS, [5, 6, 7], strict=True)]
    rows.append({"text": "A dental lab prints clear aligner models and surgical guides in resin.", "segment": 3})
    labelled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    text = _run("segments", "evaluate", str(labelled), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "macro-F1" in text.stdout and "top-2" in text.stdout and "true\\pred" in text.stdout
    figures = json.loads(_run("segments", "evaluate", str(labelled), "--json", cwd=tmp_path).stdout)
    assert set(figures) == {"zh", "en", "all"} and figures["all"]["count"] == 4
    assert figures["all"]["accuracy"] == 1.0 and len(figures["all"]["confusion"]) == 7
    assert figures["en"]["macro_f1"] == 1.0  # two texts, both right: segments absent from the file are no error
    labelled.write_text('{"text": "x", "segment": 9}\n', encoding="utf-8")
    bad = _run("segments", "evaluate", str(labelled), cwd=tmp_path)
    assert bad.returncode == 2 and "segment 1–7" in bad.stderr
