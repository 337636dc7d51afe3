"""Decide what a file is from its bytes, never from its name or the client's content type."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from ingest.errors import Refused

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"

IMAGE_TYPES = (PNG, JPEG, TIFF)

_EXTENSION_TYPES = {
    ".pdf": PDF, ".docx": DOCX, ".zip": ZIP, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
    ".tif": TIFF, ".tiff": TIFF,
}

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .wps, .xls, .ppt (Compound File Binary)


@dataclass(frozen=True)
class Sniffed:
    media_type: str
    mislabelled: str | None = None  # why the name disagrees with the content, if it does


def sniff(data: bytes, filename: str | None = None) -> Sniffed:
    """Media type of ``data``; raises ``Refused`` for anything amreview does not read."""
    if not data:
        raise Refused("empty", "the file is empty (0 bytes)")
    media_type = _from_magic(data)
    return Sniffed(media_type, _mislabel_note(media_type, filename))


def _from_magic(data: bytes) -> str:
    head = data[:1024]
    # Formats whose magic must sit at offset 0 first: a stored ZIP holding a PDF has "%PDF-"
    # in its first kilobyte too, and PDF readers accept the header anywhere in that kilobyte.
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(_OLE_MAGIC):
        raise Refused(
            "legacy_office",
            "legacy binary Office/WPS file (.doc/.wps/.xls): save it as DOCX or PDF and upload again",
        )
    if b"%PDF-" in head:
        return PDF
    if head.lstrip().startswith((b"{\\rtf",)):
        raise Refused("unsupported_type", "RTF is not accepted: save it as DOCX or PDF")
    raise Refused("unsupported_type", f"not a PDF, DOCX, PNG, JPEG, TIFF or ZIP file ({_looks_like(head)})")


def _zip_kind(data: bytes) -> str:
    """A DOCX is a ZIP with a Word main part; any other ZIP is a bundle."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Refused("corrupt", f"damaged ZIP container: {exc}") from exc
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        raise Refused("unsupported_type", "Excel/PowerPoint files are not accepted as documents")
    if "mimetype" in names and any(n.startswith("META-INF/") for n in names):
        raise Refused("unsupported_type", "OpenDocument/EPUB files are not accepted: save as DOCX or PDF")
    return ZIP


def _mislabel_note(media_type: str, filename: str | None) -> str | None:
    if not filename or "." not in filename:
        return None
    extension = "." + filename.rsplit(".", 1)[-1].lower()
    claimed = _EXTENSION_TYPES.get(extension)
    if claimed is None or claimed == media_type:
        return None
    return f"the name says {extension} but the content is {media_type}; read as {media_type}"


def _printable(raw: bytes) -> str:
    return repr(raw)[2:-1]


def _looks_like(head: bytes) -> str:
    """What the refused content seems to be, for the person who uploaded it."""
    text = head[:200].decode("utf-8", "ignore")
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return "it is plain text"
    return f"content starts with {_printable(head[:8])}"
