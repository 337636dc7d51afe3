"""Fact-extraction recall on generated business plans, against the generator's planted facts.

Run from the repository root:  python benchmarks/facts.py [--plans N] [--pages P] [--verbose]

1. Generates N plans cycling through the seven segments and both groups (enterprise, startup), and
   renders each as a text PDF (alternating the STSong-Light CID font and embedded WenQuanYi) and as a
   DOCX (alternating real heading styles and WPS-style bold paragraphs).
2. Parses every file with ``ingest.parse.parse_bytes`` and extracts facts with ``ingest.facts``.
3. Compares with ``Plan.facts``, the facts the generator wrote (its ground truth, never the extractor's
   output): a planted fact is recalled when an extracted fact of its kind has its value, its stated
   attributes (year, forecast, role, type, title, granted) and a page on which the planted text stands.
   The page comes from finding the planted text (``anchor``) in the parsed document.

Prints a table per kind (recall, and how many extracted facts matched nothing planted: some are real
statements the generator does not list, e.g. forecasts in the market section) and the extraction time.
Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from api.demo.plans import Group, Plan, PlantedFact, make_plan  # noqa: E402
from api.demo.render import render_docx, render_pdf  # noqa: E402
from ingest.document import Document  # noqa: E402
from ingest.facts import FACT_KINDS, Fact, extract_facts  # noqa: E402
from ingest.parse import parse_bytes  # noqa: E402


@dataclass
class Tally:
    """Counts for one kind: planted and recalled; extracted and those that matched a planted fact."""

    planted: int = 0
    recalled: int = 0
    extracted: int = 0
    matched: int = 0
    anchors_missing: int = 0
    misses: list[str] = field(default_factory=list)


def rendered(index: int, pages: int) -> tuple[Plan, list[tuple[str, bytes]]]:
    """The index-th plan (segment and group cycling) as a PDF and a DOCX."""
    segment = index % 7 + 1
    group: Group = "enterprise" if index // 7 % 2 == 0 else "startup"
    plan = make_plan(segment, seed=1000 + index, pages=pages + index % 5, group=group)
    pdf = render_pdf(plan, font="stsong" if index % 2 == 0 else "wqy")
    docx = render_docx(plan, heading_styles=index % 3 != 0)
    return plan, [("pdf", pdf), ("docx", docx)]


def _without_spaces(text: str) -> tuple[str, list[int]]:
    """The text minus spaces (PDF line joins may add one inside a number) and each kept character's offset."""
    kept = [(char, offset) for offset, char in enumerate(text) if char != " "]
    return "".join(char for char, _ in kept), [offset for _, offset in kept]


def anchor_pages(document: Document, squeezed: tuple[str, list[int]], anchor: str) -> set[int]:
    """Pages on which the planted text stands (every occurrence; first and last character)."""
    text, offsets = squeezed
    needle = anchor.replace(" ", "")
    pages: set[int] = set()
    start = text.find(needle)
    while start >= 0:
        for offset in (offsets[start], offsets[start + len(needle) - 1]):
            page = document.page_of(offset)
            if page is not None:
                pages.add(page)
        start = text.find(needle, start + 1)
    return pages


def _same_value(planted: object, extracted: object) -> bool:
    if isinstance(planted, int | float) and isinstance(extracted, int | float):
        return abs(planted - extracted) <= 1e-6 * max(1.0, abs(planted))
    return planted == extracted


def agrees(planted: PlantedFact, fact: Fact, pages: set[int]) -> bool:
    """Kind, value, every planted attribute and the page all agree."""
    if fact.kind != planted.kind or fact.page not in pages or not _same_value(planted.value, fact.value):
        return False
    return all(fact.attributes.get(key) == value for key, value in planted.attributes.items())


def score(plan: Plan, document: Document, facts: list[Fact], tallies: dict[str, Tally], label: str) -> None:
    squeezed = _without_spaces(document.text)
    used: set[int] = set()
    for planted in plan.facts:
        tally = tallies[planted.kind]
        tally.planted += 1
        pages = anchor_pages(document, squeezed, planted.anchor)
        if not pages:
            tally.anchors_missing += 1
        hit = next((i for i, fact in enumerate(facts) if i not in used and agrees(planted, fact, pages)), None)
        if hit is None:
            hit = next((i for i, fact in enumerate(facts) if agrees(planted, fact, pages)), None)
        if hit is not None:
            tally.recalled += 1
            used.add(hit)
        else:
            tally.misses.append(f"{label}: {planted.value!r} {planted.attributes} @ {sorted(pages)} ({planted.anchor})")
    for index, fact in enumerate(facts):
        tallies[fact.kind].extracted += 1
        tallies[fact.kind].matched += index in used


def print_table(tallies: dict[str, Tally], verbose: bool) -> None:
    print(f"{'kind':<24}{'planted':>8}{'recalled':>9}{'recall':>8}{'extracted':>10}{'matched':>8}{'other':>7}"
          f"{'no-anchor':>10}")
    total = Tally()
    for kind in FACT_KINDS:
        t = tallies[kind]
        recall = f"{100 * t.recalled / t.planted:.1f}%" if t.planted else "-"
        print(f"{kind:<24}{t.planted:>8}{t.recalled:>9}{recall:>8}{t.extracted:>10}{t.matched:>8}"
              f"{t.extracted - t.matched:>7}{t.anchors_missing:>10}")
        for name in ("planted", "recalled", "extracted", "matched", "anchors_missing"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
        for miss in t.misses[:5] if verbose else ():
            print(f"    missed {miss}")
    print(f"{'overall':<24}{total.planted:>8}{total.recalled:>9}{100 * total.recalled / max(1, total.planted):>7.1f}%"
          f"{total.extracted:>10}{total.matched:>8}{total.extracted - total.matched:>7}{total.anchors_missing:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=28, help="plans to generate (each rendered as PDF and DOCX)")
    parser.add_argument("--pages", type=int, default=16, help="approximate length of the shortest plan")
    parser.add_argument("--verbose", action="store_true", help="list up to five missed facts per kind")
    args = parser.parse_args()
    extract_facts(parse_bytes(rendered(0, 14)[1][1][1], "warm-up.docx"))  # load jieba and the matchers once
    tallies = {kind: Tally() for kind in FACT_KINDS}
    seconds: Counter[str] = Counter()
    page_count: Counter[str] = Counter()
    for index in range(args.plans):
        plan, files = rendered(index, args.pages)
        for media, data in files:
            document = parse_bytes(data, f"plan-{index}.{media}", ocr=False)
            started = time.perf_counter()
            facts = extract_facts(document)
            seconds[media] += time.perf_counter() - started
            page_count[media] += len(document.pages)
            score(plan, document, facts, tallies, f"plan {index} {media}")
    print(f"{args.plans} plans × (PDF, DOCX), segments 1–7, enterprise and startup groups\n")
    print_table(tallies, args.verbose)
    for media in ("pdf", "docx"):
        print(f"\nextraction {media}: {seconds[media]:.2f} s for {args.plans} files, {page_count[media]} pages "
              f"({1000 * seconds[media] / max(1, page_count[media]):.1f} ms per page)", end="")
    print()


if __name__ == "__main__":
    main()
