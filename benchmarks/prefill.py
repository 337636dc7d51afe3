"""Scorecard pre-fill: latency on 60-page business plans after parsing, and what it quoted.

Run from the repository root:  python benchmarks/prefill.py [--plans N] [--pages P]

For each plan (the demo generator's, enterprise and startup groups, rendered to PDF and parsed first;
the parse is timed apart):

* **cold**: the first pre-fill in the process (jieba, spaCy and scikit-learn load on first use);
* **warm, facts given**: the service's path — facts were extracted and stored when the plan was
  parsed, so the pre-fill ranks sentences and evaluates questions only;
* **warm, with fact extraction**: the command line's path (``amreview prefill FILE``).

In the same run, a baseline: the "lead" summary (the first sentences of each criterion's sections,
no ranking), to show what TextRank costs on top of finding the sections.

Target (issue 7): a 60-page plan in under 2 s after parsing. Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402


def _timed(function, repeat: int = 5) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=4)
    parser.add_argument("--pages", type=int, default=60)
    args = parser.parse_args()

    from api.demo.plans import make_plan
    from api.demo.render import render_pdf
    from ingest.facts import extract_facts
    from ingest.parse import parse_bytes
    from scorecards import prefill as prefill_module
    from scorecards.rubrics import default_for

    print(f"{'plan':<18}{'pages':>6}{'chars':>8}{'parse':>8}{'cold':>8}{'warm':>8}{'+facts':>8}{'lead':>8}"
          f"{'quoted':>8}{'asked':>7}")
    warm_all, facts_all = [], []
    for index in range(args.plans):
        group = "enterprise" if index % 2 == 0 else "startup"
        plan = make_plan(1 + index % 7, 100 + index, args.pages, group)
        started = time.perf_counter()
        document = parse_bytes(render_pdf(plan), "plan.pdf")
        parse = time.perf_counter() - started
        rubric = default_for(group)
        started = time.perf_counter()
        facts = extract_facts(document)
        prefill_module.prefill(document, rubric, facts=facts)
        cold = time.perf_counter() - started
        warm, card = _timed(lambda d=document, r=rubric, f=facts: prefill_module.prefill(d, r, facts=f))
        with_facts, _ = _timed(lambda d=document, r=rubric: prefill_module.prefill(d, r))
        lead, _ = _timed(lambda d=document, r=rubric, f=facts: _lead(prefill_module, d, r, f))
        quoted = sum(len(c.summary) for c in card.criteria)  # type: ignore[attr-defined]
        asked = sum(len(c.questions) for c in card.criteria)  # type: ignore[attr-defined]
        warm_all.append(warm)
        facts_all.append(with_facts)
        print(f"{group + '-' + str(index):<18}{len(document.pages):>6}{len(document.text):>8}{parse:>8.2f}"
              f"{cold:>8.2f}{warm:>8.3f}{with_facts:>8.3f}{lead:>8.3f}{quoted:>8}{asked:>7}")
    print(f"\nwarm pre-fill, facts given: median {statistics.median(warm_all):.3f} s, max {max(warm_all):.3f} s")
    print(f"warm pre-fill with fact extraction: median {statistics.median(facts_all):.3f} s, "
          f"max {max(facts_all):.3f} s (target < 2 s)")


def _lead(module, document, rubric, facts):  # type: ignore[no-untyped-def]
    """The baseline: each criterion's first sentences, found as the pre-fill finds them, without ranking."""
    context = module._Context(document, rubric, module._quotable(module.document_sentences(document), rubric),
                              list(facts), None)
    return [module._pool(context, c)[0][: rubric.summary_sentences] for c in rubric.criteria]


if __name__ == "__main__":
    main()
