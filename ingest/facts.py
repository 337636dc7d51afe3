"""Facts extracted from a Document: company, USCC, dates, money, headcount, people, IP.

Each fact keeps the exact source text and its span into ``Document.text`` (and so its page),
so a reviewer can check every machine claim against the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.document import Document, Span

FACT_KINDS = (
    "company_name", "uscc", "registered_on", "registered_capital_cny", "employees", "revenue_cny",
    "total_assets_cny", "rd_spend_cny", "person", "patent", "software_copyright", "trademark",
)


@dataclass(frozen=True)
class Fact:
    """One claim found in a document.

    ``value`` is normalised: CNY as a number, dates as ISO strings, codes upper-cased, a person's
    name, a patent's normalised application number. ``attributes`` carries what else was stated
    (``year`` of a revenue figure; ``role`` of a person; ``type``/``title``/``holder`` of a patent).
    ``valid`` is set for identifiers with a check character or a known format.
    """

    kind: str
    value: Any
    text: str
    page: int | None
    span: Span
    valid: bool | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"kind": self.kind, "value": self.value, "text": self.text, "page": self.page,
                                   "span": list(self.span)}
        if self.valid is not None:
            payload["valid"] = self.valid
        payload.update(self.attributes)
        return payload

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fact:
        """The fact ``to_json`` wrote (as stored with a parsed document)."""
        core = ("kind", "value", "text", "page", "span", "valid")
        return cls(data["kind"], data["value"], data["text"], data.get("page"), tuple(data["span"]),  # type: ignore[arg-type]
                   data.get("valid"), {k: v for k, v in data.items() if k not in core})


def extract_facts(document: Document) -> list[Fact]:
    """Every fact found in ``document``, in text order.

    Extractors run in order of trust: table structure, identifiers, labelled values, people, companies.
    Where two find the same kind of fact over overlapping text, the earlier one is kept.
    """
    # The extractor modules build Facts, so they import this module: import them here, not at the top.
    from ingest.fact_identifiers import identifier_facts
    from ingest.fact_people import company_facts, person_facts
    from ingest.fact_source import FactSource
    from ingest.fact_tables import table_facts
    from ingest.fact_values import labelled_facts

    if not document.text:
        return []
    source = FactSource.build(document)
    found = [*table_facts(source), *identifier_facts(source), *labelled_facts(source), *person_facts(source),
             *company_facts(source)]
    return sorted(_without_overlaps(found), key=lambda fact: (fact.span[0], fact.kind))


def _without_overlaps(facts: list[Fact]) -> list[Fact]:
    """The facts minus any that overlaps an earlier fact of the same kind."""
    kept: dict[str, list[Span]] = {}
    result = []
    for fact in facts:
        spans = kept.setdefault(fact.kind, [])
        if any(fact.span[0] < end and start < fact.span[1] for start, end in spans):
            continue
        spans.append(fact.span)
        result.append(fact)
    return result
