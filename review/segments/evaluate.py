"""Figures of a classifier on labelled texts: macro-F1, accuracy, top-2 accuracy, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score

from review.segments.catalogue import SEGMENT_IDS


@dataclass(frozen=True)
class Figures:
    count: int
    macro_f1: float
    accuracy: float
    top2: float
    confusion: list[list[int]]  # rows: true segment 1–7, columns: predicted

    def summary(self) -> dict[str, Any]:
        return {"count": self.count, "macro_f1": round(self.macro_f1, 4), "accuracy": round(self.accuracy, 4),
                "top2": round(self.top2, 4), "confusion": self.confusion}

    def render(self, title: str = "") -> str:
        """The figures and the confusion matrix as a plain-text table."""
        lines = [f"{title}{self.count} texts  macro-F1 {self.macro_f1:.3f}  accuracy {self.accuracy:.3f}  "
                 f"top-2 {self.top2:.3f}", "true\\pred " + "".join(f"{s:>5}" for s in SEGMENT_IDS)]
        for segment, row in zip(SEGMENT_IDS, self.confusion, strict=True):
            lines.append(f"{segment:>9} " + "".join(f"{n:>5}" for n in row))
        return "\n".join(lines)


def figures(labels: np.ndarray, probabilities: np.ndarray) -> Figures:
    """``labels``: column index (segment − 1) of the true segment; ``probabilities``: one row per text."""
    predicted = probabilities.argmax(axis=1)
    top2 = np.argsort(-probabilities, axis=1)[:, :2]
    columns = list(range(len(SEGMENT_IDS)))
    present = sorted(set(labels.tolist()) | set(predicted.tolist()))  # a segment absent from both is no error
    return Figures(len(labels),
                   float(f1_score(labels, predicted, labels=present, average="macro", zero_division=0))
                   if len(labels) else 0.0,
                   float((predicted == labels).mean()) if len(labels) else 0.0,
                   float((top2 == labels[:, None]).any(axis=1).mean()) if len(labels) else 0.0,
                   confusion_matrix(labels, predicted, labels=columns).tolist())


def figures_by_language(labels: np.ndarray, probabilities: np.ndarray, languages: Sequence[str]) -> dict[str, Figures]:
    """Figures for each language present, and for all texts together (``all``)."""
    languages_array = np.array(languages)
    out = {lang: figures(labels[languages_array == lang], probabilities[languages_array == lang])
           for lang in sorted(set(languages))}
    out["all"] = figures(labels, probabilities)
    return out
