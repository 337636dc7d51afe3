"""Offline OCR behind one small interface.

Two engines implement ``OcrEngine``:

* ``RapidOcrEngine`` (default): PP-OCRv6 detection + recognition ONNX models that ship
  inside the ``rapidocr`` wheel, run by onnxruntime. Model paths are passed explicitly,
  so rapidocr never reaches for its download code.
* ``TesseractEngine`` (fallback): the Debian ``tesseract`` binary with ``chi_sim``,
  used when rapidocr cannot be imported or loaded, or when ``AMREVIEW_OCR_ENGINE=tesseract``.

Nothing here writes to stdout: the CLI reserves stdout for JSON.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from ingest.layout import Line

_log = logging.getLogger(__name__)

ENGINE_ENV = "AMREVIEW_OCR_ENGINE"
THREADS_ENV = "AMREVIEW_OCR_THREADS"


@dataclass(frozen=True)
class OcrLine:
    """One recognised line; box is (x0, top, x1, bottom) in image pixels, origin top-left."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image) -> list[OcrLine]: ...


# ---------------------------------------------------------------------------------------------
# RapidOCR


@dataclass(frozen=True)
class RapidOcrSettings:
    """Tuning of the RapidOCR pipeline; defaults chosen by ``benchmarks/ocr.py --candidates``.

    On an A4 page at 150 dpi recognition takes about 90 % of the time, and its cost grows
    with the width of each line once the line is scaled to the recogniser's 48 px height.
    """

    # Detection runs on the page scaled by det_scale (A4 at 150 dpi: 682 × 965 px). Lines
    # down to 7 pt are still found there, at a quarter of the full-resolution cost.
    det_scale: float = 0.55
    det_max_side: int = 2048  # posters and long pages: bound the detector's memory and time
    # Horizontal compression of each line image at the recogniser's 48 px height. A Chinese
    # glyph is then ~29 px wide, still over 3 of the model's 8 px time steps: page time drops
    # by about 30 % against no compression (3.8 → 2.7 s on the 2-core CI machine) with
    # accuracy unchanged on dense, serif and degraded pages and -0.03 points on random
    # figures; 0.5 starts to lose characters (99.1 % on figures). Applied after detection, so
    # the detector sees an undistorted page (compressing the whole page instead lost a line
    # with a handwritten signature).
    rec_compress: float = 0.6
    # Lines recognised with less confidence are dropped (rapidocr's own default threshold).
    min_confidence: float = 0.5
    # A compressed line read with less confidence than this is read again uncompressed.
    recheck_below: float = 0.9
    # The 180° classifier costs time, and upside-down lines do not occur in these scans; a
    # misfire once dropped a whole line (see shared/TOOLCHAIN.md).
    use_cls: bool = False
    # rapidocr disables onnxruntime's memory arena by default; it is needed for speed here.
    mem_arena: bool = True
    threads: int = 0  # 0: the CPUs this process may run on, at most 4; -1: onnxruntime's default


REC_HEIGHT = 48  # the PP-OCR recogniser's input height


