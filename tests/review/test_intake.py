"""The file bundle of a registration import: members matched by path or bare name, never outside the bundle."""

from __future__ import annotations

import io
import zipfile

from review.intake import FileBundle


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_members_are_found_by_path_or_name_and_traversal_names_are_never_read() -> None:
    bundle = FileBundle(_zip({"plans/AM11-E-0001.pdf": b"plan", "../escape.pdf": b"outside"}))
    assert bundle.read("plans/AM11-E-0001.pdf") == b"plan"
    assert bundle.read("./plans/AM11-E-0001.pdf") == b"plan"
    assert bundle.read("AM11-E-0001.pdf") == b"plan"  # the registration may name the file without its folder
    assert bundle.read("../escape.pdf") is None
    assert bundle.read("escape.pdf") is None  # the traversal entry is not in the bundle at all
    assert bundle.read("missing.pdf") is None
    assert FileBundle(None).read("AM11-E-0001.pdf") is None
