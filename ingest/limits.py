"""Limits that bound the time and memory a hostile or broken file can cost.

Every reader checks these before it allocates: sizes are checked from headers and
directories, never by decompressing first.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from ingest.errors import Refused

MB = 1024 * 1024


def format_size(size: int) -> str:
    """A size for people: "50 MB", "1.5 MB", "980 KB", "12 bytes"."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Limits:
    max_bytes: int = field(default_factory=lambda: _env_int("AMREVIEW_MAX_UPLOAD_MB", 50) * MB)
    max_pages: int = 1000
    max_page_side_pt: float = 14400.0  # 5.08 m: the largest page any office tool makes is far smaller
    max_unzipped_bytes: int = 300 * MB
    max_compression_ratio: int = 200
    max_members: int = 500
    max_image_pixels: int = 120_000_000
    max_seconds: float = 600.0
    max_memory_bytes: int = 3 * 1024 * MB
    ocr_dpi: int = 150


    def check_size(self, size: int) -> None:
        """Refuse a file of ``size`` bytes over ``max_bytes`` (the one wording every entry point uses)."""
        if size > self.max_bytes:
            raise Refused("too_large", f"the file is {format_size(size)}; the limit is {format_size(self.max_bytes)}")


DEFAULT_LIMITS = Limits()


class Deadline:
    """Cooperative time budget: readers call ``check`` between pages."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._seconds = seconds

    def check(self, where: str = "") -> None:
        if time.monotonic() > self._end:
            at = f" (at {where})" if where else ""
            raise Refused("timeout", f"parsing took longer than the {self._seconds:.0f} s limit{at}")