def _available_cpus() -> int:
    """CPUs this process may use (the affinity mask, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _thread_count(settings: RapidOcrSettings) -> int:
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured:
        if not configured.isdigit():
            raise RuntimeError(f"{THREADS_ENV}={configured!r}: expected a number of threads")
        return max(1, int(configured))
    if settings.threads != 0:
        return settings.threads
    return max(1, min(4, _available_cpus()))


def bundled_model_paths() -> dict[str, Path]:
    """The ONNX models inside the installed rapidocr wheel; refuse to run without them.

    rapidocr downloads any model missing from its package directory. Checking first turns
    a network attempt on this offline service into a clear error.
    """
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    paths = {
        "Det": models / "PP-OCRv6_det_small.onnx",
        "Rec": models / "PP-OCRv6_rec_small.onnx",
        "Cls": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise RuntimeError(f"rapidocr models missing from the wheel (no download allowed): {missing}")
    return paths


def rapidocr_params(settings: RapidOcrSettings) -> dict[str, Any]:
    """rapidocr configuration: bundled models, quiet, and our onnxruntime settings."""
    threads = _thread_count(settings)
    params: dict[str, Any] = {
        "Global.log_level": "critical",
        "Global.use_cls": settings.use_cls,
        # Sizes are decided here (det_scale, det_max_side): rapidocr must not resize again.
        "Global.max_side_len": settings.det_max_side,
        "Det.limit_type": "max",
        "Det.limit_side_len": settings.det_max_side,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        # The graphs are sequential: parallelism belongs inside operators, not between them.
        "EngineConfig.onnxruntime.inter_op_num_threads": 1 if threads > 0 else -1,
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": settings.mem_arena,
    }
    for key, path in bundled_model_paths().items():
        params[f"{key}.model_path"] = str(path)
    return params


class RapidOcrEngine:
    """PP-OCRv6 through rapidocr/onnxruntime in two stages; one instance serves all threads.

    Detection and recognition are separate rapidocr calls so that each line image can be
    compressed for the recogniser without distorting what the detector sees.
    """

    def __init__(self, settings: RapidOcrSettings | None = None) -> None:
        import cv2
        from rapidocr import RapidOCR
        from rapidocr.utils.process_img import get_rotate_crop_image

        # rapidocr logs to its own stderr handler at INFO; the service has no use for it.
        logging.getLogger("RapidOCR").setLevel(logging.CRITICAL)
        self.settings = settings or RapidOcrSettings()
        self.name = "rapidocr-ppocrv6"
        self._cv2 = cv2
        self._crop = get_rotate_crop_image
        self._ocr = RapidOCR(params=rapidocr_params(self.settings))
        # onnxruntime sessions are shared, and rapidocr keeps per-call switches on the object.
        self._lock = threading.Lock()
        self._warm_up()

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        """Lines of one page image, in reading order, boxes in the input image's pixels."""
        page = ocr_ready(image)
        # rapidocr works in BGR; contiguous, or OpenCV copies the whole page for every line.
        pixels = np.ascontiguousarray(np.asarray(page.convert("RGB"))[:, :, ::-1])
        with self._lock:
            quads = self._detect(page)
            lines = [self._read_line(pixels, quad) for quad in quads]
        return reading_order([line for line in lines if line is not None])

    def _detect(self, page: Image.Image) -> list[np.ndarray]:
        """Text-line quadrilaterals in page pixels, found on a reduced copy of the page."""
        scale = min(self.settings.det_scale, self.settings.det_max_side / max(page.size))
        small = page.resize((max(1, round(page.width * scale)), max(1, round(page.height * scale))),
                            Image.Resampling.LANCZOS)
        # Every switch is passed on each call: rapidocr keeps per-call overrides as its defaults.
        result = self._ocr(small, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)  # None when the page holds no text
        if boxes is None:
            return []
        return [np.asarray(quad, dtype=np.float32) / scale for quad in boxes]

    def _read_line(self, pixels: np.ndarray, quad: np.ndarray) -> OcrLine | None:
        """Recognise one line cut from the full-resolution page, compressed for speed.

        Latin letters are narrower than Chinese glyphs, so compression that costs Chinese
        nothing can merge them: a line read as mostly Latin, or read with low confidence, is
        read again uncompressed and the more confident reading kept.
        """
        line = self._crop(pixels, quad.copy())  # deskews rotated boxes, turns vertical lines
        height, width = line.shape[:2]
        if height < 2 or width < 2:
            return None
        text, score = self._recognise(line, self.settings.rec_compress)
        if self.settings.rec_compress < 1.0 and (score < self.settings.recheck_below or _mostly_latin(text)):
            retry = self._recognise(line, 1.0)
            if retry[1] > score:
                text, score = retry
        if not text or score < self.settings.min_confidence:
            return None
        box = (float(quad[:, 0].min()), float(quad[:, 1].min()), float(quad[:, 0].max()), float(quad[:, 1].max()))
        return OcrLine(text=text, box=box, confidence=score)

    def _recognise(self, line: np.ndarray, compress: float) -> tuple[str, float]:
        """Text and confidence of one line image scaled to the recogniser's height."""
        height, width = line.shape[:2]
        target = (max(REC_HEIGHT // 2, round(width * REC_HEIGHT / height * compress)), REC_HEIGHT)
        interpolation = self._cv2.INTER_AREA if height > REC_HEIGHT else self._cv2.INTER_CUBIC
        result = self._ocr(self._cv2.resize(line, target, interpolation=interpolation),
                           use_det=False, use_cls=self.settings.use_cls, use_rec=True)
        texts, scores = getattr(result, "txts", None), getattr(result, "scores", None)
        if not texts or not scores:
            return "", 0.0
        return texts[0].strip(), float(scores[0])

    def _warm_up(self) -> None:
        """Load both models now, so a missing model fails here and the first page is not slower."""
        blank = np.full((REC_HEIGHT, 320, 3), 255, dtype=np.uint8)
        with self._lock:
            self._ocr(blank, use_det=True, use_cls=False, use_rec=False)  # loads det (finds nothing)
            self._ocr(blank, use_det=False, use_cls=self.settings.use_cls, use_rec=True)  # loads rec


def _mostly_latin(text: str) -> bool:
    """More Latin letters than CJK characters: the line needs its full width to be read."""
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    return latin > 0 and latin >= sum(1 for char in text if _is_wide(char))


# ---------------------------------------------------------------------------------------------
# Tesseract


class TesseractEngine:
    """The Debian tesseract binary, one subprocess per page; slower and less accurate (fallback)."""

    # chi_sim alone, not chi_sim+eng: its model covers Latin letters and digits, and adding eng
    # read Chinese lines as Latin garbage on 1 of 3 dense pages (94 % vs 96 % accuracy) at 1.5x
    # the time (benchmarks/ocr.py).
    def __init__(self, languages: str = "chi_sim", timeout: float = 300.0) -> None:
        self.languages = languages
        self.timeout = timeout
        self.name = f"tesseract-{languages}"
        self._binary = _tesseract_binary(languages)

    def recognize(self, image: Image.Image) -> list[OcrLine]:
        """Lines of one page image in reading order; TSV word boxes are merged per line."""
        png = io.BytesIO()
        ocr_ready(image).save(png, format="PNG")
        completed = subprocess.run(
            [self._binary, "-", "-", "-l", self.languages, "--psm", "3", "tsv"],
            input=png.getvalue(), capture_output=True, timeout=self.timeout, check=False,
            env=_tesseract_env(),
        )
        if completed.returncode != 0:
            error = completed.stderr.decode("utf-8", "replace").strip()[-500:]
            raise RuntimeError(f"tesseract failed ({completed.returncode}): {error}")
        return reading_order(parse_tesseract_tsv(completed.stdout.decode("utf-8", "replace")))


def _tesseract_env() -> dict[str, str]:
    # Tesseract's OpenMP threads spin while waiting: on a busy 2-core machine one thread is
    # 4x faster than the default (4 s instead of 17 s per page, measured).
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _tesseract_binary(languages: str) -> str:
    binary = shutil.which("tesseract")
    if binary is None:
        raise RuntimeError("tesseract is not installed")
    listed = subprocess.run([binary, "--list-langs"], capture_output=True, timeout=30, check=False)
    available = set(listed.stdout.decode("utf-8", "replace").split())
    missing = [lang for lang in languages.split("+") if lang not in available]
    if missing:
        raise RuntimeError(f"tesseract language data missing: {missing}")
    return binary


def parse_tesseract_tsv(tsv: str) -> list[OcrLine]:
    """Merge tesseract's word rows (level 5) into lines, with the mean word confidence (0..1)."""
    words: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
        words.setdefault(key, []).append(row)
    return [_tesseract_line(rows) for rows in words.values()]


def _tesseract_line(rows: list[dict[str, str]]) -> OcrLine:
    x0 = min(int(r["left"]) for r in rows)
    top = min(int(r["top"]) for r in rows)
    x1 = max(int(r["left"]) + int(r["width"]) for r in rows)
    bottom = max(int(r["top"]) + int(r["height"]) for r in rows)
    confidences = [float(r["conf"]) for r in rows if float(r["conf"]) >= 0]
    confidence = sum(confidences) / len(confidences) / 100 if confidences else 0.0
    return OcrLine(join_words([r["text"].strip() for r in rows]), (x0, top, x1, bottom), confidence)


def join_words(words: list[str]) -> str:
    """Join tesseract words: no space between CJK neighbours (it splits every Han character)."""
    text = ""
    for word in words:
        if text and not (_is_wide(text[-1]) or _is_wide(word[0])):
            text += " "
        text += word
    return text


def _is_wide(char: str) -> bool:
    # CJK ideographs, punctuation and full-width forms: no spaces around them in Chinese.
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


# ---------------------------------------------------------------------------------------------
# Shared helpers


def ocr_ready(image: Image.Image) -> Image.Image:
    """An 8-bit L or RGB image; transparency is flattened onto white, not onto black."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float scans: stretch to 8 bits instead of clipping everything to white.
        pixels = np.asarray(image, dtype=np.float64)
        low, high = float(pixels.min()), float(pixels.max())
        span = high - low or 1.0
        return Image.fromarray(((pixels - low) * (255.0 / span)).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("L" if image.mode == "1" else "RGB")


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top-to-bottom rows, left-to-right within a row.

    A line joins the current row when each one's vertical centre lies within the other's
    extent: this holds for the pieces of a skewed line, while a fixed pixel threshold fails
    on mixed font sizes and an overlap ratio fails on tesseract's occasional over-tall boxes.
    """
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        if rows and _same_row(rows[-1], line):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.box[0])]


