"""What the eligibility rules read and return: results with evidence, submitted files, the context.

Every result says pass, fail, unknown (a person must look) or skipped (not run, not applicable
to the verdict), with a short English reason and the evidence behind it: registration fields
(``{"source": "registration", "field": …, "value": …}``) or places in a document
(``{"source": "document", "file": …, "page": …, "span": [s, e], "text": …}``). Evidence never holds
a raw ID number: text is masked and members are shown by their masked number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ingest.document import Document
from ingest.facts import Fact
from ingest.identity import mask_id_numbers, mask_in

if TYPE_CHECKING:
    from review.eligibility.members import MemberIndex
    from review.toplists import PastListIndex

Status = Literal["pass", "fail", "unknown", "skipped"]
STATUSES = ("pass", "fail", "unknown", "skipped")
Evidence = dict[str, Any]


@dataclass
class RuleResult:
    """One rule's outcome for one registration; ``advisory`` results never make an entry ineligible."""

    status: Status
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    rule: str = ""
    advisory: bool = False

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"rule": self.rule, "status": self.status, "reason": mask_id_numbers(self.reason),
                                   "evidence": mask_in(self.evidence)}
        if self.advisory:
            payload["advisory"] = True
        return payload


def passed(reason: str, evidence: list[Evidence] | None = None) -> RuleResult:
    return RuleResult("pass", reason, evidence or [])


def failed(reason: str, evidence: list[Evidence] | None = None) -> RuleResult:
    return RuleResult("fail", reason, evidence or [])


def unknown(reason: str, evidence: list[Evidence] | None = None) -> RuleResult:
    return RuleResult("unknown", reason, evidence or [])


def skipped(reason: str, evidence: list[Evidence] | None = None) -> RuleResult:
    return RuleResult("skipped", reason, evidence or [])


def field_evidence(name: str, value: Any) -> Evidence:
    """A registration field as evidence (dates as ISO text)."""
    return {"source": "registration", "field": name, "value": value.isoformat() if hasattr(value, "isoformat")
            else value}


def fact_evidence(file: str, fact: Fact, **extra: Any) -> Evidence:
    """A fact's place in a document as evidence, its text masked."""
    return {"source": "document", "file": file, "page": fact.page, "span": list(fact.span),
            "text": mask_id_numbers(fact.text), "kind": fact.kind, "value": fact.value, **extra}


def file_evidence(file: str, problem: str) -> Evidence:
    return {"source": "document", "file": file, "problem": problem}


PENDING = "pending"  # SubmittedFile.error_code of a file not read yet


@dataclass
class SubmittedFile:
    """A file a registration names, as found: its document(s) (a ZIP holds several), their facts, or why not.

    ``facts`` is None when fact extraction was not available: rules that need facts then say unknown.
    """

    name: str
    documents: list[Document] = field(default_factory=list)
    facts: list[Fact] | None = None
    error: str | None = None
    error_code: str | None = None

    @property
    def readable(self) -> bool:
        return self.error is None and any(doc.text.strip() for doc in self.documents)


@dataclass(frozen=True)
class RuleContext:
    """What a rule may consult besides the registration.

    ``files`` None means documents were not supplied: document rules report skipped. ``members`` indexes
    other teams' core members (the batch and the database); ``past_lists`` the past ranking lists.
    """

    files: list[SubmittedFile] | None = None
    past_lists: PastListIndex | None = None
    members: MemberIndex | None = None
    segment_classifier: Any = None  # a SegmentClassifier; see rules.register_segment_classifier

    def facts(self, *kinds: str) -> list[tuple[str, Fact]] | None:
        """(file, fact) of the given kinds over every file; None when no file has facts at all."""
        if not self.files or all(f.facts is None for f in self.files):
            return None
        return [(f.name, fact) for f in self.files for fact in f.facts or [] if not kinds or fact.kind in kinds]
