"""OCR engine and image reader on scans generated here, where the true text is known."""

from __future__ import annotations

import hashlib
import io
import socket
import struct
import threading
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image

from ingest import sniff
from ingest.document import Document
from ingest.errors import Refused
from ingest.limits import Limits
from ingest.ocr import (
    OcrLine,
    RapidOcrEngine,
    TesseractEngine,
    get_engine,
    join_words,
    mean_confidence,
    ocr_ready,
    parse_tesseract_tsv,
    reading_order,
    recognize_lines,
)
from ingest.parse import parse_bytes
from ingest.readers.base import ReadContext
from ingest.readers.image import read_image
from tests.ingest.scans import (
    BUSINESS_PLAN_PARAGRAPH,
    degrade,
    dense_paragraphs,
    image_pdf,
    normalise,
    scanned_page,
    serif_page,
    similarity,
)

# Tokens a reviewer will search for: they must come back exactly, not just "similar".
KEY_TOKENS = ("激光选区熔化", "增材制造", "2024年1月1日", "3500万元", "SLM", "LPBF", "47.5%")
SECOND_PAGE = ("第二页：项目实施计划。2025年6月完成设备调试，2025年12月通过用户验收，"
               "累计投入研发经费860万元。")


@pytest.fixture(scope="module")
def page() -> tuple[Image.Image, str]:
    """The business-plan paragraph as a 150 dpi greyscale scan, with its true text."""
    return scanned_page([BUSINESS_PLAN_PARAGRAPH], dpi=150)


@pytest.fixture(scope="module")
def second_page() -> tuple[Image.Image, str]:
    return scanned_page([SECOND_PAGE], dpi=150)


@pytest.fixture
def engine_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Lets a test choose the engine by environment; the default engine is restored afterwards."""
    get_engine.cache_clear()  # type: ignore[attr-defined]
    yield monkeypatch
    monkeypatch.undo()
    get_engine.cache_clear()  # type: ignore[attr-defined]


def _encode(images: list[Image.Image], fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, format=fmt, save_all=len(images) > 1, append_images=images[1:], **options)
    return buffer.getvalue()


def _read(data: bytes, media_type: str, *, ocr: bool = True, limits: Limits | None = None) -> Document:
    ctx = ReadContext(sha256=hashlib.sha256(data).hexdigest(), media_type=media_type, ocr=ocr,
                      limits=limits or Limits())
    return read_image(data, ctx)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


# ---------------------------------------------------------------- the engine


@pytest.mark.slow
def test_paragraph_is_recognised_almost_exactly(page: tuple[Image.Image, str]) -> None:
    image, truth = page
    text = "\n".join(line.text for line in get_engine().recognize(image))
    assert similarity(truth, text) >= 0.95
    for token in KEY_TOKENS:
        assert token in normalise(text), token


@pytest.mark.slow
def test_lines_come_in_reading_order_with_boxes_inside_the_image(page: tuple[Image.Image, str]) -> None:
    image, _ = page
    lines = get_engine().recognize(image)
    assert len(lines) >= 8  # the paragraph wraps to about ten lines at 10.5 pt
    tops = [line.box[1] for line in lines]
    assert tops == sorted(tops)
    for line in lines:
        x0, top, x1, bottom = line.box
        assert 0 <= x0 < x1 <= image.width and 0 <= top < bottom <= image.height
        assert 0.5 <= line.confidence <= 1.0
    # Every line starts at the left margin (72 pt = 150 px at 150 dpi), not at a compressed x.
    assert all(abs(line.box[0] - 150) < 12 for line in lines)


@pytest.mark.slow
def test_recognize_lines_gives_layout_lines_and_mean_confidence(page: tuple[Image.Image, str]) -> None:
    image, truth = page
    lines, confidence = recognize_lines(image)
    assert similarity(truth, "".join(line.text for line in lines)) >= 0.95
    assert all(line.size == pytest.approx(line.bottom - line.top) and not line.bold for line in lines)
    assert confidence is not None and 0.9 <= confidence <= 1.0


@pytest.mark.slow
def test_blank_page_has_no_lines_and_no_confidence() -> None:
    lines, confidence = recognize_lines(Image.new("L", (1240, 1754), 255))
    assert lines == [] and confidence is None


@pytest.mark.slow
def test_serif_font_on_a_skewed_noisy_jpeg_scan() -> None:
    image, truth = serif_page(dense_paragraphs(7)[:8])
    text = "\n".join(line.text for line in get_engine().recognize(degrade(image, seed=7, angle=-0.8)))
    assert similarity(truth, text) >= 0.97


@pytest.mark.slow
def test_concurrent_threads_share_the_engine_safely(page: tuple[Image.Image, str],
                                                    second_page: tuple[Image.Image, str]) -> None:
    engine = get_engine()
    expected = {id(img): [ln.text for ln in engine.recognize(img)] for img, _ in (page, second_page)}
    results: dict[int, list[list[str]]] = {key: [] for key in expected}
    errors: list[BaseException] = []

    def work(image: Image.Image) -> None:
        try:
            results[id(image)].append([ln.text for ln in engine.recognize(image)])
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(img,)) for img, _ in (page, second_page, page, second_page)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for key, runs in results.items():
        assert runs == [expected[key], expected[key]]


@pytest.mark.slow
def test_engine_loads_offline_and_silently(page: tuple[Image.Image, str], monkeypatch: pytest.MonkeyPatch,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    """No network (rapidocr would download missing models) and nothing on stdout, the CLI's JSON channel."""

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    engine = RapidOcrEngine()
    lines = engine.recognize(page[0])
    assert lines and engine.name == "rapidocr-ppocrv6"
    captured = capfd.readouterr()
    assert captured.out == ""
    assert "RapidOCR" not in captured.err


