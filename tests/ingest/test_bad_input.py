"""Hostile and broken files: each is refused (or degraded) with a specific reason."""

from __future__ import annotations

import io
import zipfile

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from ingest.errors import Refused
from ingest.limits import Limits, format_size
from ingest.parse import iter_parse, parse_bytes
from ingest.sandbox import SandboxedParser

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def _pdf(text: str = "增材制造商业计划书：激光选区熔化装备。", encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, encrypt=encrypt)
    canvas.setFont("STSong-Light", 12)
    canvas.drawString(72, 760, text)
    canvas.save()
    return buffer.getvalue()


def _blank_pdf(pages: int, width: float = 595, height: float = 842) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(width, height)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _refusal(data: bytes, name: str = "upload.pdf", **kwargs: object) -> Refused:
    with pytest.raises(Refused) as caught:
        parse_bytes(data, name, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_truncated_pdf() -> None:
    refusal = _refusal(_pdf()[:300])
    assert refusal.code == "corrupt" and "damaged or truncated" in refusal.reason


def test_encrypted_pdf() -> None:
    refusal = _refusal(_pdf(encrypt="secret"))
    assert refusal.code == "encrypted" and "password" in refusal.reason


def test_pdf_with_thousands_of_pages() -> None:
    refusal = _refusal(_blank_pdf(2500))
    assert refusal.code == "too_many_pages" and "2500 pages" in refusal.reason


def test_gigantic_page() -> None:
    refusal = _refusal(_blank_pdf(1, width=200_000, height=200_000))
    assert refusal.code == "page_too_large" and "page 1" in refusal.reason


def test_empty_file() -> None:
    refusal = _refusal(b"")
    assert refusal.code == "empty" and "0 bytes" in refusal.reason


def test_file_over_the_size_limit() -> None:
    refusal = _refusal(_pdf(), limits=Limits(max_bytes=1000))
    assert refusal.code == "too_large" and refusal.reason.endswith("the limit is 1000 bytes")
    assert format_size(50 * 2**20) == "50 MB" and format_size(1536 * 2**10) == "1.5 MB"


def test_unknown_and_legacy_types() -> None:
    assert _refusal(b"just some text", "notes.txt").code == "unsupported_type"
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    refusal = _refusal(legacy, "plan.doc")
    assert refusal.code == "legacy_office" and "DOCX or PDF" in refusal.reason


def test_pdf_renamed_docx_is_read_as_pdf_with_a_warning() -> None:
    doc = parse_bytes(_pdf(), "plan.docx", ocr=False)
    assert doc.media_type == "application/pdf"
    assert "激光选区熔化装备" in doc.text
    assert doc.warnings[0].code == "mislabelled" and ".docx" in doc.warnings[0].message


def test_pdf_without_text_is_kept_with_a_warning() -> None:
    doc = parse_bytes(_blank_pdf(2), "blank.pdf", ocr=False)
    assert len(doc.pages) == 2 and doc.text == ""
    assert [w.code for w in doc.warnings] == ["no_text"]


def test_bundle_carries_on_past_bad_members() -> None:
    bundle = _zip({
        "计划书.pdf": _pdf("第一份文件：金属粉末制备。"),
        "../../etc/passwd.pdf": _pdf("traversal"),
        "/abs/path.pdf": _pdf("absolute"),
        "inner.zip": _zip({"a.pdf": _pdf()}),
        "broken.pdf": _pdf()[:200],
        "notes.txt": b"plain text",
        "附件/专利证书.pdf": _pdf("第二份文件：发明专利证书。"),
    })
    results = {r.name: r for r in iter_parse(bundle, "bundle.zip", ocr=False)}
    assert results["bundle.zip!计划书.pdf"].document is not None
    assert "金属粉末制备" in results["bundle.zip!计划书.pdf"].document.text
    assert "专利证书" in results["bundle.zip!附件/专利证书.pdf"].document.text
    assert results["bundle.zip!../../etc/passwd.pdf"].error.code == "unsafe_path"
    assert results["bundle.zip!/abs/path.pdf"].error.code == "unsafe_path"
    assert results["bundle.zip!inner.zip"].error.code == "nested_archive"
    assert results["bundle.zip!broken.pdf"].error.code == "corrupt"
    assert results["bundle.zip!notes.txt"].error.code == "unsupported_type"


def test_zip_bomb_bundle() -> None:
    buffer = io.BytesIO()
    with (zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
          archive.open("zeros.pdf", "w") as member):
        chunk = b"\0" * (1 << 20)
        for _ in range(400):
            member.write(chunk)
    assert len(buffer.getvalue()) < 2_000_000
    [result] = iter_parse(buffer.getvalue(), "bomb.zip")
    assert result.error is not None and result.error.code == "zip_bomb"


def test_too_many_members() -> None:
    bundle = _zip({f"f{i}.pdf": b"%PDF-1.4" for i in range(30)})
    [result] = iter_parse(bundle, "many.zip", limits=Limits(max_members=20))
    assert result.error is not None and result.error.code == "too_many_members"


def test_cooperative_time_limit() -> None:
    refusal = _refusal(_blank_pdf(40), limits=Limits(max_seconds=0.0), ocr=False)
    assert refusal.code == "timeout" and "limit" in refusal.reason


def _scanned_pdf() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), 255)
    ImageDraw.Draw(image).rectangle((100, 100, 1100, 300), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


@pytest.mark.slow
def test_sandbox_kills_a_parser_over_its_memory_limit_and_recovers() -> None:
    # OCR of a scan loads models and renders the page: far more than 80 MB.
    parser = SandboxedParser(Limits(max_memory_bytes=80 * 2**20))
    try:
        [result] = parser.parse(_scanned_pdf(), "scan.pdf", ocr=True)
        assert result.error is not None and result.error.code == "memory"
        assert "80 MB" in result.error.reason
        parser.limits = Limits()
        [result] = parser.parse(_pdf("恢复之后的文件。"), "next.pdf", ocr=False)
        assert result.document is not None and "恢复之后的文件" in result.document.text
    finally:
        parser.close()


@pytest.mark.slow
def test_sandbox_returns_documents_and_refusals() -> None:
    parser = SandboxedParser()
    try:
        [good] = parser.parse(_pdf("沙箱内解析的文件。"), "good.pdf", ocr=False)
        [bad] = parser.parse(_pdf(encrypt="pw"), "locked.pdf", ocr=False)
        assert good.document is not None and "沙箱内解析的文件" in good.document.text
        assert bad.error is not None and bad.error.code == "encrypted"
    finally:
        parser.close()
