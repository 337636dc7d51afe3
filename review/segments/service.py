"""The segment classifier as the rest of the service uses it: the live model, corrections, retraining.

Where no model was trained yet (a fresh data directory), the first use trains one from the shipped
corpus and the stored corrections and makes it live. Training from the same examples always gives
the same model, so it is also kept in a per-user cache keyed by the examples' digest: a second
process, or a second data directory, loads it instead of training again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ingest.database import session_scope
from ingest.document import Document
from ingest.settings import load_settings
from review.segments import classifier as classifier_module
from review.segments import store
from review.segments.catalogue import DATA, settings
from review.segments.classifier import FORMAT, Example, SegmentModel, language, train
from review.segments.classify import Classifier
from review.segments.evaluate import figures_by_language
from review.segments.lexicon import shipped_lexicon
from review.segments.models import CORRECTION_TEXT_CHARS, SegmentCorrection
from review.segments.passages import document_passages

log = logging.getLogger(__name__)
_cache = store.ModelCache()
_train_lock = threading.RLock()  # re-entered: the live-model lock is held while the cache one is taken
CACHE_KEEP = 4
WORSE_BY = 0.02  # a retrain whose cross-validated macro-F1 falls this far below the live model's is not used


def corpus_examples() -> list[Example]:
    """The project's own training texts (``data/corpus*.jsonl``)."""
    examples = []
    for path in sorted(DATA.glob("corpus*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                examples.append(Example(row["text"], int(row["segment"]), row.get("lang") or language(row["text"])))
    return examples


def correction_examples(session: Session) -> list[Example]:
    """Every stored correction; of a submission corrected twice, only the latest (it replaced the first)."""
    latest: dict[object, SegmentCorrection] = {}
    for row in session.scalars(select(SegmentCorrection).order_by(SegmentCorrection.id)):
        latest[row.submission_id if row.submission_id is not None else ("text", row.id)] = row
    rows = sorted(latest.values(), key=lambda r: r.id)
    return [Example(r.text, r.segment, language(r.text), "correction") for r in rows]


def all_examples() -> list[Example]:
    """The corpus and every stored correction; the corpus alone where there is no database yet
    (``amreview classify`` on a machine that never ran the service)."""
    try:
        with session_scope() as session:
            return corpus_examples() + correction_examples(session)
    except SQLAlchemyError as exc:
        log.warning("segment corrections not read (%s): training on the corpus alone", exc.__class__.__name__)
        return corpus_examples()


def _digest(examples: list[Example]) -> str:
    """What a trained model depends on: the examples, the lexicon, the model's code and library version."""
    h = hashlib.sha256(f"{FORMAT}|{sklearn.__version__}|".encode())
    h.update((DATA / "lexicon.yaml").read_bytes())
    h.update(Path(classifier_module.__file__).read_bytes())
    for e in examples:
        h.update(f"{e.segment}\x00{e.text}\x01".encode())
    return h.hexdigest()[:32]


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "amreview" / "segments"


@contextmanager
def _file_lock(directory: Path) -> Iterator[None]:
    """One trainer at a time across processes (two workers finding no model both want one)."""
    directory.mkdir(parents=True, exist_ok=True)
    with _train_lock, open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Retrained:
    model: SegmentModel
    card: dict[str, Any]


def retrain_from(examples: list[Example]) -> Retrained:
    """Train on ``examples``; the card carries the cross-validated figures per language."""
    trained = train(examples, shipped_lexicon())
    figures = figures_by_language(trained.labels, trained.oof_probabilities, [e.lang for e in examples])
    card = {"trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "examples": len(examples),
            "corrections": sum(e.origin == "correction" for e in examples), "digest": _digest(examples),
            "combiner": {"a": round(trained.model.combiner.a, 3), "b": round(trained.model.combiner.b, 3)},
            "cross_validated": {lang: f.summary() for lang, f in figures.items()}}
    return Retrained(trained.model, card)


def _cached_or_trained(examples: list[Example]) -> tuple[SegmentModel, dict[str, Any]]:
    cache = _cache_dir()
    digest = _digest(examples)
    path = cache / f"{digest}.joblib"
    with _file_lock(cache):
        stored = store.read(path)
        if stored is not None:
            return stored.model, stored.card
        result = retrain_from(examples)
        card = {**result.card, "format": FORMAT, "sklearn": sklearn.__version__}
        staged = cache / f".{digest}-{os.getpid()}.joblib"
        joblib.dump(result.model, staged)
        path.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")
        os.replace(staged, path)
        _prune(cache)
        return result.model, card


def _prune(cache: Path, keep: int = CACHE_KEEP) -> None:
    """Only the latest few cached models stay: each correction makes a new set of examples."""
    models = sorted(cache.glob("*.joblib"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in models[keep:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)


def live_model(data_dir: Path | None = None) -> SegmentModel:
    """The data directory's live model; trained (or taken from the cache) and made live if there is none."""
    directory = store.model_dir(data_dir or load_settings().data_dir)
    stored = _cache.get(directory)
    if stored is not None:
        return stored.model
    with _file_lock(directory):
        stored = _cache.get(directory)  # another process may have made it while we waited
        if stored is not None:
            return stored.model
        examples = all_examples()
        model, card = _cached_or_trained(examples)
        store.write(directory, model, card, keep_previous=False)
        log.info("segment model made live in %s (%d examples)", directory, len(examples))
    stored = _cache.get(directory)
    assert stored is not None
    return stored.model


def classifier(data_dir: Path | None = None) -> Classifier:
    return Classifier(live_model(data_dir), shipped_lexicon(), settings())


def model_cards(data_dir: Path | None = None) -> dict[str, dict[str, Any] | None]:
    return store.cards(store.model_dir(data_dir or load_settings().data_dir))


@dataclass(frozen=True)
class RetrainReport:
    replaced: bool
    reason: str
    card: dict[str, Any]
    previous: dict[str, Any] | None


def retrain(force: bool = False, data_dir: Path | None = None) -> RetrainReport:
    """Rebuild from the corpus and every correction; make it live unless it cross-validates worse.

    The figures are reported before anything is replaced; the live model is kept as ``previous``.
    """
    directory = store.model_dir(data_dir or load_settings().data_dir)
    model, card = _cached_or_trained(all_examples())  # the same examples train the same model: once
    live = store.cards(directory)["live"]
    worse = _worse(card, live)
    if worse and not force:
        return RetrainReport(False, worse, card, live)
    with _file_lock(directory):
        store.write(directory, model, card)
    return RetrainReport(True, "replaced the live model" + (f" although {worse}" if worse else ""), card, live)


def _worse(card: dict[str, Any], live: dict[str, Any] | None) -> str:
    """Why the new card is worse than the live one ("" when it is not), language by language."""
    if not live:
        return ""
    for lang, new in card["cross_validated"].items():
        old = live.get("cross_validated", {}).get(lang)
        if old and new["macro_f1"] < old["macro_f1"] - WORSE_BY:
            return f"{lang} macro-F1 {new['macro_f1']:.3f} is below the live model's {old['macro_f1']:.3f}"
    return ""


def training_text(document: Document) -> str:
    """What a retrain reads of a corrected document: its weightiest passages, up to the cap."""
    passages = sorted(document_passages(document), key=lambda p: -p.weight)
    chosen, total = [], 0
    for passage in passages:
        if total + len(passage.text) > CORRECTION_TEXT_CHARS:
            break
        chosen.append(passage)
        total += len(passage.text)
    return "\n".join(p.text for p in sorted(chosen, key=lambda p: p.start)) or document.text[:CORRECTION_TEXT_CHARS]


def record_correction(session: Session, segment: int, text: str, *, submission_id: int | None = None,
                      user_id: int | None = None, predicted: int | None = None, note: str = "") -> SegmentCorrection:
    correction = SegmentCorrection(submission_id=submission_id, user_id=user_id, segment=segment,
                                   predicted=predicted, text=text[:CORRECTION_TEXT_CHARS], note=note)
    session.add(correction)
    session.flush()
    return correction
