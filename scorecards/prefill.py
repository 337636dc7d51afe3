"""Pre-fill a scorecard: for each criterion, what the plan says, cited, and what to ask.

Advisory, never a score. For each criterion of the rubric:

* **summary**: 2–5 sentences quoted verbatim from the plan (TextRank over the sections that answer
  the criterion, biased to its keywords and figures, without repeats), each with page and span;
* **facts**: the extracted facts of the kinds the criterion names (revenue by year, patents with
  their validity and holder, people, head count);
* **flags**: the eligibility and integrity results the criterion names that did not pass;
* **questions**: the rubric's questions whose condition holds (the plan is silent or weak).

A section answers a criterion when its title, or failing that the nearest titled ancestor's,
carries one of the criterion's section words. A plan without usable headings falls back to
sentences that carry two of the criterion's keywords.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.document import Document, Span
from ingest.facts import Fact, extract_facts
from scorecards.questions import Findings, holds
from scorecards.rubrics import Criterion, Rubric
from scorecards.sentences import Sentence, document_sentences
from scorecards.textrank import pick, similarities, textrank

if TYPE_CHECKING:
    from scorecards.llm import Claim, LlmSettings

MIN_COVERED = 2  # sentences a plan must have on a criterion to count as covering it
FALLBACK_KEYWORDS = 2  # distinct keywords a sentence needs to count without a matching section
MAX_POOL = 800  # sentences ranked per criterion: the best by prior, so a 200-page plan stays fast
MAX_FACTS = 30
OVERVIEW_WORDS = ("概述", "简介", "摘要", "概况", "summary", "overview", "executive")
_DIGIT = re.compile(r"\d")
FLAGGED = ("fail", "unknown")


@dataclass(frozen=True)
class Cited:
    """A quoted sentence: ``document.text[span[0]:span[1]] == text``."""

    text: str
    page: int | None
    span: Span

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "page": self.page, "span": list(self.span)}


@dataclass(frozen=True)
class Flag:
    rule: str
    status: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class CriterionPrefill:
    criterion: Criterion
    covered: bool
    summary: tuple[Cited, ...]
    facts: tuple[Fact, ...]
    questions: tuple[str, ...]
    flags: tuple[Flag, ...]
    rewrite: tuple[Claim, ...] = ()  # kept only when every claim was backed by its cited sentences

    def to_json(self, lang: str = "zh") -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": self.criterion.id, "name": self.criterion.name(lang), "weight": self.criterion.weight,
            "summary": [c.to_json() for c in self.summary], "facts": [f.to_json() for f in self.facts],
            "questions": list(self.questions)}
        return payload


@dataclass(frozen=True)
class Prefill:
    rubric: Rubric
    criteria: tuple[CriterionPrefill, ...]
    summary: tuple[Cited, ...]
    flags: tuple[Flag, ...] = ()
    lang: str = "zh"

    def to_json(self) -> dict[str, Any]:
        """The command-line contract: ``{"criteria": [...], "summary": [...]}``."""
        return {"criteria": [c.to_json(self.lang) for c in self.criteria],
                "summary": [c.to_json() for c in self.summary]}

    def detail_json(self) -> dict[str, Any]:
        """Everything, for the service: the contract plus coverage, flags, LLM rewrites and the rubric."""
        payload = self.to_json()
        for item, criterion in zip(payload["criteria"], self.criteria, strict=True):
            item.update(covered=criterion.covered, flags=[f.to_json() for f in criterion.flags],
                        rewrite=[{"text": c.text, "cites": list(c.cites)} for c in criterion.rewrite])
        payload.update(rubric={"name": self.rubric.name, "version": self.rubric.version},
                       flags=[f.to_json() for f in self.flags], lang=self.lang)
        return payload


Rewriter = Callable[[Criterion, tuple[Cited, ...]], "Sequence[Claim] | None"]


def llm_rewriter(settings: LlmSettings | None, lang: str = "zh") -> Rewriter | None:
    """The optional LLM rewrite of each criterion's summary (off unless ``AMREVIEW_LLM_URL`` is set).

    ``scorecards.llm.rewrite`` keeps a rewrite only when every claim is backed by the sentences it cites;
    the extractive summary is always kept beside it, so a judge can check the prose against the plan.
    """
    if settings is None:
        return None
    from scorecards.llm import Sentence as LlmSentence
    from scorecards.llm import rewrite

    def run(criterion: Criterion, summary: tuple[Cited, ...]) -> Sequence[Claim] | None:
        sentences = [LlmSentence(c.text, c.page, c.span) for c in summary]
        result = rewrite(criterion.name(lang), sentences, settings, lang=lang)
        return result.claims if result is not None else None

    return run


def rewriter_from_env(lang: str = "zh") -> Rewriter | None:
    import os

    if not os.environ.get("AMREVIEW_LLM_URL"):
        return None  # off by default: nothing of the adapter is even imported
    from scorecards.llm import LlmSettings

    return llm_rewriter(LlmSettings.from_env(), lang)


@dataclass
class _Context:
    document: Document
    rubric: Rubric
    sentences: list[Sentence]
    facts: list[Fact]
    applicant: str | None
    checks: list[Flag] = field(default_factory=list)


def prefill(document: Document, rubric: Rubric, *, facts: Sequence[Fact] | None = None,
            checks: Sequence[Mapping[str, Any]] = (), applicant: str | None = None, lang: str = "zh",
            rewriter: Rewriter | None = None) -> Prefill:
    """The pre-filled scorecard of ``document`` under ``rubric``.

    ``checks`` are the stored eligibility results (``{"rule", "status", "reason"}``); ``applicant`` is the
    registered entrant, or else the company the plan names most. ``rewriter`` is the optional LLM.
    """
    found = list(facts) if facts is not None else extract_facts(document)
    context = _Context(document, rubric, _quotable(document_sentences(document), rubric), found,
                       applicant or _named_company(found),
                       [Flag(str(c.get("rule")), str(c.get("status")), str(c.get("reason") or ""))
                        for c in checks if c.get("status") in FLAGGED])
    criteria = tuple(_criterion(context, criterion, lang, rewriter) for criterion in rubric.criteria)
    overview = _overview(context.sentences, min(5, rubric.summary_sentences + 2))
    return Prefill(rubric, criteria, overview, tuple(context.checks), lang)


def _quotable(sentences: list[Sentence], rubric: Rubric) -> list[Sentence]:
    ignored = tuple(w.lower() for w in rubric.ignore_sections)
    return [s for s in sentences if not any(w in title.lower() for title in s.sections for w in ignored)]


def _named_company(facts: Sequence[Fact]) -> str | None:
    names = [str(f.value) for f in facts if f.kind == "company_name"]
    return max(set(names), key=names.count) if names else None


def _criterion(context: _Context, criterion: Criterion, lang: str, rewriter: Rewriter | None) -> CriterionPrefill:
    pool, covered = _pool(context, criterion)
    summary = _summarise(pool, criterion.evidence.keywords, context.rubric.summary_sentences) \
        if len(pool) >= MIN_COVERED else ()
    findings = Findings(covered, "".join(s.text for s in pool), tuple(context.facts), context.applicant)
    questions = tuple(_format(q.text(lang), values) for q in criterion.questions
                      if (values := holds(q.condition, q.argument, findings)) is not None)
    facts = _facts_for(context.facts, criterion.evidence.facts)
    flags = tuple(f for f in context.checks if f.rule in criterion.evidence.flags)
    claims = tuple(rewriter(criterion, summary) or ()) if rewriter is not None and summary else ()
    return CriterionPrefill(criterion, covered, summary, facts, questions, flags, claims)


def _pool(context: _Context, criterion: Criterion) -> tuple[list[Sentence], bool]:
    """The sentences answering ``criterion``, and whether the plan covers it with sections of its own.

    Without such sections, keyword-rich sentences found elsewhere are still quoted (a revenue figure in
    the overview), but the criterion counts as not covered: the plan has no chapter on it, and the
    judge is prompted to ask.
    """
    everyone = [c.evidence.sections for c in context.rubric.criteria]
    words = tuple(w.lower() for w in criterion.evidence.sections)
    by_section = [s for s in context.sentences if _deciding_title_matches(s.sections, words, everyone)]
    if len(by_section) >= MIN_COVERED or not criterion.evidence.keywords:
        return by_section, len(by_section) >= MIN_COVERED
    found = [s for s in context.sentences if _keyword_hits(s.text, criterion.evidence.keywords) >= FALLBACK_KEYWORDS]
    return found, False


def _deciding_title_matches(titles: tuple[str, ...], words: tuple[str, ...],
                            everyone: list[tuple[str, ...]]) -> bool:
    """Whether the innermost title that any criterion claims is one of ``words``' (so a "（二）资金用途"
    under "八、融资计划" belongs to finance, and a "（三）人员结构与激励" under "六、团队介绍" to the team)."""
    for title in titles:
        lowered = title.lower()
        if any(w.lower() in lowered for group in everyone for w in group):
            return any(w in lowered for w in words)
    return False


def _keyword_hits(text: str, keywords: Sequence[str]) -> int:
    lowered = text.lower()
    return sum(1 for k in keywords if k.lower() in lowered)


def _summarise(pool: list[Sentence], keywords: Sequence[str], count: int) -> tuple[Cited, ...]:
    prior = np.array([1.0 + 0.5 * min(4, _keyword_hits(s.text, keywords)) + 0.5 * bool(_DIGIT.search(s.text))
                      + 0.3 * s.first for s in pool])
    return _ranked(pool, prior, count)


def _overview(sentences: list[Sentence], count: int) -> tuple[Cited, ...]:
    """The plan in a few sentences: central ones, favouring the overview chapter and topic sentences."""
    overview = [s for s in sentences if any(w in t.lower() for t in s.sections for w in OVERVIEW_WORDS)]
    pool = overview if len(overview) >= count else sentences
    if len(pool) < MIN_COVERED:
        return tuple(Cited(s.text, s.page, (s.start, s.end)) for s in pool)
    return _ranked(pool, np.array([1.0 + 0.5 * s.first + 0.5 * bool(_DIGIT.search(s.text)) for s in pool]), count)


def _ranked(pool: list[Sentence], prior: np.ndarray, count: int) -> tuple[Cited, ...]:
    if len(pool) > MAX_POOL:
        keep = np.sort(np.argsort(-prior, kind="stable")[:MAX_POOL])
        pool, prior = [pool[i] for i in keep], prior[keep]
    similarity = similarities([s.text for s in pool])
    chapters = [s.chapter for s in pool]
    chosen = sorted(pick(textrank(similarity, prior), similarity, count, chapters))  # in reading order
    return tuple(Cited(pool[i].text, pool[i].page, (pool[i].start, pool[i].end)) for i in chosen)


def _facts_for(facts: Sequence[Fact], kinds: Sequence[str]) -> tuple[Fact, ...]:
    """Facts of ``kinds``, each (kind, value, year) once, in text order."""
    seen: set[tuple[Any, ...]] = set()
    chosen = []
    for fact in facts:
        key = (fact.kind, str(fact.value), fact.attributes.get("year"))
        if fact.kind in kinds and key not in seen:
            seen.add(key)
            chosen.append(fact)
    return tuple(chosen[:MAX_FACTS])


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(template: str, values: Mapping[str, Any]) -> str:
    """The question with its values; a placeholder without a value is left as written, never an error."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format_map(_Blank({k: v for k, v in values.items() if k in names})) if names else template
