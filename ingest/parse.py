"""Entry point of ingest: bytes in, Documents (or specific refusals) out.

``parse_bytes`` reads one document; ``iter_parse`` also expands ZIP bundles, yielding one
result per member so a refused member never stops the rest of the bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest import sniff as sniffing
from ingest.archive import open_zip, read_member, safe_member_name
from ingest.document import Document
from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS, Limits
from ingest.readers.base import ReadContext

Reader = Callable[[bytes, ReadContext], Document]

_SKIPPED_MEMBERS = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass
class ParseResult:
    """One file's outcome: a Document, or the refusal that says why there is none."""

    name: str
    document: Document | None = None
    error: Refused | None = None
    data: bytes | None = None  # a bundle member's own bytes, so the caller can store the original

    def as_dict(self) -> dict:
        if self.document is not None:
            return {"file": self.name, **self.document.model_dump(mode="json")}
        assert self.error is not None
        return {"file": self.name, "error": self.error.reason, "code": self.error.code}


def _reader(media_type: str) -> Reader:
    # Readers are imported on demand: a CLI run over DOCX files never loads pdfium or OCR.
    if media_type == sniffing.PDF:
        from ingest.readers.pdf import read_pdf

        return read_pdf
    if media_type == sniffing.DOCX:
        from ingest.readers.docx import read_docx

        return read_docx
    if media_type in sniffing.IMAGE_TYPES:
        from ingest.readers.image import read_image

        return read_image
    raise Refused("unsupported_type", f"no reader for {media_type}")


def parse_bytes(data: bytes, filename: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
                ocr: bool = True) -> Document:
    """Read one document (not a bundle); raises ``Refused`` with the specific reason."""
    _check_size(data, limits)
    sniffed = sniffing.sniff(data, filename)
    if sniffed.media_type == sniffing.ZIP:
        raise Refused("nested_archive" if filename and "!" in filename else "unsupported_type",
                      "a ZIP bundle holds several documents: read it with iter_parse")
    return _read(data, filename, sniffed, limits, ocr)


def iter_parse(data: bytes, filename: str, *, limits: Limits = DEFAULT_LIMITS,
               ocr: bool = True) -> Iterator[ParseResult]:
    """One result per document: the file itself, or each member of a ZIP bundle."""
    try:
        _check_size(data, limits)
        sniffed = sniffing.sniff(data, filename)
        if sniffed.media_type == sniffing.ZIP:
            yield from _iter_bundle(data, filename, limits, ocr)
            return
        yield ParseResult(filename, document=_read(data, filename, sniffed, limits, ocr))
    except Refused as refusal:
        yield ParseResult(filename, error=refusal)


def parse_path(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, ocr: bool = True) -> list[ParseResult]:
    path = Path(path)
    size = path.stat().st_size
    try:
        limits.check_size(size)  # refuse before reading a huge file into memory
    except Refused as refusal:
        return [ParseResult(str(path), error=refusal)]
    return list(iter_parse(path.read_bytes(), str(path), limits=limits, ocr=ocr))


def _read(data: bytes, filename: str | None, sniffed: sniffing.Sniffed, limits: Limits, ocr: bool) -> Document:
    ctx = ReadContext(sha256=hashlib.sha256(data).hexdigest(), media_type=sniffed.media_type,
                      filename=filename, limits=limits, ocr=ocr)
    try:
        document = _reader(sniffed.media_type)(data, ctx)
    except Refused:
        raise
    except MemoryError as exc:
        raise Refused("memory", "the document needs more memory than the parser may use") from exc
    except RecursionError as exc:
        raise Refused("corrupt", "the document's structure is nested too deeply to read") from exc
    if sniffed.mislabelled:
        document.warnings.insert(0, _warning("mislabelled", sniffed.mislabelled))
    if not document.text.strip():
        document.warnings.append(_warning("no_text", "no text was found in the document"))
    return document


def _iter_bundle(data: bytes, filename: str, limits: Limits, ocr: bool) -> Iterator[ParseResult]:
    archive = open_zip(data, limits, "ZIP bundle")
    with archive:
        for info in archive.infolist():
            if info.is_dir() or any(skip in info.filename for skip in _SKIPPED_MEMBERS):
                continue
            name = f"{filename}!{info.filename}"
            member: bytes | None = None
            try:
                safe_member_name(info.filename)
                member = read_member(archive, info.filename, limits)
                _check_size(member, limits)
                sniffed = sniffing.sniff(member, info.filename)
                if sniffed.media_type == sniffing.ZIP:
                    raise Refused("nested_archive", f"{info.filename!r} is a ZIP inside the bundle; "
                                  "nested archives are not opened")
                yield ParseResult(name, document=_read(member, info.filename, sniffed, limits, ocr), data=member)
            except Refused as refusal:
                yield ParseResult(name, error=refusal, data=member)


def _check_size(data: bytes, limits: Limits) -> None:
    limits.check_size(len(data))



def _warning(code: str, message: str):  # type: ignore[no-untyped-def]
    from ingest.document import DocumentWarning

    return DocumentWarning(code=code, message=message)