def _same_row(row: list[OcrLine], line: OcrLine) -> bool:
    top = min(item.box[1] for item in row)
    bottom = max(item.box[3] for item in row)
    line_centre = (line.box[1] + line.box[3]) / 2
    return top <= line_centre <= bottom and line.box[1] <= (top + bottom) / 2 <= line.box[3]


def _build_engine(choice: str) -> OcrEngine:
    if choice not in ("", "auto", "rapidocr", "tesseract"):
        raise RuntimeError(f"{ENGINE_ENV}={choice!r}: expected rapidocr or tesseract")
    errors: list[str] = []
    if choice in ("", "auto", "rapidocr"):
        try:
            return RapidOcrEngine()
        except (ImportError, RuntimeError) as exc:  # not installed, models missing, onnxruntime failing
            if choice == "rapidocr":
                raise RuntimeError(f"rapidocr requested but unusable: {exc}") from exc
            errors.append(f"rapidocr: {exc}")
    try:
        engine = TesseractEngine()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        errors.append(f"tesseract: {exc}")
        raise RuntimeError("no OCR engine available (" + "; ".join(errors) + ")") from exc
    if errors:
        # Logged (to stderr), because the fallback is slower and less accurate: someone should know.
        _log.warning("OCR falls back to %s: %s", engine.name, "; ".join(errors))
    return engine


