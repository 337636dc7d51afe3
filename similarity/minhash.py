"""MinHash signatures by one-permutation hashing: an estimate of two texts' resemblance in 1 KB each.

Classic MinHash hashes every shingle 128 times (one per permutation) and keeps each minimum: for a
20,000-character plan that is 2.5 million hash evaluations, about 23 ms with datasketch — 19 minutes
of one core for a year's worth of 100,000 documents. One-permutation hashing (Li, Owen & Zhang,
NIPS 2012) hashes each shingle once: the top 7 bits of its (already uniform) 64-bit hash choose one
of 128 bins and the rest is its value; a bin keeps its minimum. Two sets' bins agree with probability
equal to their Jaccard resemblance, as with 128 permutations, and the variance is no worse. Because
shingle hashes arrive sorted, each bin's minimum is simply the first hash that falls in it: one
``searchsorted``, well under a millisecond per plan.

A bin no shingle falls into (short texts) is filled by rotation densification (Shrivastava & Li,
ICML 2014): it borrows the next non-empty bin's value, offset by the distance, so that the collision
probability stays the resemblance.
"""

from __future__ import annotations

import numpy as np

BINS = 128
_BIN_BITS = 7  # 2**7 == BINS
_VALUE_BITS = 64 - _BIN_BITS
_VALUE_MASK = np.uint64((1 << _VALUE_BITS) - 1)
_EDGES = np.arange(BINS + 1, dtype=np.uint64)[:BINS] << np.uint64(_VALUE_BITS)
EMPTY = np.uint64(2**64 - 1)  # every bin of an empty text: resembles nothing


def signature(shingle_hashes: np.ndarray) -> np.ndarray:
    """The 128-value signature of a sorted array of distinct, uniform 64-bit shingle hashes."""
    if len(shingle_hashes) == 0:
        return np.full(BINS, EMPTY, dtype=np.uint64)
    firsts = np.searchsorted(shingle_hashes, _EDGES)
    stops = np.append(firsts[1:], len(shingle_hashes))
    filled = firsts < stops
    values = np.zeros(BINS, dtype=np.uint64)
    values[filled] = shingle_hashes[firsts[filled]] & _VALUE_MASK
    if filled.all():
        return values
    donors = np.flatnonzero(filled)
    bins = np.arange(BINS)
    donor_at = np.searchsorted(donors, bins) % len(donors)  # the next filled bin, wrapping round
    distance = (donors[donor_at] - bins) % BINS
    # The offset keeps borrowed values apart from the donor's own, as the rotation scheme requires.
    return values[donors[donor_at]] + (distance.astype(np.uint64) << np.uint64(_VALUE_BITS))


def signatures(shingle_sets: list[np.ndarray]) -> np.ndarray:
    """Signatures of many texts as one (n, 128) uint64 matrix."""
    matrix = np.empty((len(shingle_sets), BINS), dtype=np.uint64)
    for row, hashes in enumerate(shingle_sets):
        matrix[row] = signature(hashes)
    return matrix


def resemblance(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard resemblance of the two texts behind signatures ``a`` and ``b``."""
    if a[0] == EMPTY or b[0] == EMPTY:
        return 0.0
    return float(np.count_nonzero(a == b)) / BINS


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard resemblance of two sorted arrays of distinct shingle hashes."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)
