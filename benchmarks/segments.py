"""Segment classifier: held-out accuracy (Chinese and English apart), throughput, long-plan latency.

Run from the repository root:  python benchmarks/segments.py [--extra FILE.jsonl ...] [--plans N]

1. **Held-out figures**: macro-F1, accuracy, top-2 and the confusion matrix on labelled texts the
   model never saw and the training corpus did not come from (``benchmarks/data/segments_heldout_*.jsonl``,
   written separately from the corpus; ``--extra`` adds more files, e.g. excerpts of real public
   texts kept outside the repository). In the same run, the two parts alone — the lexicon alone and
   the text model alone — as baselines for the combination.
2. **Throughput** on short texts (every distinct held-out text, caches emptied): in batches, as
   ``amreview classify --jsonl`` reads them, and one at a time, as the API does.
3. **A 60-page business plan** (the demo generator's, rendered to PDF and parsed first; the parse is
   timed apart): the median of five classifications, evidence included, and the segment it got.

Targets (issue 5): macro-F1 ≥ 0.85 and top-2 ≥ 0.95 per language; ≥ 200 short texts/s; a 60-page plan
in under 1 s after parsing. The model is the data directory's live one (trained from the corpus on
first use). Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from review.segments.catalogue import SEGMENT_IDS  # noqa: E402
from review.segments.classifier import language, lexicon_mass  # noqa: E402
from review.segments.evaluate import figures  # noqa: E402
from review.segments.service import classifier  # noqa: E402

HELD_OUT = sorted((ROOT / "benchmarks" / "data").glob("segments_heldout_*.jsonl"))


def _rows(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({**row, "lang": row.get("lang") or language(row["text"]), "file": path.name})
    return rows


def held_out(rows: list[dict]) -> None:
    model = classifier()
    texts = [r["text"] for r in rows]
    combined = np.array([[dict(c.scores)[s] for s in SEGMENT_IDS] for c in model.classify_texts(texts)])
    lexicon = lexicon_mass(model.lexicon, texts)
    text_model = model.model.margins(texts)
    labels = np.array([SEGMENT_IDS.index(r["segment"]) for r in rows])
    for name, subset in _subsets(rows).items():
        mask = np.array(subset)
        print(figures(labels[mask], combined[mask]).render(f"[{name}] combined: "))
        for part, values in (("lexicon alone", lexicon), ("text model alone", text_model)):
            f = figures(labels[mask], values[mask] + 1e-9 * np.arange(7)[::-1])  # ties: lowest segment
            print(f"    {part:<17} macro-F1 {f.macro_f1:.3f}  accuracy {f.accuracy:.3f}  top-2 {f.top2:.3f}")
        print()


def _subsets(rows: list[dict]) -> dict[str, list[bool]]:
    """Each file's texts by language, and all texts of a language together."""
    out: dict[str, list[bool]] = {}
    for lang in sorted({r["lang"] for r in rows}):
        for file in sorted({r["file"] for r in rows}):
            mask = [r["lang"] == lang and r["file"] == file for r in rows]
            if any(mask):
                out[f"{lang} {file}"] = mask
        out[f"{lang} all"] = [r["lang"] == lang for r in rows]
    return out


def throughput(rows: list[dict], repeats: int = 3) -> None:
    """Every distinct held-out text once per pass, the caches emptied first (a repeated text would be free)."""
    from review.segments.classifier import model_text, words

    model = classifier()
    texts = list(dict.fromkeys(r["text"] for r in rows))

    def timed(run) -> float:  # type: ignore[no-untyped-def]
        rates = []
        for _ in range(repeats):
            model_text.cache_clear()
            words.cache_clear()
            started = time.perf_counter()
            run()
            rates.append(len(texts) / (time.perf_counter() - started))
        return statistics.median(rates)

    batched = timed(lambda: [model.classify_texts(texts[i:i + 256]) for i in range(0, len(texts), 256)])
    single = timed(lambda: [model.classify_text(t) for t in texts])
    mean = statistics.mean(len(t) for t in texts)
    print(f"short texts ({len(texts)} distinct, mean {mean:.0f} characters): {batched:.0f} texts/s in batches of "
          f"256, {single:.0f} texts/s one at a time  (target ≥ 200)")


def long_plan(plans: int) -> None:
    from api.demo.plans import make_plan
    from api.demo.render import render_pdf
    from ingest.parse import parse_bytes

    model = classifier()
    for index in range(plans):
        segment = SEGMENT_IDS[index % len(SEGMENT_IDS)]
        data = render_pdf(make_plan(segment, seed=index, pages=60))
        started = time.perf_counter()
        document = parse_bytes(data, "plan.pdf", ocr=False)
        parse_seconds = time.perf_counter() - started
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            result = model.classify_document(document)
            timings.append(time.perf_counter() - started)
        print(f"60-page plan of segment {segment}: {len(document.pages)} pages, {len(document.text):,} characters; "
              f"parse {parse_seconds:.2f} s; classify median {statistics.median(timings) * 1000:.0f} ms "
              f"(max {max(timings) * 1000:.0f}); primary {result.primary} ({result.scores[0][1]:.2f}), "
              f"{len(result.evidence)} evidence items  (target < 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--extra", type=Path, nargs="*", default=[], help="more labelled JSON Lines files")
    parser.add_argument("--plans", type=int, default=7, help="60-page plans to time (one per segment by default)")
    args = parser.parse_args()
    rows = _rows(HELD_OUT + list(args.extra))
    classifier()  # train or load before anything is timed
    held_out(rows)
    throughput(rows)
    long_plan(args.plans)


if __name__ == "__main__":
    main()
