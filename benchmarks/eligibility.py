"""Quality of the eligibility checker on generated registrations with injected violations.

Run from the repository root:  python benchmarks/eligibility.py [--count N] [--seed S] [--keep DIR]

1. Builds ``--count`` registrations (default 210: about a seventh clean, including edge cases that
   must still pass, the rest about evenly over the eleven injected violations; both groups, all
   seven segments, text PDFs and DOCX of 14–20 pages) with ``api.demo.registrations.build_set``,
   and writes registrations.jsonl, files/, past_lists/*.csv and truth.jsonl to a temporary folder
   (or to ``--keep DIR``, which is then left in place, with the checker's results.jsonl added).
2. Runs ``amreview check registrations.jsonl --files files --past-lists … --jsonl`` once, as a
   subprocess, and reads one JSON line per registration.
3. Prints, per rule: injected violations caught (with the expected status, or with the other
   flagging status), missed, and on registrations where the rule should pass, false fails and
   false unknowns; then the overall detection and false-fail rates (targets ≥ 98% and ≤ 2%), the
   verdict confusion (expected × actual), every miss and false fail with the checker's reason, and
   the elapsed times. The figures are printed only: nothing is asserted.

The same seed gives the same registrations and documents.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from api.demo.registrations import RULES, Entry, build_set  # noqa: E402

VERDICTS = ("eligible", "needs_review", "ineligible")
AMREVIEW = ROOT / ".venv" / "bin" / "amreview"
DETECTION_TARGET, FALSE_FAIL_TARGET = 0.98, 0.02


@dataclass
class RuleScore:
    """Counts for one rule over all registrations."""

    injected: int = 0
    caught: int = 0  # flagged with the preferred status
    caught_other: int = 0  # flagged, but with the other status (fail for unknown, or the reverse)
    missed: int = 0
    should_pass: int = 0
    false_fail: int = 0
    false_unknown: int = 0
    absent: int = 0  # the checker gave no status for this rule
    notes: list[str] = field(default_factory=list)


def run_check(jsonl: Path, files: Path, lists: list[Path], timeout: float,
              database: bool) -> tuple[list[dict[str, Any]], str, int]:
    """Run the checker once; returns (parsed lines, stderr tail, exit code).

    Unless ``database`` is set, ``--no-db`` keeps teams and lists already stored out of the result
    (when the checker has the option), so the figures depend on the generated set alone.
    """
    command = [str(AMREVIEW), "check", str(jsonl), "--files", str(files)]
    if lists:
        command += ["--past-lists", *map(str, lists)]
    command.append("--jsonl")
    if not database and _supports(["check", "--help"], "--no-db"):
        command.append("--no-db")
    process = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)
    results = []
    for line in process.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return results, process.stderr[-2000:], process.returncode


def _supports(arguments: list[str], option: str) -> bool:
    help_text = subprocess.run([str(AMREVIEW), *arguments], capture_output=True, text=True, timeout=120, check=False)
    return option in help_text.stdout


def _statuses(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {r.get("rule"): r for r in (result or {}).get("rules", []) if isinstance(r, dict)}


def score(entries: list[Entry], results: dict[str, dict[str, Any]]) -> tuple[dict[str, RuleScore], Counter[tuple]]:
    """Per-rule confusion and the verdict confusion (expected, actual)."""
    scores = {rule: RuleScore() for rule in RULES}
    verdicts: Counter[tuple] = Counter()
    for entry in entries:
        result = results.get(entry.id)
        verdicts[entry.expected_verdict, (result or {}).get("verdict", "(no line)")] += 1
        given = _statuses(result)
        for rule, expectation in entry.expect.items():
            s = scores[rule]
            found = given.get(rule)
            status = found.get("status") if found else None
            label = f"{entry.id} [{entry.violation or 'clean'}/{entry.variant}]"
            reason = f"{status}: {(found or {}).get('reason', '')}"[:160]
            if status is None:
                s.absent += 1
            if expectation.violated:
                s.injected += 1
                if status == expectation.expected:
                    s.caught += 1
                elif status in expectation.accepted:
                    s.caught_other += 1
                    s.notes.append(f"  other status {label} {reason}")
                else:
                    s.missed += 1
                    s.notes.append(f"  MISSED       {label} {reason}")
            else:
                s.should_pass += 1
                if status == "fail" and status not in expectation.accepted:
                    s.false_fail += 1
                    s.notes.append(f"  FALSE FAIL   {label} {reason}")
                elif status == "unknown" and status not in expectation.accepted:
                    s.false_unknown += 1
                    s.notes.append(f"  false unknwn {label} {reason}")
    return scores, verdicts


def _rate(part: int, whole: int) -> str:
    return f"{part / whole * 100:5.1f}%" if whole else "    –"


def report(scores: dict[str, RuleScore], verdicts: Counter[tuple], extra_rules: dict[str, Counter[str]],
           show_other: bool) -> None:
    """Print the per-rule table, the overall rates, the verdict confusion and the notable cases."""
    print(f"\n{'rule':<25}{'injected':>9}{'caught':>8}{'other':>7}{'missed':>8}{'detect':>8}"
          f"{'should pass':>13}{'false fail':>11}{'false unk':>10}{'absent':>8}")
    for rule, s in scores.items():
        detected = s.caught + s.caught_other
        print(f"{rule:<25}{s.injected:>9}{s.caught:>8}{s.caught_other:>7}{s.missed:>8}{_rate(detected, s.injected):>8}"
              f"{s.should_pass:>13}{s.false_fail:>11}{s.false_unknown:>10}{s.absent:>8}")
    blanket = [rule for rule, s in scores.items() if s.should_pass and s.false_unknown > s.should_pass / 2]
    if blanket:
        print(f"note: {', '.join(blanket)} said unknown on most registrations that should pass, so their catches"
              " (by unknown) are no evidence of detection")
    injected = sum(s.injected for s in scores.values())
    detected = sum(s.caught + s.caught_other for s in scores.values())
    exact = sum(s.caught for s in scores.values())
    should = sum(s.should_pass for s in scores.values())
    false_fail = sum(s.false_fail for s in scores.values())
    false_unknown = sum(s.false_unknown for s in scores.values())
    print(f"\ndetection rate   {_rate(detected, injected)}  ({detected}/{injected}; target ≥ {DETECTION_TARGET:.0%};"
          f" with the expected status {exact}/{injected})")
    print(f"false-fail rate  {_rate(false_fail, should)}  ({false_fail}/{should} rule checks that should pass;"
          f" target ≤ {FALSE_FAIL_TARGET:.0%})")
    print(f"false-unknown    {_rate(false_unknown, should)}  ({false_unknown}/{should}: sent to a person needlessly)")
    if extra_rules:
        print("rules the checker gave that the benchmark has no ground truth for: "
              + ", ".join(f"{rule} {dict(count)}" for rule, count in sorted(extra_rules.items())))
    actual = sorted({a for _, a in verdicts} | set(VERDICTS), key=lambda v: (v not in VERDICTS, v))
    print("\nverdict confusion (rows expected, columns actual)")
    print(f"{'':<14}" + "".join(f"{a:>14}" for a in actual))
    for expected in VERDICTS:
        print(f"{expected:<14}" + "".join(f"{verdicts[expected, a]:>14}" for a in actual))
    print("\nmisses and false fails" + (" (and caught with the other status)" if show_other else ""))
    for rule, s in scores.items():
        notes = [n for n in s.notes if show_other or "other status" not in n]
        if notes:
            print(f"{rule}:")
            print("\n".join(notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=210, help="registrations to generate (at least about 30)")
    parser.add_argument("--seed", type=int, default=11, help="generator seed: the same seed, the same set")
    parser.add_argument("--keep", type=Path, help="write the set here and leave it (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed for amreview check")
    parser.add_argument("--db", action="store_true", help="let the checker also use the database's teams and lists")
    parser.add_argument("--show-other", action="store_true", help="also list violations caught with the other status")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="amreview-eligibility-"))
    try:
        started = time.perf_counter()
        evaluation = build_set(args.count, args.seed)
        jsonl, files, lists = evaluation.write(folder)
        generated = time.perf_counter() - started
        groups = Counter(e.registration["group"] for e in evaluation.entries)
        formats = Counter(e.file_format for e in evaluation.entries)
        print(f"generated {len(evaluation.entries)} registrations ({dict(groups)}; {dict(formats)}; "
              f"{sum(e.violation is None for e in evaluation.entries)} clean) and {len(lists)} past lists "
              f"in {generated:.1f} s into {folder}")
        started = time.perf_counter()
        lines, stderr, code = run_check(jsonl, files, lists, args.timeout, args.db)
        checked = time.perf_counter() - started
        print(f"amreview check: exit {code}, {len(lines)} result lines in {checked:.1f} s "
              f"({checked / max(1, len(evaluation.entries)):.2f} s per registration)")
        if not lines:
            print("no results; stderr tail:\n" + stderr)
            return
        if args.keep is not None:
            text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
            (folder / "results.jsonl").write_text(text, encoding="utf-8")
        results = {str(line.get("id")): line for line in lines}
        known = set(RULES)
        extra: dict[str, Counter[str]] = {}
        for line in lines:
            for rule in line.get("rules", []):
                if isinstance(rule, dict) and rule.get("rule") not in known:
                    extra.setdefault(str(rule.get("rule")), Counter())[str(rule.get("status"))] += 1
        missing = [e.id for e in evaluation.entries if e.id not in results]
        if missing:
            print(f"{len(missing)} registrations without a result line, e.g. {', '.join(missing[:5])}")
        scores, verdicts = score(evaluation.entries, results)
        report(scores, verdicts, extra, args.show_other)
        print(f"\nelapsed: generation {generated:.1f} s, check {checked:.1f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
