"""Open ZIP containers (DOCX files and submission bundles) without trusting them.

Sizes come from the central directory and are checked before anything is
decompressed; reads are capped so a lying directory cannot inflate past them.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from ingest.errors import Refused
from ingest.limits import Limits


def open_zip(data: bytes, limits: Limits, what: str = "ZIP") -> zipfile.ZipFile:
    """A ZipFile whose directory passed the bomb checks; raises ``Refused`` otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise Refused("corrupt", f"damaged {what} container: {exc}") from exc
    if len(infos) > limits.max_members:
        raise Refused("too_many_members", f"{what} has {len(infos)} entries; the limit is {limits.max_members}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        raise Refused(
            "zip_bomb",
            f"{what} would unpack to {total / 2**20:.0f} MB; the limit is "
            f"{limits.max_unzipped_bytes / 2**20:.0f} MB",
        )
    for info in infos:
        if info.compress_size and info.file_size > 1_000_000:
            ratio = info.file_size / info.compress_size
            if ratio > limits.max_compression_ratio:
                raise Refused(
                    "zip_bomb",
                    f"{what} entry {info.filename!r} expands {ratio:.0f}:1 "
                    f"(limit {limits.max_compression_ratio}:1): a decompression bomb",
                )
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """The bytes of one entry, read in chunks and stopped at the declared size."""
    info = archive.getinfo(name)
    cap = min(info.file_size, limits.max_unzipped_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > cap:
                    raise Refused("zip_bomb", f"entry {name!r} unpacks past its declared size")
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC errors, truncation
        raise Refused("corrupt", f"damaged entry {name!r}: {exc}") from exc
    return b"".join(chunks)


def safe_member_name(name: str) -> str:
    """The entry's path if it stays inside the bundle; ``Refused('unsafe_path')`` if not."""
    normal = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or normal.startswith("../") or normal == ".." or ":" in normal.split("/")[0]:
        raise Refused("unsafe_path", f"bundle entry {name!r} points outside the bundle (path traversal)")
    return normal


# Office writes no DTDs: a <!DOCTYPE> or <!ENTITY> in a part is how XXE and "billion laughs" attacks start.
DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)


def check_office_zip(data: bytes, limits: Limits, what: str) -> None:
    """Refuse an OOXML container (XLSX, DOCX) that is a bomb or whose XML parts declare a DTD.

    For readers that hand the bytes to a library (openpyxl) which would otherwise parse them
    with entity expansion on.
    """
    archive = open_zip(data, limits, what)
    for info in archive.infolist():
        xml = info.filename.endswith((".xml", ".rels"))
        if xml and any(marker in read_member(archive, info.filename, limits) for marker in DTD_MARKERS):
            raise Refused("xml_entities", f"{what} part {info.filename} declares a DTD (<!DOCTYPE>/<!ENTITY>)")
