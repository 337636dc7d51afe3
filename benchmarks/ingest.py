"""Ingest throughput and peak memory on generated business plans, against bare pdfplumber.

Run from the repository root:  python benchmarks/ingest.py [--plans N] [--rss-pages P]

1. Generates N text PDFs (20–60 pages, with tables, fixed seeds, alternating the non-embedded
   STSong-Light CID font and an embedded TrueType subset) into a temporary directory.
2. Times bare pdfplumber (extract_text, closing each page) and amreview's in-process pipeline
   (``ingest.parse.parse_bytes``) on the same files, and prints pages per second and the ratio.
3. Parses one P-page PDF (default 200) in child processes, with amreview and with pdfplumber,
   and reports each child's peak RSS.

Prints figures only; nothing is asserted. Generated files never touch the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pdfplumber  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from api.demo.plans import make_plan  # noqa: E402
from api.demo.render import render_pdf  # noqa: E402

FONTS = ("stsong", "wqy")

# Child programs for the memory measurement; argv[1] is the PDF path.
PDFPLUMBER_CHILD = """
import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    for page in pdf.pages:
        page.extract_text()
        page.close()
"""
AMREVIEW_CHILD = """
import sys
from pathlib import Path
from ingest.parse import parse_bytes
path = Path(sys.argv[1])
parse_bytes(path.read_bytes(), path.name)
"""
PDFPLUMBER_IMPORT = "import pdfplumber"
AMREVIEW_IMPORT = "from ingest.parse import parse_bytes"


@dataclass
class Sample:
    """One generated PDF on disk."""

    path: Path
    pages: int
    font: str


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate(directory: Path, count: int) -> list[Sample]:
    """``count`` plans spread over 20–60 pages, cycling segments, groups and fonts; seeds are fixed."""
    samples = []
    for i in range(count):
        pages = 20 + (40 * i // (count - 1) if count > 1 else 20)
        segment = i % 7 + 1
        group = "enterprise" if i % 2 == 0 else "startup"
        font = FONTS[i % 2]
        data = render_pdf(make_plan(segment, seed=1000 + i, pages=pages, group=group), font=font)
        path = directory / f"plan-{i + 1:02d}-seg{segment}-{pages}p.pdf"
        path.write_bytes(data)
        samples.append(Sample(path, len(pdfium.PdfDocument(data)), font))
    return samples


# --------------------------------------------------------------------------------------------
# Throughput
# --------------------------------------------------------------------------------------------


def pdfplumber_read(path: Path) -> None:
    """The baseline the brief of ingest is judged against: plain extract_text, pages closed."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def amreview_reader() -> tuple[Callable[[Path], int] | None, str]:
    """amreview's in-process pipeline, or None and the reason when it cannot be imported."""
    try:
        from ingest.parse import parse_bytes
    except Exception as exc:  # a module still being written may fail in any way
        return None, f"{type(exc).__name__}: {exc}"

    def read(path: Path) -> int:
        return len(parse_bytes(path.read_bytes(), path.name).pages)

    return read, ""


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _row(name: str, pages: int, font: str, plumber_s: float, amreview_s: float | None) -> str:
    line = f"{name:<28}{pages:>6}  {font:<7}{plumber_s:>13.2f}{pages / plumber_s:>8.1f}"
    if amreview_s is not None:
        line += f"{amreview_s:>12.2f}{pages / amreview_s:>8.1f}"
    return line


