"""TextRank (Mihalcea & Tarau 2004) over sentences, and a redundancy-aware pick of the best few.

Sentences are nodes; edges are the cosine similarity of their character-bigram TF-IDF vectors
(character bigrams need no word segmentation and work for Chinese and English alike). A biased
PageRank (the ``prior``) lets the caller favour sentences that carry the criterion's keywords or
figures, while centrality keeps the pick on what the section is mostly about.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

DAMPING = 0.75  # below PageRank's 0.85: the caller's prior should count against template-like centrality
MIN_SIMILARITY = 0.05  # weaker edges are noise from shared function characters
REDUNDANT = 0.5  # a sentence this similar to one already picked says the same thing again


def similarities(texts: Sequence[str]) -> np.ndarray:
    """The cosine similarity matrix of the texts (dense: pools are hundreds of sentences, not more)."""
    if len(texts) < 2:
        return np.ones((len(texts), len(texts)))
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), lowercase=True, sublinear_tf=True,
                              dtype=np.float32).fit_transform(texts)
    return (vectors @ vectors.T).toarray()


def textrank(similarity: np.ndarray, prior: np.ndarray | None = None, iterations: int = 60) -> np.ndarray:
    """Stationary scores of the biased random walk over the similarity graph (they sum to 1)."""
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    weights = np.where(similarity >= MIN_SIMILARITY, similarity, 0.0)
    np.fill_diagonal(weights, 0.0)
    out = weights.sum(axis=1, keepdims=True)
    # A sentence like no other jumps by the prior, as PageRank's dangling nodes do.
    bias = np.full(n, 1.0 / n) if prior is None else prior / prior.sum()
    transition = np.divide(weights, out, out=np.tile(bias, (n, 1)), where=out > 0)
    scores = bias.copy()
    for _ in range(iterations):
        updated = (1 - DAMPING) * bias + DAMPING * (scores @ transition)
        if np.abs(updated - scores).sum() < 1e-9:
            return updated
        scores = updated
    return scores


def pick(scores: np.ndarray, similarity: np.ndarray, count: int, groups: Sequence[str] | None = None) -> list[int]:
    """Indexes of up to ``count`` top-scoring sentences, skipping any too similar to one already picked.

    With ``groups`` (a sentence's chapter), the first pass takes at most one sentence per group, so a
    summary of a technology chapter quotes its route, its product and its IP rather than three
    sentences of one sub-section; a second pass fills up when there are fewer groups than places.
    """
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    chosen: list[int] = []
    for one_per_group in ((True, False) if groups is not None else (False,)):
        used = {groups[i] for i in chosen} if groups is not None else set()
        for index in order:
            if len(chosen) == count:
                return chosen
            if index in chosen or (one_per_group and groups is not None and groups[index] in used):
                continue
            if all(similarity[index, other] < REDUNDANT for other in chosen):
                chosen.append(index)
                if groups is not None:
                    used.add(groups[index])
    return chosen
