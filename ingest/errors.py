"""Why a file was refused: one exception type with a stable code and a reason for people."""

from __future__ import annotations


class Refused(Exception):
    """A file that will not be read, with a machine code and a specific, human reason.

    Codes are stable (tests, the API and the CLI rely on them): ``empty``, ``too_large``,
    ``unsupported_type``, ``legacy_office``, ``corrupt``, ``encrypted``, ``too_many_pages``,
    ``page_too_large``, ``zip_bomb``, ``xml_entities``, ``unsafe_path``, ``nested_archive``,
    ``too_many_members``, ``image_too_large``, ``timeout``, ``memory``, and ``parser_error`` for a
    fault of amreview's own (reported, never blamed on the file).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Refusals cross the sandbox's process boundary; the default pickling loses ``reason``.
        return (Refused, (self.code, self.reason))

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}
