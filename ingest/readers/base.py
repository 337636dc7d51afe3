"""What every reader receives: the file's identity, the limits and the OCR switch."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.document import DocumentBuilder
from ingest.limits import DEFAULT_LIMITS, Deadline, Limits


@dataclass
class ReadContext:
    sha256: str
    media_type: str
    filename: str | None = None
    limits: Limits = DEFAULT_LIMITS
    ocr: bool = True  # False: never run OCR, mark pages that needed it with a warning
    deadline: Deadline = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.deadline is None:
            self.deadline = Deadline(self.limits.max_seconds)

    def builder(self, parser: str) -> DocumentBuilder:
        return DocumentBuilder(self.sha256, self.media_type, self.filename, parser)
