"""``segment_fit``: does the declared segment fit what the project's documents say?

The business plan is classified (the project title alone when there is no readable plan). The
declared segment fits when it is the primary, or scores at least ``fit_threshold`` (a strong
secondary: a dental resin entered under materials is not a mistake). Otherwise the rule fails
with the evidence for the segment the plan reads as; ``segment_fit`` is advisory by default, so the
entry goes to a person (``needs_review``), never out. A reviewer's correction settles it: the
segment the reviewer chose is compared instead of the classifier's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ingest.document import Document
from review.eligibility.model import RuleResult, SubmittedFile, failed, passed, skipped, unknown
from review.eligibility.rules import PLAN_NAME, SegmentClassifier
from review.registrations import Registration
from review.segments.catalogue import segments, settings
from review.segments.classify import Classification, Classifier

PLAN_MIN_CHARS = 50  # shorter than this, a "plan" says less than the project title
EVIDENCE_ITEMS = 8


def plan_document(files: list[SubmittedFile]) -> tuple[str, Document] | None:
    """The business plan: the longest readable document, preferring files named like a plan."""
    documents = [(f.name, d) for f in files if f.readable for d in f.documents if len(d.text) >= PLAN_MIN_CHARS]
    if not documents:
        return None
    return max(documents, key=lambda pair: (bool(PLAN_NAME.search(pair[0])), len(pair[1].text)))


def _name(segment: int) -> str:
    return f"{segment} {segments()[segment].zh}"


def _evidence(result: Classification, declared: int | None, origin: dict[str, Any]) -> list[dict[str, Any]]:
    summary = {"source": "classifier", **result.to_json(), "declared": declared}
    del summary["evidence"]
    items = [{**item, **origin} for item in result.evidence if item["segment"] == result.primary][:EVIDENCE_ITEMS]
    return [summary, *items]


def judge(registration: Registration, result: Classification, origin: dict[str, Any],
          reviewed: int | None = None) -> RuleResult:
    """The rule's outcome for a classification of the registration's project."""
    declared = registration.segment
    evidence = _evidence(result, declared, origin)
    if reviewed is not None:
        if reviewed == declared:
            return passed(f"a reviewer confirmed segment {_name(reviewed)}", evidence)
        return failed(f"a reviewer placed the project under {_name(reviewed)}; declared {_name(declared)}", evidence)
    best = f"{_name(result.primary)} ({result.scores[0][1]:.2f})"
    if declared is None:
        return unknown(f"no segment declared; the project reads as {best}", evidence)
    score = result.score_of(declared)
    if declared == result.primary:
        return passed(f"declared segment {_name(declared)} is the best fit ({score:.2f})", evidence)
    if score >= settings().fit_threshold:
        return passed(f"declared segment {_name(declared)} is a strong secondary ({score:.2f}); best {best}",
                      evidence)
    return failed(f"declared segment {_name(declared)} looks wrong ({score:.2f}): the project reads as {best}",
                  evidence)


def segment_fit_rule(classifier: Callable[[], Classifier],
                     reviewed: Mapping[str, int] | None = None) -> SegmentClassifier:
    """The ``segment_fit`` hook for ``check_batch``; ``reviewed``: a reviewer's segment by registration id."""

    def check(registration: Registration, files: list[SubmittedFile] | None) -> RuleResult:
        if files is None:
            return skipped("documents not supplied")
        plan = plan_document(files)
        if plan is not None:
            name, document = plan
            result, origin = classifier().classify_document(document), {"source": "document", "file": name}
        elif registration.project.strip():
            result = classifier().classify_text(registration.project)
            origin = {"source": "registration", "field": "project"}
        else:
            return unknown("no readable plan and no project title to classify")
        return judge(registration, result, origin, (reviewed or {}).get(registration.id))

    return check