@pytest.mark.slow
def test_tesseract_engine_by_environment(engine_env: pytest.MonkeyPatch, page: tuple[Image.Image, str]) -> None:
    engine_env.setenv("AMREVIEW_OCR_ENGINE", "tesseract")
    engine = get_engine()
    assert isinstance(engine, TesseractEngine) and engine.name == "tesseract-chi_sim"
    image, truth = page
    lines = engine.recognize(image)
    assert similarity(truth, "\n".join(line.text for line in lines)) >= 0.9
    assert all(0.0 <= line.confidence <= 1.0 for line in lines)


def _rapidocr_missing(*args: object, **kwargs: object) -> None:
    raise ImportError("No module named 'rapidocr'")


def test_tesseract_is_the_fallback_when_rapidocr_is_missing(engine_env: pytest.MonkeyPatch) -> None:
    engine_env.setattr("ingest.ocr.RapidOcrEngine", _rapidocr_missing)
    assert isinstance(get_engine(), TesseractEngine)


def test_requested_rapidocr_does_not_fall_back(engine_env: pytest.MonkeyPatch) -> None:
    engine_env.setattr("ingest.ocr.RapidOcrEngine", _rapidocr_missing)
    engine_env.setenv("AMREVIEW_OCR_ENGINE", "rapidocr")
    with pytest.raises(RuntimeError, match="rapidocr requested"):
        get_engine()