def throughput(samples: list[Sample]) -> None:
    """Per-file and total pages/s of pdfplumber and amreview, same files, same process."""
    reader, reason = amreview_reader()
    # warm both up on the first file (imports, lazily loaded readers, font caches), untimed
    pdfplumber_read(samples[0].path)
    warm_error = _try(reader, samples[0].path)
    if warm_error:
        reader, reason = None, warm_error
    print(f"{'file':<28}{'pages':>6}  {'font':<7}{'pdfplumber s':>13}{'p/s':>8}{'amreview s':>12}{'p/s':>8}")
    pages, plumber_total, amreview_pages, amreview_total = 0, 0.0, 0, 0.0
    for sample in samples:
        plumber_s, _ = timed(lambda s=sample: pdfplumber_read(s.path))
        amreview_s, read_pages = timed(lambda s=sample: _read_or_error(reader, s.path)) if reader else (None, None)
        note = ""
        if isinstance(read_pages, str):  # this file failed: report it, keep going
            amreview_s, note = None, f"  amreview failed: {read_pages}"
        elif amreview_s is not None:
            amreview_pages += sample.pages
            amreview_total += amreview_s
            note = f"  (amreview read {read_pages} pages)" if read_pages != sample.pages else ""
        print(_row(sample.path.name, sample.pages, sample.font, plumber_s, amreview_s) + note)
        pages += sample.pages
        plumber_total += plumber_s
    print(_row("total", pages, "", plumber_total, None), end="")
    if not reader:
        print(f"\namreview: not available ({reason})")
    elif amreview_pages:
        rate = amreview_pages / amreview_total
        print(f"{amreview_total:>12.2f}{rate:>8.1f}")
        print(f"amreview / pdfplumber throughput: {rate / (pages / plumber_total):.1f}x")
    else:
        print("\namreview: every file failed")


def _read_or_error(reader: Callable[[Path], int], path: Path) -> int | str:
    try:
        return reader(path)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _try(reader: Callable[[Path], int] | None, path: Path) -> str | None:
    """None when ``reader`` (if any) parses ``path``, else why not: a half-written pipeline must not crash the run."""
    try:
        if reader:
            reader(path)
    except Exception as exc:
        return f"parse_bytes failed: {type(exc).__name__}: {exc}"
    return None


# --------------------------------------------------------------------------------------------
# Peak memory
# --------------------------------------------------------------------------------------------


# A lean launcher: it runs the parsing child and reports getrusage(RUSAGE_CHILDREN).ru_maxrss.
# Why not launch from here: Linux carries the pre-exec image's high-water mark into the exec'd
# child's ru_maxrss, so a child forked from this process (over 100 MB with reportlab, pdfium and
# the plan generator loaded) would report at least that much whatever it does. The launcher
# holds only the interpreter (~10 MB), and having a single child, RUSAGE_CHILDREN is that child.
LAUNCHER = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.call([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - started, code)
"""


def child_peak(program: str, path: Path) -> tuple[float, float, int]:
    """Run ``program`` on ``path`` in a fresh interpreter; (peak RSS in MB, wall seconds, exit code)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-c", LAUNCHER, program, str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    maxrss_kib, seconds, code = result.stdout.split()
    if int(code):
        tail = result.stderr.strip().splitlines()[-1:]
        print(f"  child failed ({code}): {' '.join(tail)}")
    return int(maxrss_kib) / 1024, float(seconds), int(code)  # ru_maxrss is in KiB on Linux


def memory(directory: Path, pages: int) -> None:
    plan = make_plan(1, seed=4242, pages=pages)
    path = directory / f"plan-rss-{pages}p.pdf"
    path.write_bytes(render_pdf(plan, font="wqy"))
    actual = len(pdfium.PdfDocument(str(path)))
    size_mb = path.stat().st_size / 1e6
    print(f"\npeak RSS parsing one generated PDF ({actual} pages, {size_mb:.1f} MB), each in a child process")
    print(f"{'reader':<34}{'peak MB':>9}{'seconds':>9}")
    rows = [("python + import pdfplumber", PDFPLUMBER_IMPORT), ("pdfplumber extract_text", PDFPLUMBER_CHILD),
            ("python + import ingest.parse", AMREVIEW_IMPORT), ("amreview parse_bytes", AMREVIEW_CHILD)]
    for name, program in rows:
        peak, seconds, code = child_peak(program, path)
        if code and program in (AMREVIEW_IMPORT, AMREVIEW_CHILD):
            print(f"{name:<34}{'amreview: not available':>18}")
            continue
        print(f"{name:<34}{peak:>9.0f}{seconds:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=6, help="number of 20–60 page plans (default 6)")
    parser.add_argument("--rss-pages", type=int, default=200, help="length of the memory-test plan (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amreview-bench-") as tmp:
        directory = Path(tmp)
        seconds, samples = timed(lambda: generate(directory, max(1, args.plans)))
        pages = sum(s.pages for s in samples)
        print(f"generated {len(samples)} PDFs, {pages} pages, in {seconds:.1f} s\n")
        throughput(samples)
        memory(directory, args.rss_pages)


if __name__ == "__main__":
    main()
