"""Common text: grams that must not make two submissions look related.

Every business plan follows one template ("一、项目概述", "请简要介绍项目的技术来源…"), quotes the
same policies and defines the same terms; two plans sharing that text share nothing of their own.
Common grams come from two places:

* **learned**: a gram found in many of the stored documents (document frequency at least
  ``min_documents`` and ``min_share`` of them) is template text, whoever wrote it first;
* **reference texts to ignore**: an admin pastes the template itself, a policy document or a
  glossary, and every gram of it is common from then on.

The set is a sorted array of gram hashes (``similarity.units``), applied before MinHash (the
shingles) and before alignment (the seeds), kept as one ``.npy`` file written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from similarity.units import distinct, shingles

MIN_DOCUMENTS = 5  # below this, shared text is a handful of entries: exactly what integrity looks for
MIN_SHARE = 0.02


def text_grams(text: str) -> np.ndarray:
    """The distinct gram hashes of a text, sorted."""
    return shingles(text)


def learn(gram_sets: Iterable[np.ndarray], *, min_documents: int = MIN_DOCUMENTS,
          min_share: float = MIN_SHARE) -> np.ndarray:
    """Grams held by at least ``max(min_documents, min_share · documents)`` of the given documents."""
    sets = [s for s in gram_sets if len(s)]
    if not sets:
        return np.empty(0, dtype=np.uint64)
    values, counts = np.unique(np.concatenate(sets), return_counts=True)
    needed = max(min_documents, int(np.ceil(min_share * len(sets))))
    return values[counts >= needed]


def combine(*sets: np.ndarray) -> np.ndarray:
    present = [s for s in sets if len(s)]
    return distinct(np.concatenate(present)) if present else np.empty(0, dtype=np.uint64)


def save(path: Path, common: np.ndarray) -> None:
    """Write the set so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npy")
    np.save(partial, common.astype(np.uint64))
    os.replace(partial, path)


def load(path: Path) -> np.ndarray:
    if not path.exists():
        return np.empty(0, dtype=np.uint64)
    return np.load(path, allow_pickle=False).astype(np.uint64)
