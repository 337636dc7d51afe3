"""Banded LSH: candidate pairs against brute force, keys, and the persistent SQLite index."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest

from similarity.lsh import (
    BANDS,
    NO_KEY,
    ROWS,
    BandIndex,
    band_key_matrix,
    band_keys,
    candidate_pairs,
    estimated_resemblance,
)
from similarity.minhash import BINS, EMPTY, jaccard, signature
from similarity.units import shingles
from tests.similarity.test_minhash import random_text

EMPTY_SIGNATURE = np.full(BINS, EMPTY, dtype=np.uint64)


def corpus(count: int = 300, length: int = 400) -> list[np.ndarray]:
    """Families of three: a text and two edited copies at resemblances spread over 0.2–1."""
    rng = random.Random(6)
    sets = []
    for _ in range(count // 3):
        base = random_text(rng, length)
        sets.append(shingles(base))
        for _ in range(2):
            keep = rng.randint(length // 3, length)
            start = rng.randint(0, length - keep)
            sets.append(shingles(random_text(rng, start) + base[start:start + keep]
                                 + random_text(rng, length - keep - start)))
    return sets


def test_candidate_pairs_find_every_pair_at_0_6_and_few_others() -> None:
    sets = corpus()
    matrix = np.stack([signature(h) for h in sets])
    found = candidate_pairs(band_key_matrix(matrix))
    assert found.dtype == np.int64 and found.shape[1] == 2
    assert (found[:, 0] < found[:, 1]).all()
    assert len({tuple(p) for p in found.tolist()}) == len(found)  # distinct
    assert found.tolist() == sorted(found.tolist())
    exact = {(i, j): jaccard(sets[i], sets[j]) for i, j in itertools.combinations(range(len(sets)), 2)}
    close = {p for p, s in exact.items() if s >= 0.6}
    listed = {tuple(p) for p in found.tolist()}
    assert len(close) > 80 and close <= listed
    unrelated = {p for p, s in exact.items() if s < 0.05}
    assert len(listed & unrelated) < 0.001 * len(unrelated)
    estimates = estimated_resemblance(matrix, found)
    errors = [abs(e - exact[tuple(p)]) for e, p in zip(estimates.tolist(), found.tolist(), strict=True)]
    assert max(errors) < 0.2


def test_candidate_pairs_equal_brute_force_on_any_key_matrix() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 6, size=(40, 4)).astype(np.int64)  # few values: long runs of equal keys
    keys[rng.random(keys.shape) < 0.2] = NO_KEY
    expected = sorted((i, j) for i, j in itertools.combinations(range(40), 2)
                      if any(keys[i, b] == keys[j, b] != NO_KEY for b in range(4)))
    assert [tuple(p) for p in candidate_pairs(keys).tolist()] == expected
    assert candidate_pairs(np.empty((0, BANDS), dtype=np.int64)).shape == (0, 2)


def test_band_keys_are_salted_signed_and_skip_empty_signatures() -> None:
    flat = np.full(BINS, 12345, dtype=np.uint64)  # every band holds the same bins
    keys = band_keys(flat)
    assert keys.dtype == np.int64 and len(keys) == BANDS and len(set(keys.tolist())) == BANDS
    assert BANDS * ROWS <= BINS
    assert len(band_keys(EMPTY_SIGNATURE)) == 0
    matrix = band_key_matrix(np.stack([flat, EMPTY_SIGNATURE, EMPTY_SIGNATURE]))
    assert (matrix[1:] == NO_KEY).all() and (matrix[0] != NO_KEY).all()
    assert len(candidate_pairs(matrix)) == 0  # two empty texts are not a pair


def test_band_index_persists_answers_replaces_and_removes(tmp_path: Path) -> None:
    rng = random.Random(8)
    base = random_text(rng, 3000)
    copy = base[:2400] + random_text(rng, 600)  # J ≈ 0.67
    other = random_text(rng, 3000)
    path = tmp_path / "data" / "similarity" / "bands.sqlite"
    with BandIndex(path) as index:
        index.add_many([("doc:1", signature(shingles(base))), ("doc:2", signature(shingles(other)))])
        index.add("ref:5", EMPTY_SIGNATURE)
    with BandIndex(path) as index:  # reopened: everything is in the file
        assert len(index) == 3 and "doc:1" in index and "ref:5" in index and "doc:9" not in index
        [(doc, estimate)] = index.candidates(signature(shingles(copy)))
        assert doc == "doc:1" and abs(estimate - jaccard(shingles(base), shingles(copy))) < 0.15
        assert index.candidates(signature(shingles(base)), exclude="doc:1") == []
        assert index.candidates(EMPTY_SIGNATURE) == []  # an empty text is nobody's candidate
        assert (index.signature_of("doc:2") == signature(shingles(other))).all()
        index.add("doc:3", signature(shingles(copy)))
        found = index.candidates(signature(shingles(base)))
        assert [d for d, _ in found] == ["doc:1", "doc:3"] and found[0][1] == 1.0
        assert index.candidates(signature(shingles(base)), limit=1) == found[:1]
        index.add("doc:1", signature(shingles(other)))  # replaced: the old bands go with the old signature
        assert [d for d, _ in index.candidates(signature(shingles(base)))] == ["doc:3"]
        assert [d for d, _ in index.candidates(signature(shingles(other)))] == ["doc:1", "doc:2"]
        assert index.remove("doc:2") and not index.remove("doc:2")
    with BandIndex(path) as index:
        assert list(index.docs()) == ["ref:5", "doc:3", "doc:1"]  # in the order they were (last) added
        assert [d for d, _ in index.candidates(signature(shingles(other)))] == ["doc:1"]
        assert index.signature_of("doc:2") is None and len(index) == 3


def test_a_failed_write_leaves_the_index_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import similarity.lsh

    first = signature(shingles(random_text(random.Random(2), 500)))
    with BandIndex(tmp_path / "bands.sqlite") as index:
        index.add("doc:1", first)

        def broken(_: np.ndarray) -> np.ndarray:
            raise RuntimeError("disk gone")  # after the docs rows are written, before the bands are

        monkeypatch.setattr(similarity.lsh, "band_key_matrix", broken)
        with pytest.raises(RuntimeError):
            index.add_many([("doc:2", first), ("doc:3", EMPTY_SIGNATURE)])
        monkeypatch.undo()
        assert list(index.docs()) == ["doc:1"] and (index.signature_of("doc:1") == first).all()
        assert [d for d, _ in index.candidates(first)] == ["doc:1"]
