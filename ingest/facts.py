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


def extract_facts(document: Document) -> list[Fact]:
    """Every fact found in ``document``, in text order."""
    raise NotImplementedError  # filled by the fact-extraction work
