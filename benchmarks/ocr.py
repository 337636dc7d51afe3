"""OCR speed and accuracy on generated A4 pages of dense Chinese business-plan text.

Prints a table, asserts nothing. Each engine OCRs one page to warm up (model loading,
onnxruntime memory arenas), then every page is timed. Accuracy is difflib similarity of
NFKC-normalised, whitespace-free text against the text drawn on the page.

    python benchmarks/ocr.py                 # amreview's engine vs bare tesseract, 3 pages
    python benchmarks/ocr.py --candidates    # also the RapidOCR configurations tried in tuning
    python benchmarks/ocr.py --kind degraded # skewed, blurred, noisy JPEG scans (also serif, figures)

Measured on the 2-core CI-class machine (rapidocr 3.10, onnxruntime 1.32), 3 dense pages, warm,
``--candidates``, nothing else running (the load average includes the benchmark itself):

    engine                                              s/page mean  median   min  accuracy mean   min
    amreview (rapidocr-ppocrv6)                                2.84    2.78  2.78         99.98% 99.95%
    rapidocr defaults (angle cls on, det at full size)         6.99    6.89  6.67         98.67% 97.28%
      angle classifier off                                     6.68    6.75  6.54         99.98% 99.95%
      + 2 threads, onnxruntime memory arena on                 5.57    5.75  5.13         99.98% 99.95%
      + detection at max side 960                              4.24    4.14  4.13         99.98% 99.95%
    two-stage, lines not compressed                            3.80    4.04  3.33         99.98% 99.95%
    two-stage, detection at scale 0.75                         3.37    3.43  3.21         99.98% 99.95%
    two-stage, lines x0.75                                     3.70    3.73  3.47         99.98% 99.95%
    two-stage, lines x0.6 (shipped)                            2.96    2.93  2.88         99.98% 99.95%
    two-stage, lines x0.5                                      2.24    2.20  2.01         99.87% 99.82%
    amreview fallback (tesseract-chi_sim, TSV lines)           7.15    7.42  6.56         98.13% 96.40%
    tesseract page.png - -l chi_sim (bare)                    12.11   12.31 11.70         82.58% 63.23%
      same, OMP_THREAD_LIMIT=1                                 6.90    7.34  5.91         82.58% 63.23%

Batching lines into one recogniser call (rapidocr's rec_batch_num 6, 12, 24) was no faster:
the recogniser's cost follows the total line width, which compression cuts and batching does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # plain `python benchmarks/ocr.py`

from PIL import Image

from ingest.ocr import RapidOcrEngine, RapidOcrSettings, TesseractEngine, bundled_model_paths, get_engine
from tests.ingest.scans import (
    degrade,
    dense_page,
    dense_paragraphs,
    figures_paragraphs,
    scanned_page,
    serif_page,
    similarity,
)

Recognizer = Callable[[Image.Image], str]
Page = tuple[Image.Image, str]

_TUNED = {
    "Global.use_cls": False,
    "EngineConfig.onnxruntime.intra_op_num_threads": 2,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
}

# rapidocr's one-call pipeline, one change per row from its defaults.
PLAIN_CANDIDATES: list[tuple[str, dict[str, object]]] = [
    ("rapidocr defaults (angle cls on, det at full size)", {}),
    ("  angle classifier off", {"Global.use_cls": False}),
    ("  + 2 threads, onnxruntime memory arena on", _TUNED),
    ("  + detection at max side 960", {**_TUNED, "Det.limit_type": "max", "Det.limit_side_len": 960}),
]

# amreview's two-stage pipeline (detect on a reduced page, recognise compressed lines).
TWO_STAGE_CANDIDATES: list[tuple[str, RapidOcrSettings]] = [
    ("two-stage, lines not compressed", RapidOcrSettings(rec_compress=1.0)),
    ("two-stage, detection at scale 0.75", RapidOcrSettings(det_scale=0.75)),
    ("two-stage, lines x0.75", RapidOcrSettings(rec_compress=0.75)),
    ("two-stage, lines x0.6 (shipped)", RapidOcrSettings()),
    ("two-stage, lines x0.5", RapidOcrSettings(rec_compress=0.5)),
]

PAGE_KINDS: dict[str, Callable[[int, int], Page]] = {
    "dense": lambda seed, dpi: dense_page(seed, dpi),
    "serif": lambda seed, dpi: serif_page(dense_paragraphs(seed), dpi),
    "degraded": lambda seed, dpi: _degraded(dense_page(seed, dpi), seed),
    "figures": lambda seed, dpi: scanned_page(figures_paragraphs(seed), dpi),
}


def _degraded(page: Page, seed: int) -> Page:
    return degrade(page[0], seed, angle=0.6 if seed % 2 else -0.8), page[1]


class PlainRapidOcr:
    """rapidocr's own pipeline with the bundled models and the given overrides, for comparison."""

    def __init__(self, overrides: dict[str, object]) -> None:
        from rapidocr import RapidOCR

        params: dict[str, object] = {"Global.log_level": "critical"}
        params.update({f"{key}.model_path": str(path) for key, path in bundled_model_paths().items()})
        params.update(overrides)
        self._ocr = RapidOCR(params=params)

    def __call__(self, image: Image.Image) -> str:
        return "\n".join(getattr(self._ocr(image), "txts", None) or ())


