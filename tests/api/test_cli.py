"""The `amreview` command line contract, run as a user would run it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.documents import one_page_pdf

AMREVIEW = [sys.executable, "-m", "api.cli"]




def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AMREVIEW, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "AMREVIEW_DATA_DIR": str(cwd / "data")})


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = _run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("parse", "serve", "demo", "db"):
        assert command in result.stdout


def test_parse_json_prints_only_the_document(tmp_path: Path) -> None:
    (tmp_path / "plan.pdf").write_bytes(one_page_pdf("增材制造专题赛商业计划书。"))
    result = _run("parse", "plan.pdf", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"sha256", "media_type", "pages", "blocks", "tables", "text", "warnings"} <= set(document)
    assert document["text"] == "增材制造专题赛商业计划书。"
    assert document["pages"] == [{**document["pages"][0], "number": 1, "ocr": False}]
    assert document["blocks"][0]["page"] == 1


def test_refused_single_file_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "locked.pdf").write_bytes(one_page_pdf("x")[:300])
    result = _run("parse", "locked.pdf", "--json", cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "corrupt" in result.stderr
    assert (tmp_path / "locked.pdf").exists()  # the input is never lost


def test_jsonl_over_files_and_a_bundle(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(one_page_pdf("第一份文件。"))
    (folder / "b.txt.pdf").write_bytes(b"not a pdf at all")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("member.pdf", one_page_pdf("压缩包成员。"))
        archive.writestr("../escape.pdf", one_page_pdf("x"))
    (folder / "bundle.zip").write_bytes(buffer.getvalue())

    result = _run("parse", "in", "--jsonl", "--no-ocr", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_file = {line["file"]: line for line in lines}
    assert by_file["in/a.pdf"]["text"] == "第一份文件。"
    assert by_file["in/b.txt.pdf"]["code"] == "unsupported_type" and "error" in by_file["in/b.txt.pdf"]
    assert by_file["in/bundle.zip!member.pdf"]["text"] == "压缩包成员。"
    assert by_file["in/bundle.zip!../escape.pdf"]["code"] == "unsafe_path"
    assert "parsing" in result.stderr  # progress goes to stderr
