"""The seven segments of the contest (参赛项目报名领域) and the classifier's settings, as data.

Segment ids are the contest's own numbers (1–7): registrations carry them, panels are formed by them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
SEGMENT_IDS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Segment:
    id: int
    zh: str
    en: str
    description_zh: str
    description_en: str

    def name(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Settings:
    """How scores become answers.

    ``secondary_threshold``: every other segment scoring at least this is reported as secondary.
    ``fit_threshold``: a declared segment that is not the primary still fits when it scores at least
    this (a strong secondary: a dental resin declared under materials is not a mistake).
    """

    secondary_threshold: float = 0.2
    fit_threshold: float = 0.3


@functools.lru_cache(maxsize=1)
def config() -> dict:  # type: ignore[type-arg]
    """``data/segments.yaml`` as read (segments, classifier settings, section weights)."""
    return yaml.safe_load((DATA / "segments.yaml").read_text(encoding="utf-8"))


def segments() -> dict[int, Segment]:
    """The seven segments by id."""
    return {int(k): Segment(int(k), **v) for k, v in config()["segments"].items()}


def settings() -> Settings:
    return Settings(**config().get("classifier", {}))
