"""The live segment model and the one before it, kept in the data directory.

``models/segments/live.joblib`` is what every check and page uses; a retrain writes the new model
beside it and renames it into place (a reader never sees half a file), after moving the live one
to ``previous.joblib``, so a bad retrain can be rolled back. Each model has a ``.json`` card
beside it: when and from what it was trained, and its cross-validated figures.

Models are the project's own, trained from data it ships: nothing is downloaded. A process keeps
the model it loaded until the file changes (a retrain in another process, or the web service's
job), checked by modification time on each use.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn

from review.segments.classifier import FORMAT, SegmentModel

_lock = threading.Lock()


@dataclass(frozen=True)
class Stored:
    model: SegmentModel
    card: dict[str, Any]
    stamp: tuple[int, int]  # (mtime_ns, size) of the file it was read from


def model_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "segments"


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_mtime_ns, status.st_size


def read(path: Path) -> Stored | None:
    """A stored model, or None when there is none or it was made by an incompatible version."""
    card_path = path.with_suffix(".json")
    if not path.is_file() or not card_path.is_file():
        return None
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if card.get("format") != FORMAT or card.get("sklearn") != sklearn.__version__:
        return None  # retrained from the corpus and corrections instead: a pickle is only safe with its versions
    stamp = _stamp(path)
    model = joblib.load(path)
    return Stored(model, card, stamp) if isinstance(model, SegmentModel) else None


def write(directory: Path, model: SegmentModel, card: dict[str, Any], keep_previous: bool = True) -> Path:
    """Make ``model`` the live one; the live one before it becomes ``previous``."""
    directory.mkdir(parents=True, exist_ok=True)
    card = {**card, "format": FORMAT, "sklearn": sklearn.__version__}
    live = directory / "live.joblib"
    staged = directory / f".staged-{os.getpid()}-{threading.get_ident()}.joblib"
    joblib.dump(model, staged)
    staged.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    with _lock:
        if keep_previous and live.is_file():
            os.replace(live, directory / "previous.joblib")
            os.replace(live.with_suffix(".json"), directory / "previous.json")
        os.replace(staged.with_suffix(".json"), live.with_suffix(".json"))
        os.replace(staged, live)  # last: a reader that sees the new model finds its card
    return live


def restore_previous(directory: Path) -> bool:
    """Swap the live and the previous model (undo a retrain); False when there is no previous one."""
    live, previous = directory / "live.joblib", directory / "previous.joblib"
    if not previous.is_file():
        return False
    with _lock:
        swap = directory / ".swap.joblib"
        for a, b in ((live, swap), (previous, live), (swap, previous)):
            if a.is_file():
                os.replace(a, b)
            if a.with_suffix(".json").is_file():
                os.replace(a.with_suffix(".json"), b.with_suffix(".json"))
    return True


def cards(directory: Path) -> dict[str, dict[str, Any] | None]:
    """The live and previous models' cards (None when absent)."""
    out: dict[str, dict[str, Any] | None] = {}
    for name in ("live", "previous"):
        path = directory / f"{name}.json"
        out[name] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return out


class ModelCache:
    """The live model of a data directory, read again only when its file changed."""

    def __init__(self) -> None:
        self._loaded: dict[Path, Stored] = {}

    def get(self, directory: Path) -> Stored | None:
        path = directory / "live.joblib"
        try:
            stamp = _stamp(path)
        except FileNotFoundError:
            return None
        cached = self._loaded.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        stored = read(path)
        if stored is not None:
            self._loaded[path] = stored
        return stored
