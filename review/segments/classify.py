"""Classify a text or a parsed document: a score for every segment, primary, secondary, evidence.

A long document is read passage by passage (``passages.py``): each passage's text-model margins
are averaged with its section's weight, its lexicon terms counted with that weight, and the two
combined once for the whole document, so a plan's technology chapters decide and its finance
chapter does not. Evidence is what a reviewer can check: the lexicon terms and the text model's
strongest words for each top segment, and the sentences that speak most for it, each with the span
(and page) it came from — ``source[span[0]:span[1]] == evidence["text"]`` always holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ingest.document import Document
from ingest.text import normalize
from review.segments.catalogue import SEGMENT_IDS, Settings
from review.segments.classifier import SegmentModel, softmax, text_hits
from review.segments.lexicon import Hit, Lexicon
from review.segments.lexicon import scores as lexicon_scores
from review.segments.passages import Passage, document_passages, sentences, text_passages

TERMS_PER_SEGMENT = 6
MODEL_TERMS_PER_SEGMENT = 3
SENTENCES_PER_SEGMENT = 2
FULL_WEIGHT_CHARS = 200  # a passage shorter than this counts in proportion to its length


@dataclass
class Classification:
    """Scores for all seven segments, best first, and what drove the top ones."""

    scores: list[tuple[int, float]]
    secondary: list[int]
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def primary(self) -> int:
        return self.scores[0][0]

    def score_of(self, segment: int) -> float:
        return dict(self.scores)[segment]

    def to_json(self) -> dict[str, Any]:
        return {"primary": self.primary, "secondary": self.secondary,
                "segments": [{"segment": s, "score": round(p, 4)} for s, p in self.scores],
                "evidence": self.evidence}


@dataclass(frozen=True)
class _Located:
    """A lexicon hit with its span in the source and the passage it sits in."""

    hit: Hit
    start: int
    end: int
    passage: int


class Classifier:
    """The model, the lexicon and the settings, applied to texts and documents."""

    def __init__(self, model: SegmentModel, lexicon: Lexicon, settings: Settings) -> None:
        self.model, self.lexicon, self.settings = model, lexicon, settings

    def classify_text(self, text: str) -> Classification:
        return self._classify(text, text_passages(text))

    def classify_document(self, document: Document) -> Classification:
        return self._classify(document.text, document_passages(document))

    def classify_texts(self, texts: Sequence[str]) -> list[Classification]:
        """Many short texts, their passages and sentences read by the text model in two batches (throughput:
        the text model costs little per text and much per call)."""
        cut = [text_passages(t) for t in texts]
        spans = [[(s, e) for p in passages for s, e in sentences(p)] for passages in cut]
        pieces = [p.text for passages in cut for p in passages] + [t[s:e] for t, sp in zip(texts, spans, strict=True)
                                                                   for s, e in sp]
        margins = self.model.margins(pieces) if pieces else np.zeros((0, len(SEGMENT_IDS)))
        results, row = [], 0
        sentence_row = sum(len(passages) for passages in cut)
        for text, passages, sentence_spans in zip(texts, cut, spans, strict=True):
            known = dict(zip(sentence_spans, margins[sentence_row:sentence_row + len(sentence_spans)], strict=True))
            results.append(self._classify(text, passages, margins[row:row + len(passages)], known))
            row += len(passages)
            sentence_row += len(sentence_spans)
        return results

    # ------------------------------------------------------------------ scoring

    def _classify(self, source: str, passages: list[Passage], margins: np.ndarray | None = None,
                  known: dict[tuple[int, int], np.ndarray] | None = None) -> Classification:
        if not passages:  # nothing to read: no segment is more likely than another
            even = 1 / len(SEGMENT_IDS)
            return Classification([(s, even) for s in SEGMENT_IDS], [])
        if margins is None:
            margins = self.model.margins([p.text for p in passages])
        weights = np.array([p.weight * min(1.0, len(p.text.strip()) / FULL_WEIGHT_CHARS) for p in passages])
        # relative to the best passage: a one-passage text counts its terms fully, as in training
        weights = weights / weights.max() if weights.max() > 0 else np.ones(len(passages))
        located = self._hits(passages)
        mass = lexicon_scores([item.hit for item in located], [float(weights[item.passage]) for item in located])
        margin = (weights[:, None] * margins).sum(axis=0) / weights.sum()
        probabilities = self.model.combiner.probabilities(margin, mass)
        order = np.argsort(-probabilities, kind="stable")
        scores = [(SEGMENT_IDS[i], float(probabilities[i])) for i in order]
        secondary = [s for s, p in scores[1:] if p >= self.settings.secondary_threshold]
        result = Classification(scores, secondary)
        top = [result.primary, *secondary] if secondary else [s for s, _ in scores[:2]]
        passage_probabilities = softmax(self.model.combiner.a * margins)
        known = {**(known or {}), **{(p.start, p.end): margins[i] for i, p in enumerate(passages)}}
        result.evidence = self._evidence(source, passages, located, weights, known, passage_probabilities, top)
        return result

    def _hits(self, passages: list[Passage]) -> list[_Located]:
        return [_Located(hit, passage.start + start, passage.start + end, index)
                for index, passage in enumerate(passages)
                for hit, (start, end) in text_hits(self.lexicon, passage.text)]

    # ------------------------------------------------------------------ evidence

    def _evidence(self, source: str, passages: list[Passage], located: list[_Located], weights: np.ndarray,
                  known: dict[tuple[int, int], np.ndarray], passage_probabilities: np.ndarray,
                  top: list[int]) -> list[dict[str, Any]]:
        evidence: list[dict[str, Any]] = []
        candidates: list[tuple[int, int, int, int]] = []  # (segment, passage, start, end) of candidate sentences
        for segment in top:
            column = SEGMENT_IDS.index(segment)
            terms = self._term_evidence(source, passages, located, weights, segment)
            evidence.extend(terms)
            ranked = np.argsort(-(weights * passage_probabilities[:, column]), kind="stable")[:3]
            evidence.extend(self._model_terms(source, passages, int(ranked[0]), segment,
                                              {e["text"].lower() for e in terms}))
            candidates.extend((segment, int(i), s, e) for i in ranked for s, e in sentences(passages[int(i)]))
        evidence.extend(self._sentence_evidence(source, passages, located, weights, known, candidates))
        return evidence

    def _term_evidence(self, source: str, passages: list[Passage], located: list[_Located], weights: np.ndarray,
                       segment: int) -> list[dict[str, Any]]:
        best: dict[str, tuple[float, _Located]] = {}
        for item in located:
            weight = item.hit.term.weights.get(segment)
            if weight is None:
                continue
            value = weight * weights[item.passage]
            if item.hit.term.text not in best or value > best[item.hit.term.text][0]:
                best[item.hit.term.text] = (value, item)
        ranked = sorted(best.values(), key=lambda pair: -pair[0])[:TERMS_PER_SEGMENT]
        return [_item(source, passages, segment, "term", "lexicon", item.start, item.end, item.passage,
                      weight=round(item.hit.term.weights[segment], 2))
                for _, item in ranked]

    def _model_terms(self, source: str, passages: list[Passage], index: int, segment: int,
                     seen: set[str]) -> list[dict[str, Any]]:
        """The text model's strongest words for ``segment`` in the passage that speaks most for it."""
        passage = passages[index]
        normalised = normalize(passage.text, simplified=True)
        out = []
        for word, contribution in self.model.word_contributions(passage.text, segment):
            at = normalised.text.find(word)
            if at < 0 or word in seen or len(out) >= MODEL_TERMS_PER_SEGMENT:
                continue  # digits were folded to 0 for the model: such a word is not in the text as written
            start, end = normalised.source_span(at, at + len(word))
            seen.add(word)
            out.append(_item(source, passages, segment, "term", "model", passage.start + start, passage.start + end,
                             index, weight=round(contribution, 3)))
        return out

    def _sentence_margins(self, source: str, known: dict[tuple[int, int], np.ndarray],
                          candidates: list[tuple[int, int, int, int]]) -> np.ndarray:
        """Text-model margins of candidate sentences, read in one batch; ``known`` has those already read
        (a sentence that is its whole passage, or every sentence of a batch of short texts)."""
        known = dict(known)
        unknown = sorted({(s, e) for _, _, s, e in candidates if (s, e) not in known})
        if unknown:
            known.update(zip(unknown, self.model.margins([source[s:e] for s, e in unknown]), strict=True))
        return np.array([known[(s, e)] for _, _, s, e in candidates])

    def _sentence_evidence(self, source: str, passages: list[Passage], located: list[_Located], weights: np.ndarray,
                           known: dict[tuple[int, int], np.ndarray],
                           candidates: list[tuple[int, int, int, int]]) -> list[dict[str, Any]]:
        """Per segment, the sentences whose own text model and lexicon scores speak most for it."""
        if not candidates:
            return []
        margins = self._sentence_margins(source, known, candidates)
        chosen: dict[int, list[tuple[float, int, int, int]]] = {}
        for row, (segment, index, start, end) in enumerate(candidates):
            column = SEGMENT_IDS.index(segment)
            lexicon = sum(item.hit.term.weights.get(segment, 0.0) for item in located
                          if start <= item.start and item.end <= end)
            value = weights[index] * (self.model.combiner.a * margins[row, column]
                                      + self.model.combiner.b * math.log1p(lexicon))
            chosen.setdefault(segment, []).append((value, index, start, end))
        out = []
        for segment, options in chosen.items():
            spans: set[tuple[int, int]] = set()
            for value, index, start, end in sorted(options, key=lambda o: -o[0]):
                if (start, end) in spans or len(spans) >= SENTENCES_PER_SEGMENT:
                    continue
                spans.add((start, end))
                out.append(_item(source, passages, segment, "sentence", "lexicon+model", start, end, index,
                                 weight=round(float(value), 3)))
        return out


def _item(source: str, passages: list[Passage], segment: int, kind: str, origin: str, start: int, end: int,
          index: int, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"segment": segment, "text": source[start:end], "span": [start, end], "kind": kind,
                            "by": origin, **extra}
    if passages[index].page is not None:
        item["page"] = passages[index].page
    if passages[index].section:
        item["section"] = passages[index].section
    return item
