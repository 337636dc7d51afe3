import io
import zipfile

import pytest

from ingest.errors import Refused
from ingest.sniff import DOCX, JPEG, PDF, PNG, TIFF, ZIP, sniff


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7\n...", PDF),
    (b"\n\n  %PDF-1.4 with junk before the header", PDF),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, PNG),
    (b"\xff\xd8\xff\xe0" + b"\0" * 20, JPEG),
    (b"II*\x00" + b"\0" * 20, TIFF),
    (b"MM\x00*" + b"\0" * 20, TIFF),
])
def test_types_come_from_the_bytes(data: bytes, expected: str) -> None:
    assert sniff(data, "whatever.bin").media_type == expected


def test_a_stored_zip_holding_a_pdf_is_a_bundle_not_a_pdf() -> None:
    assert sniff(_zip({"plan.pdf": b"%PDF-1.4 body"}), "b.zip").media_type == ZIP


def test_docx_is_a_zip_with_a_word_main_part() -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert sniff(data, "plan.docx").media_type == DOCX
    assert sniff(data, "plan.zip").mislabelled is not None


def test_other_office_containers_are_refused() -> None:
    with pytest.raises(Refused) as caught:
        sniff(_zip({"xl/workbook.xml": b"<x/>"}), "sheet.xlsx")
    assert caught.value.code == "unsupported_type" and "Excel" in caught.value.reason


def test_name_and_content_disagreeing_is_noted() -> None:
    sniffed = sniff(b"%PDF-1.4", "plan.docx")
    assert sniffed.media_type == PDF and ".docx" in (sniffed.mislabelled or "")
    assert sniff(b"%PDF-1.4", "plan.pdf").mislabelled is None
