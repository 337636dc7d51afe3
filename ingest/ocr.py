"""Offline OCR behind one small interface (implementation in progress)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image


@dataclass(frozen=True)
class OcrLine:
    """One recognised line; box is (x0, top, x1, bottom) in image pixels, origin top-left."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image) -> list[OcrLine]: ...


def get_engine() -> OcrEngine:
    """The process-wide OCR engine, loaded once."""
    raise NotImplementedError
