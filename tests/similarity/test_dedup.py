"""`amreview dedup` as a user runs it: planted pairs printed with their exact similarity, bad lines reported."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

from similarity import dedup
from similarity.minhash import jaccard
from similarity.units import shingles
from tests.similarity.test_minhash import random_text

AMREVIEW = [sys.executable, "-m", "api.cli", "dedup"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMREVIEW_DATA_DIR": str(cwd / "data")}
    return subprocess.run([*AMREVIEW, *args], capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def _texts() -> dict[str, str]:
    rng = random.Random(5)
    base = "".join(random_text(rng, 40) + "。" for _ in range(50))  # 2,050 characters in 50 sentences
    sentences = base.split("。")[:-1]
    return {
        "plan-a": base,
        "plan-b": "。".join(sentences[:40]) + "。" + random_text(rng, 200),  # most of a kept: J ≈ 0.75
        "plan-c": "。".join(sentences[10:40]) + "。" + random_text(rng, 300),  # J ≈ 0.55 with a
        "plan-d": random_text(rng, 2000),
        "plan-e": opencc.OpenCC("s2t").convert(base),  # a, in traditional characters: the same shingles
        "plan-f": "",
    }


def _expected(texts: dict[str, str], threshold: float) -> list[dict[str, object]]:
    names = list(texts)
    rows = []
    for k, a in enumerate(names):
        for b in names[k + 1:]:
            similarity = jaccard(shingles(texts[a]), shingles(texts[b]))
            if similarity >= threshold:
                rows.append({"a": a, "b": b, "similarity": round(similarity, 4)})
    return rows


def _write(path: Path, texts: dict[str, str], *extra: str) -> Path:
    lines = [json.dumps({"id": doc, "text": text}, ensure_ascii=False) for doc, text in texts.items()]
    path.write_text("\n".join([*lines[:2], *extra, *lines[2:]]) + "\n", encoding="utf-8")
    return path


def test_planted_pairs_printed_in_file_order_and_bad_lines_reported(tmp_path: Path) -> None:
    texts = _texts()
    bad = ["{not json", json.dumps({"id": "x"}), json.dumps({"id": "y", "text": 5}), "",
           json.dumps({"id": "plan-a", "text": "另一份同名文档的内容。"}), json.dumps(["a", "list"])]
    _write(tmp_path / "docs.jsonl", texts, *bad)
    result = _run("docs.jsonl", "--jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    expected = _expected(texts, 0.5)
    assert [(r["a"], r["b"]) for r in expected] == [("plan-a", "plan-b"), ("plan-a", "plan-c"), ("plan-a", "plan-e"),
                                                     ("plan-b", "plan-c"), ("plan-b", "plan-e"), ("plan-c", "plan-e")]
    assert printed == expected
    assert printed[2]["similarity"] >= 0.98  # traditional characters fold to simplified (a few do not round-trip)
    for number, reason in ((3, "not JSON"), (4, "no text"), (5, "text is not a string"),
                           (7, "duplicate id"), (8, "not a JSON object")):
        assert f"line {number}: {reason}" in result.stderr
    assert "line 6" not in result.stderr  # a blank line is no problem


def test_threshold_option_is_respected(tmp_path: Path) -> None:
    texts = _texts()
    _write(tmp_path / "docs.jsonl", texts)
    middle = [json.loads(line) for line in _run("docs.jsonl", "--jsonl", "--threshold", "0.7", cwd=tmp_path)
              .stdout.splitlines()]
    assert middle == _expected(texts, 0.7) and 0 < len(middle) < len(_expected(texts, 0.5))
    assert all(row["similarity"] >= 0.7 for row in middle)
    high = _run("docs.jsonl", "--threshold", "0.95", cwd=tmp_path)
    assert [(row["a"], row["b"]) for row in map(json.loads, high.stdout.splitlines())] == [("plan-a", "plan-e")]


@pytest.mark.parametrize(("setup", "args", "reason"), [
    (lambda p: None, ["missing.jsonl", "--jsonl"], "missing.jsonl: no such file"),
    (lambda p: (p / "latin1.jsonl").write_bytes('{"id": 1, "text": "caf\xe9"}\n'.encode("latin-1")),
     ["latin1.jsonl", "--jsonl"], "not UTF-8 (line 1)"),
    (lambda p: (p / "ok.jsonl").write_text('{"id": 1, "text": "x"}\n'), ["ok.jsonl", "--threshold", "1.5"],
     "--threshold must be in (0, 1]"),
    (lambda p: (p / "ok.jsonl").write_text('{"id": 1, "text": "x"}\n'), ["ok.jsonl", "--threshold", "0"],
     "--threshold must be in (0, 1]"),
])
def test_refusals_exit_non_zero_with_one_line(tmp_path: Path, setup, args: list[str], reason: str) -> None:  # type: ignore[no-untyped-def]
    setup(tmp_path)
    result = _run(*args, cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == ""
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_pool_path_gives_the_same_pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    path = _write(tmp_path / "docs.jsonl", texts)
    in_process = list(dedup.near_duplicates(path, 0.5))
    monkeypatch.setattr(dedup, "LARGE", 2)
    monkeypatch.setattr(dedup, "CHUNK_BYTES", 1024)  # several spans, read by two worker processes
    monkeypatch.setattr(dedup, "VERIFY_TASK", 1)
    messages: list[str] = []
    assert list(dedup.near_duplicates(path, 0.5, progress=messages.append)) == in_process
    assert len(in_process) == 6 and any(m.startswith("fingerprinted 6/6 lines") for m in messages)