def test_no_engine_at_all_is_a_clear_error(engine_env: pytest.MonkeyPatch) -> None:
    engine_env.setattr("ingest.ocr.RapidOcrEngine", _rapidocr_missing)
    engine_env.setattr("shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="no OCR engine available"):
        get_engine()


def test_unknown_engine_name_is_a_clear_error(engine_env: pytest.MonkeyPatch) -> None:
    engine_env.setenv("AMREVIEW_OCR_ENGINE", "paddle")
    with pytest.raises(RuntimeError, match="rapidocr or tesseract"):
        get_engine()


def test_engine_is_built_once_per_process() -> None:
    assert get_engine() is get_engine()


def test_tesseract_tsv_words_become_lines() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "4\t1\t1\t1\t1\t0\t100\t50\t400\t30\t-1\t",
        "5\t1\t1\t1\t1\t1\t100\t50\t30\t30\t96.0\t激光",
        "5\t1\t1\t1\t1\t2\t130\t52\t30\t28\t90.0\t选区",
        "5\t1\t1\t1\t1\t3\t170\t50\t40\t30\t80.0\tSLM",
        "5\t1\t1\t1\t1\t4\t215\t50\t60\t30\t70.0\tSolutions",
        "5\t1\t1\t1\t2\t1\t100\t90\t30\t30\t-1\t ",
        "5\t1\t1\t1\t3\t1\t100\t130\t60\t30\t50.0\t2024年",
    ]
    lines = parse_tesseract_tsv("\n".join([header, *rows]))
    assert [line.text for line in lines] == ["激光选区SLM Solutions", "2024年"]
    assert lines[0].box == (100, 50, 275, 80)
    assert lines[0].confidence == pytest.approx(0.84)
    assert lines[1].confidence == pytest.approx(0.5)


def test_words_join_without_spaces_between_chinese_characters() -> None:
    assert join_words(["增材", "制造", "（", "AM", "）", "ISO", "9001"]) == "增材制造（AM）ISO 9001"


def test_reading_order_groups_rows_then_left_to_right() -> None:
    def line(text: str, x0: float, top: float) -> OcrLine:
        return OcrLine(text, (x0, top, x0 + 100, top + 20), 0.9)

    # A skewed row: the right-hand box sits 6 px higher than the left-hand one.
    shuffled = [line("C", 10, 60), line("B", 300, 4), line("A", 10, 10), line("D", 300, 58)]
    assert [item.text for item in reading_order(shuffled)] == ["A", "B", "C", "D"]


def test_mean_confidence_weights_by_characters() -> None:
    lines = [OcrLine("一二三四五六七八九十", (0, 0, 1, 1), 1.0), OcrLine("x", (0, 0, 1, 1), 0.0)]
    assert mean_confidence(lines) == pytest.approx(10 / 11)
    assert mean_confidence([]) is None


def test_transparent_and_16_bit_images_are_flattened_for_ocr() -> None:
    transparent = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    transparent.putpixel((1, 1), (0, 0, 0, 255))
    flat = ocr_ready(transparent)
    assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (255, 255, 255) and flat.getpixel((1, 1)) == (0, 0, 0)
    deep = Image.new("I;16", (2, 1))
    deep.putpixel((0, 0), 1000)
    deep.putpixel((1, 0), 40000)
    assert ocr_ready(deep).tobytes() == bytes([0, 255])


# ---------------------------------------------------------------- the image reader


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "media_type", "options"), [
    ("PNG", sniff.PNG, {}),
    ("JPEG", sniff.JPEG, {"quality": 85}),
])
def test_single_image_is_read_by_ocr(page: tuple[Image.Image, str], fmt: str, media_type: str,
                                     options: dict[str, object]) -> None:
    image, truth = page
    doc = _read(_encode([image], fmt, **options), media_type)
    assert doc.parser == "image+rapidocr-ppocrv6"
    assert len(doc.pages) == 1
    only = doc.pages[0]
    assert only.ocr and only.ocr_confidence is not None and only.ocr_confidence > 0.9
    assert (only.width, only.height) == image.size
    assert similarity(truth, doc.text) >= 0.95
    assert doc.blocks and all(block.ocr for block in doc.blocks)
    for token in KEY_TOKENS:
        assert token in normalise(doc.text), token


@pytest.mark.slow
def test_two_frame_tiff_is_two_pages(page: tuple[Image.Image, str], second_page: tuple[Image.Image, str]) -> None:
    data = _encode([page[0], second_page[0]], "TIFF", compression="tiff_lzw")
    doc = _read(data, sniff.TIFF)
    assert [p.number for p in doc.pages] == [1, 2]
    assert all(p.ocr and p.ocr_confidence is not None for p in doc.pages)
    assert similarity(page[1], doc.pages[0].text) >= 0.95
    assert similarity(second_page[1], doc.pages[1].text) >= 0.95
    assert "2025年12月" in normalise(doc.pages[1].text) and "激光选区熔化" not in doc.pages[1].text


