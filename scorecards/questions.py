"""Conditions that make the pre-fill suggest a question for the Q&A.

A rubric's question says ``when: <condition>`` or ``when: {<condition>: <argument>}``; each
condition is a small function of what the pre-fill found for the criterion. A condition returns the
values its question's text is formatted with (``{holders}``, ``{count}``) when it holds, else None.
New conditions are added here and named in the YAML: the rubric stays configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.facts import Fact
from ingest.names import normalise_company


@dataclass(frozen=True)
class Findings:
    """What the pre-fill found for one criterion."""

    covered: bool  # the plan has a section (or enough sentences) answering the criterion
    text: str  # the criterion's sentences, joined: where keywords are looked for
    facts: tuple[Fact, ...]  # every fact of the document
    applicant: str | None


Condition = Callable[[Findings, Any], dict[str, Any] | None]


def _silent(found: Findings, _argument: Any) -> dict[str, Any] | None:
    return None if found.covered else {}


def _no_fact(found: Findings, kind: Any) -> dict[str, Any] | None:
    return None if any(f.kind == kind for f in found.facts) else {}


def _no_keywords(found: Findings, words: Any) -> dict[str, Any] | None:
    return None if any(str(word) in found.text for word in words or ()) else {}


def _fact_years_below(found: Findings, argument: Any) -> dict[str, Any] | None:
    kind, wanted = argument["kind"], int(argument["years"])
    years = {f.attributes.get("year") for f in found.facts if f.kind == kind} - {None}
    has_any = any(f.kind == kind for f in found.facts)
    return {"years": len(years)} if has_any and len(years) < wanted else None


def _patent_held_by_other(found: Findings, _argument: Any) -> dict[str, Any] | None:
    own = normalise_company(found.applicant)
    if not own:
        return None
    others = sorted({str(f.attributes["holder"]) for f in found.facts if f.kind == "patent"
                     and f.attributes.get("holder") and normalise_company(str(f.attributes["holder"])) != own})
    return {"holders": "、".join(others)} if others else None


def _patent_not_granted(found: Findings, _argument: Any) -> dict[str, Any] | None:
    pending = [f for f in found.facts if f.kind == "patent" and not f.attributes.get("granted")]
    return {"count": len(pending)} if pending else None


CONDITIONS: dict[str, Condition] = {
    "silent": _silent,
    "no_fact": _no_fact,
    "no_keywords": _no_keywords,
    "fact_years_below": _fact_years_below,
    "patent_held_by_other": _patent_held_by_other,
    "patent_not_granted": _patent_not_granted,
}


def holds(condition: str, argument: Any, found: Findings) -> dict[str, Any] | None:
    """The format values when ``condition`` holds. A silent criterion asks only its ``silent`` question:
    asking a plan that has no finance chapter for its forecast assumptions would be noise."""
    if not found.covered and condition != "silent":
        return None
    return CONDITIONS[condition](found, argument)