@dataclass
class Row:
    name: str
    seconds: list[float]
    accuracy: list[float]


def measure(name: str, recognise: Recognizer, pages: list[Page], reps: int) -> Row:
    """Warm up on the first page, then time every page ``reps`` times; accuracy from the first run."""
    recognise(pages[0][0])
    row = Row(name, [], [])
    for image, truth in pages:
        for rep in range(reps):
            start = time.perf_counter()
            text = recognise(image)
            row.seconds.append(time.perf_counter() - start)
            if rep == 0:
                row.accuracy.append(similarity(truth, text))
    return row


def engine_recognizer(engine: RapidOcrEngine | TesseractEngine) -> Recognizer:
    def recognise(image: Image.Image) -> str:
        return "\n".join(line.text for line in engine.recognize(image))

    return recognise


def bare_tesseract(workdir: Path, env: dict[str, str] | None = None) -> Recognizer:
    """``tesseract page.png - -l chi_sim`` with Debian's defaults, as a baseline."""

    def recognise(image: Image.Image) -> str:
        path = workdir / "page.png"
        image.save(path)
        done = subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim"], capture_output=True, check=True,
                              env={**os.environ, **(env or {})})
        return done.stdout.decode("utf-8", "replace")

    return recognise


def measure_tesseract(pages: list[Page], reps: int) -> list[Row]:
    """amreview's tesseract fallback, and the bare command with and without OpenMP threads."""
    fallback = TesseractEngine()
    rows = [measure(f"amreview fallback ({fallback.name}, TSV lines)", engine_recognizer(fallback), pages, reps)]
    with tempfile.TemporaryDirectory() as workdir:
        rows.append(measure("tesseract page.png - -l chi_sim (bare)", bare_tesseract(Path(workdir)), pages, reps))
        # OpenMP threads spin on a busy machine: one thread is the fairer figure under load.
        rows.append(measure("  same, OMP_THREAD_LIMIT=1", bare_tesseract(Path(workdir), {"OMP_THREAD_LIMIT": "1"}),
                            pages, reps))
    return rows


def print_table(rows: list[Row], pages: int, dpi: int, kind: str) -> None:
    print(f"\n{pages} A4 pages of {kind} 10.5 pt text at 1.5 line spacing, {dpi} dpi; "
          f"load average {os.getloadavg()[0]:.1f}")
    width = max(len(row.name) for row in rows)
    print(f"{'engine':<{width}}  s/page mean  median   min  accuracy mean   min")
    for row in rows:
        print(
            f"{row.name:<{width}}  {statistics.mean(row.seconds):11.2f} {statistics.median(row.seconds):7.2f}"
            f" {min(row.seconds):5.2f}  {100 * statistics.mean(row.accuracy):12.2f}%"
            f" {100 * min(row.accuracy):5.2f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3, help="generated pages (default 3)")
    parser.add_argument("--dpi", type=int, default=150, help="scan resolution (default 150)")
    parser.add_argument("--reps", type=int, default=1, help="timed runs per page (default 1)")
    parser.add_argument("--kind", choices=sorted(PAGE_KINDS), default="dense",
                        help="dense text (default), serif font, degraded scan, or random figures")
    parser.add_argument("--candidates", action="store_true", help="also time the tuning candidates")
    parser.add_argument("--no-tesseract", action="store_true", help="skip the tesseract rows")
    args = parser.parse_args()

    pages = [PAGE_KINDS[args.kind](seed, args.dpi) for seed in range(args.pages)]
    rows: list[Row] = []
    engine = get_engine()
    rows.append(measure(f"amreview ({engine.name})", engine_recognizer(engine), pages, args.reps))
    if args.candidates:
        rows.extend(measure_candidates(pages, args.reps))
    if not args.no_tesseract:
        rows.extend(measure_tesseract(pages, args.reps))
    print_table(rows, args.pages, args.dpi, args.kind)


def measure_candidates(pages: list[Page], reps: int) -> list[Row]:
    """Every tuning candidate on the same pages, one engine loaded at a time."""
    rows = [measure(name, PlainRapidOcr(overrides), pages, reps) for name, overrides in PLAIN_CANDIDATES]
    for name, settings in TWO_STAGE_CANDIDATES:
        rows.append(measure(name, engine_recognizer(RapidOcrEngine(settings)), pages, reps))
    return rows


if __name__ == "__main__":
    main()
