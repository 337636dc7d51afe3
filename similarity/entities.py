"""Entity links between two entries: the same applicant, the same people, the same patents.

Text says two plans are alike; entities say whose they are. The same applicant (one USCC, or a
company name that is the same once legal forms, brackets and region prefixes are dropped — the
former name counts too), the same core member (their ID number's keyed hash, never the number) or
the same patent turns "two similar plans" into a **repeat entry** of one project, and catches a
repeat whose text was rewritten. Different applicants sharing passages are **suspected copying**.

Entries are plain records, so this module knows nothing of how submissions are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.names import company_similarity, project_similarity

SAME_COMPANY = 90.0  # company_similarity (0–100) of two names of one applicant
SIMILAR_PROJECT = 80.0


@dataclass(frozen=True)
class Entry:
    """One submission as integrity sees it."""

    key: int
    code: str
    contest: str
    contest_kind: str  # regional | thematic | overseas
    edition: int
    applicant: str
    project: str
    uscc: str | None = None
    former_names: tuple[str, ...] = ()
    people: frozenset[str] = field(default_factory=frozenset)  # keyed hashes of ID numbers
    patents: frozenset[str] = field(default_factory=frozenset)  # normalised application numbers


@dataclass(frozen=True)
class Link:
    """One shared entity; ``strength`` in 0–1 says how much it alone suggests one project."""

    kind: str  # uscc | company | person | patent | project
    detail: str
    strength: float

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "detail": self.detail, "strength": self.strength}


def _company_score(a: Entry, b: Entry) -> float:
    names_a, names_b = (a.applicant, *a.former_names), (b.applicant, *b.former_names)
    return max(company_similarity(x, y) for x in names_a for y in names_b)


def links(a: Entry, b: Entry) -> list[Link]:
    """Every entity the two entries share, strongest first."""
    found: list[Link] = []
    if a.uscc and a.uscc == b.uscc:
        found.append(Link("uscc", a.uscc, 1.0))
    else:
        score = _company_score(a, b)
        if score >= SAME_COMPANY:
            found.append(Link("company", f"{a.applicant} ~ {b.applicant} ({score:.0f})", 0.8))
    shared_people = sorted(a.people & b.people)
    if shared_people:
        found.append(Link("person", f"{len(shared_people)} core member(s) in both teams", 0.6))
    for number in sorted(a.patents & b.patents):
        found.append(Link("patent", number, 0.5))
    project = project_similarity(a.project, b.project)
    if project >= SIMILAR_PROJECT:
        found.append(Link("project", f"{a.project} ~ {b.project} ({project:.0f})", 0.5))
    return sorted(found, key=lambda link: -link.strength)


def same_applicant(found: list[Link]) -> bool:
    """The two entries come from one applicant: a USCC, a company name or a core member in common."""
    return any(link.kind in ("uscc", "company", "person") for link in found)
