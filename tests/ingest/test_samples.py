"""Every real sample in ../shared/samples: no crash, text where there is a text layer, OCR where not.

The samples are read in place (never copied into the repository). Expectations per file
come from the samples' MANIFEST: which pages are scans, which text layers are garbage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse import parse_path

ALL_PAGES = "all"

# file → (pages expected to be OCR'd: a set, ALL_PAGES, or empty; a phrase the text must contain)
EXPECTED: dict[str, tuple[set[int] | str, str]] = {
    "cn_application_pancreas_genomics_shenbaoshu.pdf": (set(), "申报书"),
    "cn_application_ophthnerf_shenbaoshu.pdf": (set(), "项目"),
    "cn_journal_ai_tumor_pathology.pdf": (set(), "人工智能"),
    "cn_patent_writing_guide.pdf": (set(), "权利要求书"),
    "cn_patent_spec_template_report.pdf": (set(), "技术领域"),
    "cn_course_task_notice.pdf": (set(), "课程设计"),
    "cn_simplified_chinese_credits.pdf": (set(), "编"),
    "cn_broker_research_report.pdf": (set(), "高测股份"),
    "cn_thesis_sme_credit_risk.pdf": ({69, 70}, "数字普惠金融"),
    "cn_en_battery_cell_datasheet.pdf": (set(), "电芯"),
    "cn_ship_rules_list_table.pdf": (set(), "智能船舶"),
    "cn_regulation_list_table.pdf": (set(), "委员"),
    "cn_chemistry_formula_sheet.pdf": (set(), "化学学科常用符号公式"),  # Kangxi radicals mapped back
    "cn_scanned_book_2p.pdf": (ALL_PAGES, ""),
    "cn_scanned_book_8p.pdf": (ALL_PAGES, ""),
    "cn_garbled_textlayer_journal.pdf": (ALL_PAGES, "基因"),
    "cn_garbled_textlayer_math.pdf": (ALL_PAGES, ""),
    "en_am_brochure_iith.pdf": (set(), "ADDITIVE"),
    "en_materials_powder_metallurgy_paper.pdf": (set(), "powder"),
    "en_multi_column_paper.pdf": (set(), "Dense Passage Retrieval"),
    "en_long_manual_619p.pdf": (set(), "the"),
    "en_scanned_with_bad_ocr_layer.pdf": (ALL_PAGES, "Foundation"),
    "en_scanned_table_image.pdf": (ALL_PAGES, ""),
    "ko_text_with_tables.pdf": (set(), ""),
    "en_embedded_cmap_cidfont.pdf": (set(), ""),
}


def _sample_files() -> list[str]:
    folder = Path(__file__).resolve().parents[3] / "shared" / "samples"
    return sorted(p.name for p in folder.glob("*") if p.suffix in (".pdf", ".docx"))


@pytest.mark.slow
@pytest.mark.parametrize("name", _sample_files())
def test_sample_parses(samples: Path, name: str) -> None:
    [result] = parse_path(samples / name)
    assert result.error is None, f"{name} refused: {result.error}"
    doc = result.document
    assert doc is not None and doc.text.strip(), f"{name}: no text found"
    for block in doc.blocks:
        assert doc.text[block.span[0]:block.span[1]] == block.text
    if name.endswith(".docx"):
        return
    ocr_expected, phrase = EXPECTED[name]
    ocr_pages = set(doc.ocr_pages)
    if ocr_expected == ALL_PAGES:
        assert ocr_pages == {p.number for p in doc.pages}, f"{name}: expected OCR on every page, got {ocr_pages}"
        assert all(p.ocr_confidence is not None for p in doc.pages if p.ocr)
    else:
        assert ocr_pages == ocr_expected, f"{name}: OCR'd pages {sorted(ocr_pages)}"
    assert phrase in doc.text, f"{name}: {phrase!r} not in the text"


def test_every_pdf_sample_has_an_expectation() -> None:
    pdfs = {name for name in _sample_files() if name.endswith(".pdf")}
    assert pdfs == set(EXPECTED), "a sample was added or removed: update EXPECTED"