@pytest.mark.slow
def test_exif_orientation_is_applied(page: tuple[Image.Image, str]) -> None:
    image, truth = page
    # Stored on its side, as a phone does, with the EXIF tag saying "rotate 90° clockwise to view".
    stored = image.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    doc = _read(_encode([stored.convert("RGB")], "JPEG", quality=90, exif=exif.tobytes()), sniff.JPEG)
    assert (doc.pages[0].width, doc.pages[0].height) == image.size
    assert similarity(truth, doc.text) >= 0.95


@pytest.mark.slow
def test_large_scan_is_shrunk_for_ocr_and_mapped_back() -> None:
    image, truth = scanned_page([BUSINESS_PLAN_PARAGRAPH], dpi=300)  # 2481 × 3508 px
    doc = _read(_encode([image], "PNG"), sniff.PNG)
    assert (doc.pages[0].width, doc.pages[0].height) == image.size
    assert similarity(truth, doc.text) >= 0.95


@pytest.mark.slow
def test_image_only_pdf_is_read_through_the_same_ocr(page: tuple[Image.Image, str],
                                                     second_page: tuple[Image.Image, str]) -> None:
    doc = parse_bytes(image_pdf([page[0], second_page[0]], dpi=150), "scan.pdf")
    assert doc.ocr_pages == [1, 2]
    assert similarity(page[1], doc.pages[0].text) >= 0.95
    assert similarity(second_page[1], doc.pages[1].text) >= 0.95


def test_ocr_off_gives_empty_pages_and_a_warning(page: tuple[Image.Image, str]) -> None:
    doc = _read(_encode([page[0]], "PNG"), sniff.PNG, ocr=False)
    assert doc.parser == "image"
    assert len(doc.pages) == 1 and doc.pages[0].text == "" and not doc.pages[0].ocr
    assert [w.code for w in doc.warnings] == ["ocr_skipped"]


def test_huge_dimensions_are_refused_from_the_header() -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _png_chunk(b"IEND", b""))
    with pytest.raises(Refused) as refused:
        _read(data, sniff.PNG)
    assert refused.value.code == "image_too_large"
    assert "100000×100000 px" in refused.value.reason


def test_configured_pixel_limit_applies(page: tuple[Image.Image, str]) -> None:
    with pytest.raises(Refused) as refused:
        _read(_encode([page[0]], "PNG"), sniff.PNG, limits=Limits(max_image_pixels=1_000_000))
    assert refused.value.code == "image_too_large"


def test_truncated_png_is_corrupt(page: tuple[Image.Image, str]) -> None:
    data = _encode([page[0]], "PNG")
    with pytest.raises(Refused) as refused:
        _read(data[: len(data) * 2 // 3], sniff.PNG)
    assert refused.value.code == "corrupt"


@pytest.mark.parametrize(("data", "media_type"), [
    (b"\x89PNG\r\n\x1a\n" + b"not a chunk at all", sniff.PNG),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, sniff.JPEG),
    (b"II*\x00" + b"\xff" * 12, sniff.TIFF),
])
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_garbage_after_the_magic_bytes_is_corrupt(data: bytes, media_type: str) -> None:
    with pytest.raises(Refused) as refused:
        _read(data, media_type)
    assert refused.value.code == "corrupt"


def test_too_many_tiff_frames_are_refused() -> None:
    frames = [Image.new("L", (8, 8), 255) for _ in range(3)]
    with pytest.raises(Refused) as refused:
        _read(_encode(frames, "TIFF"), sniff.TIFF, ocr=False, limits=Limits(max_pages=2))
    assert refused.value.code == "too_many_pages"