_ENGINE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _cached_engine() -> OcrEngine:
    return _build_engine(os.environ.get(ENGINE_ENV, "").strip().lower())


def get_engine() -> OcrEngine:
    """The process-wide OCR engine, loaded once (``AMREVIEW_OCR_ENGINE`` chooses: rapidocr|tesseract).

    The lock keeps two threads from loading the models twice on a cold start.
    """
    with _ENGINE_LOCK:
        return _cached_engine()


get_engine.cache_clear = _cached_engine.cache_clear  # type: ignore[attr-defined]


def recognize_lines(image: Image.Image) -> tuple[list[Line], float | None]:
    """OCR one page image into layout ``Line``s (image pixels) and the page's mean confidence.

    The confidence is weighted by characters, so a stray one-glyph line does not count as
    much as a full line of text; it is None when nothing was recognised.
    """
    ocr_lines = get_engine().recognize(image)
    lines = [
        Line(text=item.text, x0=item.box[0], top=item.box[1], x1=item.box[2], bottom=item.box[3],
             size=item.box[3] - item.box[1], bold=False)
        for item in ocr_lines
    ]
    return lines, mean_confidence(ocr_lines)


def mean_confidence(lines: list[OcrLine]) -> float | None:
    """Character-weighted mean confidence of recognised lines, None for an empty page."""
    weights = [len(line.text) for line in lines]
    if not sum(weights):
        return None
    return sum(line.confidence * w for line, w in zip(lines, weights, strict=True)) / sum(weights)
