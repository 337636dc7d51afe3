"""DOCX reader: walks WordprocessingML itself and builds a ``Document``.

Why not python-docx's object model: it repeats the text of a merged table cell once per
grid column it covers and never descends into content controls (``w:sdt``), which hold the
cover pages and tables of contents of real business plans. This reader walks
``word/document.xml`` once, in document order, and decides everything itself:

* Text: runs, tabs, breaks, symbols, hyperlinks, content controls, text boxes (one copy of
  each ``mc:AlternateContent``), tracked insertions (deleted text is left out), field
  results (field codes are left out), equations (their characters, in order). Hidden
  (``w:vanish``) text is left out.
* Tables: one row per ``w:tr``, padded to the grid; a merged cell (``w:gridSpan``,
  ``w:vMerge``, ``w:hMerge``) holds its text once and ``""`` in the other positions it
  covers. A nested table is flattened into the text of its cell. A one-column table is a
  box drawn around text, not data: its paragraphs are read as ordinary blocks.
* Numbering: automatic list numbers (``w:numPr``) are rendered ("1.1", "一、", "（一）")
  and put in front of the paragraph, because that is the text a reader sees; bullets are not.
* Headings: from paragraph styles (built-in and WPS names, outline levels, ``basedOn``
  chains). When a file has fewer than three styled headings they are inferred from
  numbering text, bold and font size, with levels decided for the whole document.
* Pages: a DOCX has no pages. They are counted from the breaks stored in the file
  (explicit page breaks, page-breaking section breaks, ``w:pageBreakBefore`` and Word's
  ``w:lastRenderedPageBreak`` markers); a break with no text since the previous one is the
  same break. A paragraph or table belongs to the page it starts on.
* Headers and footers go to ``Document.headers``, never into the text.
* Embedded PNG/JPEG/TIFF pictures large enough to hold text are OCR'd when the context
  allows it; their text follows the paragraph (or table) that holds the picture.

Security: the container is opened with ``open_zip`` and read with ``read_member``; every
XML part is parsed without DTD loading, entity expansion or network access, and a file
with a DOCTYPE or ENTITY declaration in any XML part is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import statistics
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from lxml import etree

from ingest.archive import DTD_MARKERS, open_zip, read_member
from ingest.document import BlockKind, Document, DocumentBuilder
from ingest.errors import Refused
from ingest.headings import (
    has_words,
    is_bullet,
    is_caption,
    is_toc_line,
    looks_like_heading_text,
    numbering_style,
    style_rank,
)
from ingest.limits import Deadline, Limits
from ingest.readers.base import ReadContext

if TYPE_CHECKING:
    from PIL import Image

    from ingest.ocr import OcrEngine, OcrLine

PARSER = "docx"

# --------------------------------------------------------------------------- XML names

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_V = "urn:schemas-microsoft-com:vml"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHART = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_DIAGRAM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"

# ISO/IEC 29500 "strict" files name the same vocabulary with other namespaces.
_STRICT_NAMESPACES = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": _W.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": _R.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/main": _A.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/math": _M.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/chart": _CHART.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/diagram": _DIAGRAM.encode(),
}


def _w(local: str) -> str:
    return f"{{{_W}}}{local}"


W_BODY, W_P, W_PPR, W_PSTYLE, W_R, W_RPR, W_T = map(_w, ("body", "p", "pPr", "pStyle", "r", "rPr", "t"))
W_NUMPR, W_NUMID, W_ILVL, W_OUTLINE = map(_w, ("numPr", "numId", "ilvl", "outlineLvl"))
W_TAB, W_PTAB, W_BR, W_CR, W_SYM = map(_w, ("tab", "ptab", "br", "cr", "sym"))
W_NBHYPHEN, W_FLDCHAR, W_INSTR, W_LRPB = map(
    _w, ("noBreakHyphen", "fldChar", "instrText", "lastRenderedPageBreak")
)
W_DRAWING, W_PICT, W_OBJECT, W_RUBY, W_RUBYBASE = map(_w, ("drawing", "pict", "object", "ruby", "rubyBase"))
W_TBL, W_TR, W_TC, W_TRPR, W_TCPR = map(_w, ("tbl", "tr", "tc", "trPr", "tcPr"))
W_GRIDSPAN, W_VMERGE, W_HMERGE, W_GRIDBEFORE, W_GRIDAFTER = map(
    _w, ("gridSpan", "vMerge", "hMerge", "gridBefore", "gridAfter")
)
W_TBLGRID, W_GRIDCOL = map(_w, ("tblGrid", "gridCol"))
W_SDT, W_SDTPR, W_SDTCONTENT, W_DOCPARTGALLERY, W_PLACEHOLDER_SHOWN = map(
    _w, ("sdt", "sdtPr", "sdtContent", "docPartGallery", "showingPlcHdr")
)
W_CUSTOMXML, W_INS, W_MOVETO, W_DEL, W_HYPERLINK = map(_w, ("customXml", "ins", "moveTo", "del", "hyperlink"))
W_SMARTTAG, W_FLDSIMPLE, W_BDO, W_DIR, W_ALTCHUNK = map(_w, ("smartTag", "fldSimple", "bdo", "dir", "altChunk"))
W_SECTPR, W_TYPE, W_VAL, W_TXBX, W_VANISH = map(_w, ("sectPr", "type", "val", "txbxContent", "vanish"))
W_B, W_SZ, W_RSTYLE, W_PBB, W_CHAR, W_FONT = map(_w, ("b", "sz", "rStyle", "pageBreakBefore", "char", "font"))
W_FLDCHARTYPE, W_STYLE, W_STYLEID, W_NAME, W_BASEDON = map(
    _w, ("fldCharType", "style", "styleId", "name", "basedOn")
)
W_DEFAULT, W_DOCDEFAULTS, W_RPRDEFAULT = map(_w, ("default", "docDefaults", "rPrDefault"))
W_ABSTRACTNUM, W_ABSTRACTNUMID, W_NUM, W_LVL, W_LVLOVERRIDE = map(
    _w, ("abstractNum", "abstractNumId", "num", "lvl", "lvlOverride")
)
W_STARTOVERRIDE, W_START, W_NUMFMT, W_LVLTEXT, W_ISLGL, W_SUFF, W_NUMSTYLELINK = map(
    _w, ("startOverride", "start", "numFmt", "lvlText", "isLgl", "suff", "numStyleLink")
)
R_ID, R_EMBED = f"{{{_R}}}id", f"{{{_R}}}embed"
A_BLIP = f"{{{_A}}}blip"
V_IMAGEDATA = f"{{{_V}}}imagedata"
M_T, M_OMATH, M_OMATHPARA = f"{{{_M}}}t", f"{{{_M}}}oMath", f"{{{_M}}}oMathPara"
MC_ALTERNATE, MC_CHOICE, MC_FALLBACK = (f"{{{_MC}}}{n}" for n in ("AlternateContent", "Choice", "Fallback"))
C_CHART, DGM_RELIDS = f"{{{_CHART}}}chart", f"{{{_DIAGRAM}}}relIds"
PKG_REL = f"{{{_PKG}}}Relationship"

# Elements that only wrap content of the same level: their children are read in place.
_BLOCK_WRAPPERS = frozenset({W_CUSTOMXML, W_INS, W_MOVETO})
_INLINE_WRAPPERS = frozenset(
    {W_HYPERLINK, W_INS, W_MOVETO, W_SMARTTAG, W_CUSTOMXML, W_FLDSIMPLE, W_BDO, W_DIR}
)

# ------------------------------------------------------------------------ limits, text

_MAX_XML_BYTES = 64 * 1024 * 1024  # one XML part; ~11 000 pages of text, lxml needs ~10x in memory
_MAX_SPAN = 64  # Word allows 63 columns; a larger span is hostile and would only cost memory
_MAX_GRID = 512
_STYLED_HEADINGS = 3  # fewer styled headings than this: the author formatted headings by hand
_OCR_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
_OCR_MIN_SIDES = (150, 300)  # (shorter, longer) side in pixels: smaller pictures are icons and logos


_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
    "“”‘’—…"
)
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_HAS_CJK = re.compile(f"[{_CJK}]")
_SPACES = re.compile(r"\s+")


def _char_map() -> dict[int, str | None]:
    """Kangxi radicals to the ideographs they look like (1:1), zero-width characters removed."""
    table: dict[int, str | None] = dict.fromkeys((0x200B, 0xFEFF, 0x00AD, 0x2060))
    for code in range(0x2E80, 0x2FE0):
        normal = unicodedata.normalize("NFKC", chr(code))
        if len(normal) == 1 and normal != chr(code):
            table[code] = normal
    return table


_CHAR_MAP = _char_map()


def _tidy(text: str) -> str:
    """One line of clean text: Kangxi radicals mapped, whitespace collapsed, none between CJK."""
    text = _CJK_GAP.sub("", text.translate(_CHAR_MAP))
    return _SPACES.sub(" ", text).strip()


# Characters of the Symbol font (w:sym w:font="Symbol" w:char="F0xx") that differ from ASCII.
_SYMBOL_FONT = {
    **dict(zip(range(0x41, 0x5B), "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ", strict=True)),
    **dict(zip(range(0x61, 0x7B), "αβχδεφγηιϕκλμνοπθρστυϖωξψζ", strict=True)),
    0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2A: "∗", 0x2D: "−", 0x40: "≅", 0x5C: "∴", 0x5E: "⊥", 0x7E: "∼",
    0xA2: "′", 0xA3: "≤", 0xA5: "∞", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓",
    0xB0: "°", 0xB1: "±", 0xB2: "″", 0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "•",
    0xB8: "÷", 0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xBC: "…", 0xC4: "⊗", 0xC5: "⊕", 0xC6: "∅",
    0xC7: "∩", 0xC8: "∪", 0xC9: "⊃", 0xCA: "⊇", 0xCB: "⊄", 0xCC: "⊂", 0xCD: "⊆", 0xCE: "∈",
    0xCF: "∉", 0xD0: "∠", 0xD1: "∇", 0xD5: "∏", 0xD6: "√", 0xD7: "⋅", 0xD8: "¬", 0xD9: "∧",
    0xDA: "∨", 0xDB: "⇔", 0xDC: "⇐", 0xDD: "⇑", 0xDE: "⇒", 0xDF: "⇓", 0xE5: "∑", 0xF2: "∫",
}


def _symbol(sym: etree._Element) -> str:
    """The character a ``w:sym`` shows; picture fonts (Wingdings...) give nothing readable."""
    try:
        code = int(sym.get(W_CHAR) or "", 16)
    except ValueError:
        return ""
    if 0xF000 <= code <= 0xF0FF:  # "symbol font" private-use convention: the low byte is the glyph
        font = (sym.get(W_FONT) or "").lower()
        low = code - 0xF000
        if font == "symbol":
            return _SYMBOL_FONT.get(low, chr(low) if 0x20 <= low < 0x7F else "")
        return ""
    return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else ""


# --------------------------------------------------------------------------- items


@dataclass
class _Para:
    """One paragraph as read, before and after its kind and level are decided."""

    text: str
    raw: str
    style_level: int | None = None
    title: bool = False
    numbered: bool = False
    bullet: bool = False
    toc: bool = False
    caption_style: bool = False
    list_style: bool = False
    bold: bool = False
    size: int = 0
    kind: BlockKind = "paragraph"
    level: int | None = None
    key: tuple[object, ...] | None = None


@dataclass
class _TableItem:
    rows: list[list[str]]


@dataclass
class _Image:
    part: str


class _Break:
    """A page break: the next item starts a new page."""


_BREAK = _Break()
_Item = _Para | _TableItem | _Image | _Break


# ------------------------------------------------------------------------ package


@dataclass(frozen=True)
class _Rel:
    kind: str  # last segment of the relationship type: "image", "header", "styles"...
    target: str  # part name inside the package, or the address of an external target
    external: bool


class _Package:
    """The parts of one DOCX container, read within the limits and parsed without DTDs."""

    def __init__(self, archive: zipfile.ZipFile, limits: Limits) -> None:
        self._archive = archive
        self._limits = limits
        self._raw: dict[str, bytes] = {}
        self._names: dict[str, str] = {}  # part names are case-insensitive (OPC)
        for info in archive.infolist():
            if info.is_dir():
                continue
            key = info.filename.lstrip("/").lower()
            if key in self._names:
                # Two entries with one name: readers disagree on which one counts, so scanners
                # and this reader could see different documents.
                raise Refused("corrupt", f"DOCX has two entries named {info.filename!r}")
            self._names[key] = info.filename

    def names(self) -> list[str]:
        return list(self._names.values())

    def find(self, name: str) -> str | None:
        return self._names.get(name.lstrip("/").lower())

    def read(self, name: str) -> bytes:
        entry = self.find(name)
        if entry is None:
            raise Refused("corrupt", f"DOCX has no {name}")
        return read_member(self._archive, entry, self._limits)

    def refuse_dtds(self) -> None:
        """Refuse the file if any XML part declares a DTD, whether or not this reader needs that part.

        Word never writes a DTD; ``<!DOCTYPE>``/``<!ENTITY>`` is how external-entity (XXE)
        and entity-expansion ("billion laughs") attacks work, and other tools that open the
        file later (converters, renderers) may be less careful than this parser.
        """
        for key, entry in self._names.items():
            if key.endswith((".xml", ".rels")):
                raw = read_member(self._archive, entry, self._limits)
                _refuse_dtd(raw, entry)
                self._raw[key] = raw

    def xml(self, name: str) -> etree._Element:
        key = name.lstrip("/").lower()
        raw = self._raw.pop(key, None)
        if raw is None:
            raw = self.read(name)
            _refuse_dtd(raw, name)
        return _parse_xml(raw, name)

    def xml_optional(self, name: str | None) -> etree._Element | None:
        return self.xml(name) if name and self.find(name) else None

    def rels(self, part: str) -> dict[str, _Rel]:
        """Relationships of ``part`` by id, with targets resolved to part names."""
        folder, base = posixpath.split(part)
        root = self.xml_optional(posixpath.join(folder, "_rels", f"{base}.rels"))
        if root is None:
            return {}
        rels: dict[str, _Rel] = {}
        for rel in root.iter(PKG_REL):
            rel_id, target = rel.get("Id"), rel.get("Target") or ""
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            if not rel_id:
                continue
            if rel.get("TargetMode") == "External":
                rels[rel_id] = _Rel(kind, target, True)
            elif (resolved := _resolve_target(folder, target)) is not None:
                rels[rel_id] = _Rel(kind, resolved, False)
        return rels

    def main_part(self) -> str:
        """The main document part named by the package relationships, else word/document.xml."""
        for rel in self.rels("").values():
            if rel.kind == "officeDocument" and not rel.external and self.find(rel.target):
                return rel.target
        if self.find("word/document.xml"):
            return "word/document.xml"
        raise Refused("corrupt", "DOCX has no word/document.xml: it is not a Word document or it is damaged")


def _resolve_target(folder: str, target: str) -> str | None:
    """Part name of a relationship target; None if it points outside the package."""
    path = target.split("#", 1)[0]
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
    normal = posixpath.normpath(joined) if joined else ""
    if not normal or normal == "." or normal.startswith("../") or normal == "..":
        return None
    return normal


def _refuse_dtd(raw: bytes, part: str) -> None:
    # Markers are searched in UTF-8 and both UTF-16 byte orders: OOXML parts may use either.
    if any(marker in raw for marker in DTD_MARKERS):
        raise Refused(
            "xml_entities",
            f"{part} declares a DTD (<!DOCTYPE>/<!ENTITY>): Word never writes one, and entity "
            "declarations are how external-entity (XXE) and 'billion laughs' attacks work",
        )


def _parse_xml(raw: bytes, part: str) -> etree._Element:
    """Parse one part with entity expansion, DTD loading and network access all off."""
    if len(raw) > _MAX_XML_BYTES:
        raise Refused(
            "too_large",
            f"{part} unpacks to {len(raw) / 2**20:.0f} MB of XML; the limit for one part is "
            f"{_MAX_XML_BYTES / 2**20:.0f} MB",
        )
    for strict, transitional in _STRICT_NAMESPACES.items():
        if strict in raw:
            raw = raw.replace(strict, transitional)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused("corrupt", f"{part} is damaged XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # belt and braces for odd encodings
        raise Refused("xml_entities", f"{part} declares a DTD: Word never writes one")
    return root


# --------------------------------------------------------------------------- styles


def _val(parent: etree._Element | None, tag: str) -> str | None:
    """The ``w:val`` of ``parent``'s child ``tag``; None when either is missing."""
    if parent is None:
        return None
    child = parent.find(tag)
    return None if child is None else child.get(W_VAL)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _on(element: etree._Element | None) -> bool | None:
    """An OOXML on/off property: None when absent, else whether it is switched on."""
    if element is None:
        return None
    return element.get(W_VAL, "true").lower() not in ("0", "false", "off", "none")


_TITLE_NAMES = {"title": 1, "标题": 1, "subtitle": 2, "副标题": 2}
_HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$")
_CN_LEVEL_NAME = re.compile(r"^([一二三四五六七八九])级标题$")
_CN_DIGITS = "〇一二三四五六七八九"
_TOC_NAME = re.compile(r"^(?:toc|目录)\s*\d$|^(?:table of figures|图表目录)$")
_LIST_NAME = re.compile(r"^(?:list (?:bullet|number)|列表编号|列表项目符号)")
_CAPTION_NAMES = frozenset({"caption", "题注"})


def _level_from_name(name: str) -> tuple[int, bool] | None:
    """Heading level a style name stands for, and whether it is a title; None for other names."""
    if name in _TITLE_NAMES:
        return _TITLE_NAMES[name], True
    if match := _HEADING_NAME.match(name):
        return int(match.group(1)), False
    if match := _CN_LEVEL_NAME.match(name):
        return _CN_DIGITS.index(match.group(1)), False
    return None


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    outline: int | None
    bold: bool | None
    size: int | None
    num: tuple[str | None, int | None] | None
    break_before: bool | None


def _parse_style(element: etree._Element) -> _Style:
    ppr, rpr = element.find(W_PPR), element.find(W_RPR)
    numpr = ppr.find(W_NUMPR) if ppr is not None else None
    num = None if numpr is None else (_val(numpr, W_NUMID), _int(_val(numpr, W_ILVL)))
    return _Style(
        name=" ".join((_val(element, W_NAME) or "").lower().split()),
        based_on=_val(element, W_BASEDON),
        outline=_int(_val(ppr, W_OUTLINE)),
        bold=_on(rpr.find(W_B)) if rpr is not None else None,
        size=_int(_val(rpr, W_SZ)),
        num=num,
        break_before=_on(ppr.find(W_PBB)) if ppr is not None else None,
    )


class _Styles:
    """Paragraph and character styles from word/styles.xml, resolved through ``basedOn``."""

    def __init__(self, root: etree._Element | None) -> None:
        self._styles: dict[str, _Style] = {}
        self._by_name: dict[str, str] = {}
        self.default_paragraph: str | None = None
        self._default_bold = False
        self.default_size = 20  # half-points: Word's 10 pt when docDefaults say nothing
        self._cache: dict[tuple[str | None, str], Any] = {}
        if root is None:
            return
        defaults = root.find(f"{W_DOCDEFAULTS}/{W_RPRDEFAULT}/{W_RPR}")
        if defaults is not None:
            self._default_bold = bool(_on(defaults.find(W_B)))
            self.default_size = _int(_val(defaults, W_SZ)) or self.default_size
        for element in root.iter(W_STYLE):
            style_id = element.get(W_STYLEID)
            if not style_id:
                continue
            style = _parse_style(element)
            self._styles[style_id] = style
            self._by_name.setdefault(style.name, style_id)
            if element.get(W_TYPE) == "paragraph" and element.get(W_DEFAULT) in ("1", "true", "on"):
                self.default_paragraph = style_id

    def _chain(self, style_id: str | None) -> Iterator[_Style]:
        """The style and the styles it is based on, nearest first (cycles cut)."""
        seen: set[str] = set()
        current = style_id if style_id is not None else self.default_paragraph
        while current and current not in seen and len(seen) < 32:
            seen.add(current)
            style = self._styles.get(current) or self._styles.get(self._by_name.get(current.lower(), ""))
            if style is None:
                return
            yield style
            current = style.based_on

    def _first(self, style_id: str | None, attribute: str) -> Any:
        """The nearest value of a style attribute along the ``basedOn`` chain, None if unset."""
        key = (style_id, attribute)
        if key not in self._cache:
            values = (getattr(style, attribute) for style in self._chain(style_id))
            self._cache[key] = next((v for v in values if v is not None), None)
        return self._cache[key]

    def own_heading(self, style_id: str | None) -> tuple[int, bool] | None:
        """Heading level named by the paragraph's own style (it outranks direct outline levels)."""
        style = next(self._chain(style_id), None) if style_id else None
        return _level_from_name(style.name) if style else None

    def heading(self, style_id: str | None) -> tuple[int, bool] | None:
        """(level, is_title) of a paragraph style: a heading name or an outline level, nearest first."""
        for style in self._chain(style_id):
            named = _level_from_name(style.name)
            if named:
                return named
            if style.outline is not None:
                return (style.outline + 1, False) if 0 <= style.outline < 9 else None
        return None

    def is_caption(self, style_id: str | None) -> bool:
        return any(style.name in _CAPTION_NAMES for style in self._chain(style_id))

    def is_toc(self, style_id: str | None) -> bool:
        style = next(self._chain(style_id), None) if style_id else None
        return bool(style and _TOC_NAME.match(style.name))

    def is_list(self, style_id: str | None) -> bool:
        style = next(self._chain(style_id), None) if style_id else None
        return bool(style and _LIST_NAME.match(style.name))

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None] | None:
        return self._first(style_id, "num")

    def breaks_before(self, style_id: str | None) -> bool:
        return bool(self._first(style_id, "break_before"))

    def run_props(self, rpr: etree._Element | None, style_id: str | None) -> tuple[bool, int]:
        """Effective (bold, size in half-points) of a run: direct, character style, paragraph style."""
        bold = _on(rpr.find(W_B)) if rpr is not None else None
        size = _int(_val(rpr, W_SZ))
        char_style = _val(rpr, W_RSTYLE)
        if char_style:
            bold = bold if bold is not None else self._first(char_style, "bold")
            size = size if size is not None else self._first(char_style, "size")
        if bold is None:
            bold = self._first(style_id, "bold")
        if size is None:
            size = self._first(style_id, "size")
        return (bool(bold) if bold is not None else self._default_bold), size or self.default_size


# ------------------------------------------------------------------------ numbering


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int
    legal: bool
    suffix: str
    style: str | None  # paragraph style attached to this level (w:pStyle), if any


@dataclass(frozen=True)
class _Label:
    text: str  # "" for bullets and for levels that show no number
    suffix: str  # what Word puts between the number and the text: a tab, a space or nothing
    bullet: bool


def _parse_level(element: etree._Element) -> _Level:
    start = _int(_val(element, W_START))
    return _Level(
        fmt=_val(element, W_NUMFMT) or "decimal",
        text=_val(element, W_LVLTEXT) or "",
        start=1 if start is None else start,
        legal=bool(_on(element.find(W_ISLGL))),
        suffix=_val(element, W_SUFF) or "tab",
        style=_val(element, W_PSTYLE),
    )


@dataclass
class _Num:
    abstract: str
    starts: dict[int, int]
    levels: dict[int, _Level]


class _Numbering:
    """Automatic list numbers from word/numbering.xml, counted in document order."""

    def __init__(self, root: etree._Element | None, styles: _Styles) -> None:
        self._styles = styles
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._links: dict[str, str] = {}  # abstractNum id → numbering style it defers to
        self._nums: dict[str, _Num] = {}
        self._counters: dict[str, list[int | None]] = {}
        if root is None:
            return
        for element in root.iter(W_ABSTRACTNUM):
            abstract_id = element.get(W_ABSTRACTNUMID) or ""
            levels = {_int(lvl.get(W_ILVL)) or 0: _parse_level(lvl) for lvl in element.findall(W_LVL)}
            self._abstract[abstract_id] = levels
            if (link := _val(element, W_NUMSTYLELINK)) is not None:
                self._links[abstract_id] = link
        for element in root.iter(W_NUM):
            self._nums[element.get(W_NUMID) or ""] = self._parse_num(element)

    @staticmethod
    def _parse_num(element: etree._Element) -> _Num:
        starts: dict[int, int] = {}
        levels: dict[int, _Level] = {}
        for override in element.iter(W_LVLOVERRIDE):
            ilvl = _int(override.get(W_ILVL)) or 0
            if (start := _int(_val(override, W_STARTOVERRIDE))) is not None:
                starts[ilvl] = start
            if (lvl := override.find(W_LVL)) is not None:
                levels[ilvl] = _parse_level(lvl)
        return _Num(_val(element, W_ABSTRACTNUMID) or "", starts, levels)

    def _levels(self, num: _Num) -> dict[int, _Level]:
        abstract, seen = num.abstract, set()
        while abstract in self._links and abstract not in seen:  # numStyleLink → the style's list
            seen.add(abstract)
            linked = self._styles.numbering(self._links[abstract])
            target = self._nums.get(linked[0] or "") if linked else None
            if target is None:
                break
            abstract = target.abstract
        return {**self._abstract.get(abstract, {}), **num.levels}

    def advance(self, num_id: str, ilvl: int) -> _Label | None:
        """Count one numbered paragraph and return the label Word shows in front of it."""
        num = self._nums.get(num_id)
        if num is None:
            return None
        levels = self._levels(num)
        level = levels.get(ilvl)
        if level is None:
            return None
        # Lists that restart their numbering keep their own counters; others share the abstract list's.
        key = f"num:{num_id}" if num.starts else f"abstract:{num.abstract}"
        counters = self._counters.setdefault(key, [None] * 9)
        ilvl = min(max(ilvl, 0), 8)
        first = num.starts.get(ilvl, level.start)
        counters[ilvl] = first if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
        counters[ilvl + 1 :] = [None] * (8 - ilvl)
        if level.fmt == "bullet":
            return _Label("", level.suffix, True)

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            other = levels.get(index)
            value = counters[index] if counters[index] is not None else (other.start if other else 1)
            fmt = "decimal" if level.legal else (other.fmt if other else "decimal")
            return _format_number(value or 0, fmt)

        return _Label(re.sub(r"%([1-9])", number, level.text), level.suffix, False)

    def level_for_style(self, num_id: str, style_id: str | None) -> int:
        """The list level a paragraph style is attached to (heading styles usually omit ``w:ilvl``)."""
        num = self._nums.get(num_id)
        if num is None or style_id is None:
            return 0
        return next((ilvl for ilvl, level in sorted(self._levels(num).items()) if level.style == style_id), 0)


def _cn_number(value: int, digits: str = "〇一二三四五六七八九", units: str = "十百千") -> str:
    """Chinese counting numerals (十一, 一百零五) for 0..9999; larger values stay Arabic."""
    if not 0 <= value <= 9999:
        return str(value)
    if value < 10:
        return digits[value]
    if value < 20:
        return units[0] + (digits[value - 10] if value > 10 else "")
    text, zero = "", False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = value // power % 10
        if digit:
            text += (digits[0] if zero and text else "") + digits[digit] + unit
            zero = False
        else:
            zero = bool(text)
    return text


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for amount, numeral in numerals:
        count, value = divmod(value, amount)
        text += numeral * count
    return text


def _letters(value: int, first: int) -> str:
    """Word's letter numbering: A..Z, then AA..ZZ, AAA...; large counters stay Arabic (no giant labels)."""
    if not 0 < value <= 26 * 10:
        return str(value)
    return chr(first + (value - 1) % 26) * ((value - 1) // 26 + 1)


def _enclosed(value: int, first: int) -> str:
    return chr(first + value - 1) if 1 <= value <= 20 else str(value)


_NUMBER_FORMATS = {
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": lambda n: _letters(n, 65),
    "lowerLetter": lambda n: _letters(n, 97),
    "chineseCounting": _cn_number,
    "chineseCountingThousand": _cn_number,
    "japaneseCounting": _cn_number,
    "taiwaneseCounting": _cn_number,
    "chineseLegalSimplified": lambda n: _cn_number(n, "零壹贰叁肆伍陆柒捌玖", "拾佰仟"),
    "ideographLegalTraditional": lambda n: _cn_number(n, "零壹貳參肆伍陸柒捌玖", "拾佰仟"),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10] if n > 0 else str(n),
    "ideographZodiac": lambda n: "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12] if n > 0 else str(n),
    "decimalEnclosedCircle": lambda n: _enclosed(n, 0x2460),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(n, 0x2460),
    "decimalEnclosedParen": lambda n: _enclosed(n, 0x2474),
    "decimalEnclosedFullstop": lambda n: _enclosed(n, 0x2488),
    "decimalFullWidth": lambda n: str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    "decimalFullWidth2": lambda n: str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    "ordinal": lambda n: f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}",
    "none": lambda n: "",
}


def _format_number(value: int, fmt: str) -> str:
    """A list counter in one of Word's number formats; unknown formats fall back to decimal."""
    formatter = _NUMBER_FORMATS.get(fmt)
    return formatter(value) if formatter else str(value)


# --------------------------------------------------------------------------- walker


@dataclass
class _Field:
    code: bool = True  # between begin and separate: the field code, never shown
    instr: str = ""
    toc: bool = False


@dataclass
class _Inline:
    """What the runs of one paragraph produced."""

    style: str | None
    out: list[_Item]
    pieces: list[str] = field(default_factory=list)
    deferred: list[_Item] = field(default_factory=list)  # text boxes and pictures anchored here
    after: list[_Item] = field(default_factory=list)  # page breaks met after the paragraph's first text
    chars: int = 0
    bold_chars: int = 0
    sizes: Counter[int] = field(default_factory=Counter)
    has_text: bool = False
    toc: bool = False


def _control_content(sdt: etree._Element) -> etree._Element | None:
    """The content of a content control, or None while it shows its placeholder prompt.

    A control that still shows "单击或点击此处输入文字" / "Click here to enter text" holds the
    template's prompt, not the author's words.
    """
    if _on(sdt.find(f"{W_SDTPR}/{W_PLACEHOLDER_SHOWN}")):
        return None
    return sdt.find(W_SDTCONTENT)


def _branch(alternate: etree._Element) -> etree._Element | None:
    """One branch of ``mc:AlternateContent``: both carry the same content, so read only one."""
    for candidate in (alternate.find(MC_CHOICE), alternate.find(MC_FALLBACK)):
        if candidate is not None and len(candidate):
            return candidate
    return None


class _Walker:
    """One pass over a story (body, header, footer) in document order, producing items."""

    def __init__(
        self,
        styles: _Styles,
        numbering: _Numbering | None,
        rels: dict[str, _Rel],
        section_breaks: set[etree._Element],
        deadline: Deadline,
    ) -> None:
        self._styles = styles
        self._numbering = numbering
        self._rels = rels
        self._section_breaks = section_breaks
        self._deadline = deadline
        self._fields: list[_Field] = []
        self._toc_controls = 0
        self._text_since_break = False
        self._paragraphs = 0
        self.skipped: Counter[str] = Counter()

    def walk(self, container: etree._Element) -> list[_Item]:
        items: list[_Item] = []
        self._blocks(container, items)
        return items

    # blocks ---------------------------------------------------------------------------

    def _blocks(self, container: etree._Element, out: list[_Item]) -> None:
        for child in container:
            tag = child.tag
            if tag == W_P:
                self._paragraph(child, out)
            elif tag == W_TBL:
                self._table(child, out)
            elif tag == W_SDT:
                self._block_control(child, out)
            elif tag in _BLOCK_WRAPPERS:
                self._blocks(child, out)
            elif tag == MC_ALTERNATE and (branch := _branch(child)) is not None:
                self._blocks(branch, out)
            elif tag == W_ALTCHUNK:
                self.skipped["imported document chunk (altChunk)"] += 1
            # sectPr, bookmarks, w:del, w:moveFrom, proofErr...: nothing visible

    def _block_control(self, sdt: etree._Element, out: list[_Item]) -> None:
        """A content control: its content is ordinary document content (cover pages, TOCs)."""
        content = _control_content(sdt)
        if content is None:
            return
        properties = sdt.find(W_SDTPR)
        gallery = None if properties is None else next(
            (g.get(W_VAL) for g in properties.iter(W_DOCPARTGALLERY)), None
        )
        toc = int(bool(gallery and "table of contents" in gallery.lower()))
        self._toc_controls += toc
        try:
            self._blocks(content, out)
        finally:
            self._toc_controls -= toc

    def _page_break(self, out: list[_Item]) -> None:
        # A break with no text since the previous one is the same break seen twice (an explicit
        # break followed by Word's rendered-break marker) or a break before any content.
        if self._text_since_break:
            out.append(_BREAK)
            self._text_since_break = False

    # paragraphs -----------------------------------------------------------------------

    def _paragraph(self, p: etree._Element, out: list[_Item]) -> None:
        self._paragraphs += 1
        if self._paragraphs % 512 == 0:
            self._deadline.check(f"DOCX paragraph {self._paragraphs}")
        ppr = p.find(W_PPR)
        style = _val(ppr, W_PSTYLE)
        direct_break = _on(ppr.find(W_PBB)) if ppr is not None else None
        if direct_break or (direct_break is None and self._styles.breaks_before(style)):
            self._page_break(out)
        state = _Inline(style=style, out=out)
        self._inline(p, state)
        para = self._make_para(ppr, style, state)
        if para is not None:
            out.append(para)
        out.extend(state.deferred)
        out.extend(state.after)
        section = ppr.find(W_SECTPR) if ppr is not None else None
        if section is not None and section in self._section_breaks:
            self._page_break(out)
        # A field whose code never reached "separate" in this paragraph is damaged: drop it
        # rather than hide the rest of the document behind it.
        self._fields = [f for f in self._fields if not f.code]

    def _inline(self, element: etree._Element, state: _Inline) -> None:
        for child in element:
            tag = child.tag
            if tag == W_R:
                self._run(child, state)
            elif tag in _INLINE_WRAPPERS:
                self._inline(child, state)
            elif tag == W_SDT and (content := _control_content(child)) is not None:
                self._inline(content, state)
            elif tag in (M_OMATH, M_OMATHPARA):
                for text in child.iter(M_T):
                    self._text(text.text, state)
            elif tag == MC_ALTERNATE and (branch := _branch(child)) is not None:
                self._inline(branch, state)
            # w:del, w:moveFrom (tracked deletions), pPr, bookmarks, comments: not shown

    def _run(self, run: etree._Element, state: _Inline) -> None:
        rpr = run.find(W_RPR)
        hidden = rpr is not None and bool(_on(rpr.find(W_VANISH)))
        before = state.chars
        self._run_content(run, state, hidden)
        added = state.chars - before
        if added:
            bold, size = self._styles.run_props(rpr, state.style)
            state.bold_chars += added if bold else 0
            state.sizes[size] += added

    def _run_content(self, run: etree._Element, state: _Inline, hidden: bool) -> None:
        for child in run:
            tag = child.tag
            if tag == W_T:
                if not hidden:
                    self._text(child.text, state)
            elif tag in (W_TAB, W_PTAB):
                self._text("\t", state)
            elif tag == W_BR:
                self._line_break(child, state)
            elif tag == W_CR:
                self._text("\n", state)
            elif tag == W_SYM:
                if not hidden:
                    self._text(_symbol(child), state)
            elif tag == W_NBHYPHEN:
                self._text("-", state)
            elif tag == W_FLDCHAR:
                self._field_char(child)
            elif tag == W_INSTR:
                if self._fields and self._fields[-1].code:
                    self._fields[-1].instr += child.text or ""
            elif tag == W_LRPB:
                self._inline_page_break(state)
            elif tag in (W_DRAWING, W_PICT, W_OBJECT):
                self._graphic(child, state)
            elif tag == MC_ALTERNATE and (branch := _branch(child)) is not None:
                self._run_content(branch, state, hidden)
            elif tag == W_RUBY and (base := child.find(W_RUBYBASE)) is not None:
                self._inline(base, state)  # the base text only: the annotation is a pronunciation guide
            # w:delText, w:delInstrText, footnote references, rPr: not part of the text

    def _text(self, text: str | None, state: _Inline) -> None:
        if not text or any(f.code for f in self._fields):
            return
        state.pieces.append(text)
        if not text.isspace():
            state.chars += len(text)
            state.has_text = True
            self._text_since_break = True
            if any(f.toc for f in self._fields):
                state.toc = True

    def _line_break(self, br: etree._Element, state: _Inline) -> None:
        kind = br.get(W_TYPE)
        if kind == "page":
            self._inline_page_break(state)
        else:
            self._text(" " if kind == "column" else "\n", state)

    def _inline_page_break(self, state: _Inline) -> None:
        """A page break inside a paragraph: before it if no text came yet, else after it."""
        self._page_break(state.after if state.has_text else state.out)

    def _field_char(self, element: etree._Element) -> None:
        kind = element.get(W_FLDCHARTYPE)
        if kind == "begin":
            self._fields.append(_Field())
        elif kind == "separate" and self._fields:
            current = self._fields[-1]
            current.code = False
            current.toc = current.instr.strip().upper().startswith("TOC")
        elif kind == "end" and self._fields:
            self._fields.pop()

    def _graphic(self, element: etree._Element, state: _Inline) -> None:
        """Text boxes and pictures inside a drawing, VML shape or embedded object."""
        for child in element:
            tag = child.tag
            if tag == W_TXBX:
                self._blocks(child, state.deferred)
            elif tag == A_BLIP:
                self._image(child.get(R_EMBED), state)
            elif tag == V_IMAGEDATA:
                self._image(child.get(R_ID), state)
            elif tag == MC_ALTERNATE and (branch := _branch(child)) is not None:
                self._graphic(branch, state)
            elif tag == C_CHART:
                self.skipped["chart"] += 1
            elif tag == DGM_RELIDS:
                self.skipped["SmartArt diagram"] += 1
            elif isinstance(tag, str):
                self._graphic(child, state)

    def _image(self, rel_id: str | None, state: _Inline) -> None:
        rel = self._rels.get(rel_id or "")
        if rel is not None and rel.kind == "image" and not rel.external:
            state.deferred.append(_Image(rel.target))
            self._text_since_break = True  # a page holding only a picture is still a page

    def _make_para(self, ppr: etree._Element | None, style: str | None, state: _Inline) -> _Para | None:
        numbering = self._numbering_ref(ppr, style)
        label = None
        if numbering is not None and self._numbering is not None:
            label = self._numbering.advance(*numbering)  # counted even when empty, as Word does
        raw = "".join(state.pieces)
        text = _tidy(raw)
        if not text:
            return None
        if label is not None and label.text.strip():
            text = _tidy(label.text + ("" if label.suffix == "nothing" else " ") + raw)
        para = _Para(
            text=text,
            raw=raw,
            numbered=numbering is not None,
            bullet=bool(label and label.bullet),
            toc=state.toc or self._toc_controls > 0 or self._styles.is_toc(style) or is_toc_line(raw),
            caption_style=self._styles.is_caption(style),
            list_style=self._styles.is_list(style),
            bold=state.chars > 0 and state.bold_chars >= 0.9 * state.chars,
            size=state.sizes.most_common(1)[0][0] if state.sizes else self._styles.default_size,
        )
        direct = ppr is not None and ppr.find(W_NUMPR) is not None
        self._set_heading(para, ppr, style, numbering if direct else None)
        return para

    def _set_heading(
        self, para: _Para, ppr: etree._Element | None, style: str | None, direct: tuple[str, int] | None
    ) -> None:
        """Heading level from the style's name, else the paragraph's outline level, else the style chain."""
        heading = self._styles.own_heading(style)
        outline = _int(_val(ppr, W_OUTLINE))
        if heading is None and outline is not None:
            heading = (outline + 1, False) if 0 <= outline < 9 else None
        elif heading is None:
            heading = self._styles.heading(style)
        if heading is None:
            return
        level, para.title = heading
        if direct is not None and not para.bullet:
            # Some files put one heading style on every level and let the list level say
            # which one it is ("2.2.1" is a Heading 2 with w:ilvl 2).
            level = max(level, direct[1] + 1)
        para.style_level = min(level, 9)

    def _numbering_ref(self, ppr: etree._Element | None, style: str | None) -> tuple[str, int] | None:
        """(numId, ilvl) of a numbered paragraph, from its own properties or its style."""
        numpr = ppr.find(W_NUMPR) if ppr is not None else None
        from_style = self._styles.numbering(style)
        num_id = _val(numpr, W_NUMID)
        ilvl = _int(_val(numpr, W_ILVL))
        if num_id is None and from_style is not None:
            num_id = from_style[0]
        if not num_id or num_id == "0":  # numId 0 switches numbering off
            return None
        if ilvl is None and from_style is not None and from_style[1] is not None:
            ilvl = from_style[1]
        if ilvl is None:
            ilvl = self._numbering.level_for_style(num_id, style) if self._numbering else 0
        return num_id, min(max(ilvl, 0), 8)

    # tables ---------------------------------------------------------------------------

    def _table(self, table: etree._Element, out: list[_Item]) -> None:
        rows = list(_rows(table))
        grid = len(table.findall(f"{W_TBLGRID}/{W_GRIDCOL}"))
        if rows and grid <= 1 and all(len(list(_cells(row))) <= 1 for row in rows):
            # A one-column table is a frame around text: read its content as blocks.
            for row in rows:
                for cell in _cells(row):
                    self._blocks(cell, out)
            return
        hoisted: list[_Item] = []
        table_rows = [self._row(row, hoisted) for row in rows]
        width = max([min(grid, _MAX_GRID), *map(len, table_rows)])
        for row in table_rows:
            row.extend([""] * (width - len(row)))
        out.append(_TableItem(table_rows))
        out.extend(hoisted)  # pictures and page breaks met inside cells follow the table

    def _row(self, row: etree._Element, hoisted: list[_Item]) -> list[str]:
        properties = row.find(W_TRPR)
        cells: list[str] = [""] * _clamp(_int(_val(properties, W_GRIDBEFORE)) or 0, 0, _MAX_SPAN)
        breaks = 0
        for cell in _cells(row):
            cell_properties = cell.find(W_TCPR)
            span = _clamp(_int(_val(cell_properties, W_GRIDSPAN)) or 1, 1, _MAX_SPAN)
            if _continues_merge(cell_properties):
                cells.extend([""] * min(span, max(_MAX_GRID - len(cells), 0)))  # text is where the merge starts
                continue
            items: list[_Item] = []
            self._blocks(cell, items)
            cells.append(_story_text(items))
            cells.extend([""] * min(span - 1, max(_MAX_GRID - len(cells), 0)))
            hoisted.extend(item for item in items if isinstance(item, _Image))
            # A row that runs over a page end has a rendered-break marker in every cell: one break.
            breaks = max(breaks, sum(1 for item in items if isinstance(item, _Break)))
        hoisted.extend([_BREAK] * breaks)
        cells.extend([""] * _clamp(_int(_val(properties, W_GRIDAFTER)) or 0, 0, _MAX_SPAN))
        return _fit(cells)


def _fit(cells: list[str]) -> list[str]:
    """A row no wider than ``_MAX_GRID``: cells past it join the last one, so no text is lost.

    Word makes at most 63 columns; a crafted row of thousands of cells would otherwise make
    every other row of the table that wide too.
    """
    if len(cells) <= _MAX_GRID:
        return cells
    overflow = " ".join(cell for cell in cells[_MAX_GRID - 1 :] if cell)
    return [*cells[: _MAX_GRID - 1], overflow]


def _clamp(value: int, low: int, high: int) -> int:
    return min(max(value, low), high)


def _continues_merge(properties: etree._Element | None) -> bool:
    """Whether a cell continues a merge started above (vMerge) or to the left (hMerge)."""
    if properties is None:
        return False
    for tag in (W_VMERGE, W_HMERGE):
        merge = properties.find(tag)
        if merge is not None and merge.get(W_VAL, "continue") != "restart":
            return True
    return False


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    """Rows of a table, through content controls and custom XML; tracked-deleted rows left out."""
    for child in table:
        if child.tag == W_TR:
            properties = child.find(W_TRPR)
            if properties is None or properties.find(W_DEL) is None:
                yield child
        elif child.tag == W_SDT:
            if (content := child.find(W_SDTCONTENT)) is not None:
                yield from _rows(content)
        elif child.tag == W_CUSTOMXML:
            yield from _rows(child)


def _cells(row: etree._Element) -> Iterator[etree._Element]:
    for child in row:
        if child.tag == W_TC:
            yield child
        elif child.tag == W_SDT:
            if (content := child.find(W_SDTCONTENT)) is not None:
                yield from _cells(content)
        elif child.tag == W_CUSTOMXML:
            yield from _cells(child)


def _story_text(items: Iterable[_Item]) -> str:
    """Items as one line: paragraphs, and nested tables row by row, separated by spaces."""
    parts: list[str] = []
    for item in items:
        if isinstance(item, _Para):
            parts.append(item.text)
        elif isinstance(item, _TableItem):
            parts.extend(" ".join(cell for cell in row if cell) for row in item.rows)
    return " ".join(part for part in parts if part)


def _page_breaking_sections(body: etree._Element) -> set[etree._Element]:
    """Paragraph-level ``w:sectPr`` elements whose section ends with a page break.

    A section's break type is stored in the *next* section's properties; only
    "continuous" keeps the following text on the same page.
    """
    sections = [s for s in body.iter(W_SECTPR) if getattr(s.getparent(), "tag", None) in (W_PPR, W_BODY)]
    return {
        current
        for current, following in pairwise(sections)
        if current.getparent().tag == W_PPR and _val(following, W_TYPE) != "continuous"
    }


# --------------------------------------------------------------------- classification

# Blanks of a paper form ("年 月 日", "负责人签字：（盖章）") are bold and short but no headings.
_FORM_FIELD = re.compile(r"^[\d\s年月日]*$|签字|签名|盖章")


def _base_kind(para: _Para) -> None:
    """Kind from explicit signals: TOC entries, styles, captions, numbering and bullets."""
    if para.toc:
        para.kind = "paragraph"
    elif para.style_level is not None and len(para.text) <= 200:
        para.kind = "heading"
    elif para.caption_style or is_caption(para.text):
        para.kind = "caption"
    elif para.numbered or para.list_style or is_bullet(para.text) or numbering_style(para.text, words_after=True):
        para.kind = "list"
    else:
        para.kind = "paragraph"


def _classify(items: list[_Item]) -> None:
    """Decide every paragraph's kind, and heading levels for the whole document at once."""
    paras = [item for item in items if isinstance(item, _Para)]
    for para in paras:
        _base_kind(para)
    styled = sum(1 for p in paras if p.kind == "heading" and not p.title)
    if styled >= _STYLED_HEADINGS:
        for para in paras:
            para.level = para.style_level if para.kind == "heading" else None
        return
    body = _body_size(paras)
    for para in paras:
        if para.kind == "heading":
            para.key = ("style", para.style_level)
        elif para.kind in ("paragraph", "list") and (key := _heading_key(para, body)):
            para.kind, para.key = "heading", key
    _demote_runs(items)
    _assign_levels([p for p in paras if p.kind == "heading"])


def _body_size(paras: list[_Para]) -> int:
    """The font size (half-points) of most body text, weighted by characters."""
    sizes: Counter[int] = Counter()
    for para in paras:
        if para.kind != "heading":
            sizes[para.size] += len(para.text)
    return sizes.most_common(1)[0][0] if sizes else 0


def _heading_key(para: _Para, body: int) -> tuple[object, ...] | None:
    """The heading style of a paragraph formatted by hand as a heading, or None."""
    text = para.text
    if para.toc or para.bullet or is_bullet(text) or para.kind == "caption":
        return None
    if not looks_like_heading_text(text, 40 if _HAS_CJK.search(text) else 80):
        return None
    if not has_words(text, 1) or _FORM_FIELD.search(text):
        return None
    emphasized = para.bold or (body > 0 and para.size >= body * 1.2)
    number = numbering_style(text, words_after=True)
    if number:
        # An automatic list item needs emphasis too: short numbered items are usually a list.
        return ("num", number) if emphasized or not para.numbered else None
    if para.numbered or para.list_style or not emphasized:
        return None
    return ("plain", para.size, para.bold)


def _demote_runs(items: list[_Item]) -> None:
    """Inferred headings of one style that follow each other with nothing between them are no headings.

    Two numbered lines in a row ("（1）…", "（2）…") are a list. Three or more bold or large
    lines in a row are a cover page or a form, not section titles; two can be a title followed
    by its first section.
    """
    runs: list[list[_Para]] = []
    for item in items:
        if isinstance(item, _Para) and item.kind == "heading" and item.key and item.key[0] != "style":
            if runs and runs[-1] and runs[-1][-1].key == item.key:
                runs[-1].append(item)
            else:
                runs.append([item])
        elif isinstance(item, _Para | _TableItem):
            runs.append([])
    for run in runs:
        numbered = bool(run) and run[0].key is not None and run[0].key[0] == "num"
        if len(run) >= (2 if numbered else 3):
            for para in run:
                para.kind, para.key = ("list" if numbered else "paragraph"), None


def _assign_levels(headings: list[_Para]) -> None:
    """Levels for the whole document: rank heading styles, then number the ranks used from 1.

    Styled headings come first by their level; numbering styles follow their conventional
    order, ``ingest.headings.style_rank`` (第一章 > 第一节 > 一、 > （一） > 1. > 1.1 > 1.1.1 >
    （1） > 1）). Unlike ``heading_levels`` this ranks once for the whole file, because
    headings made by bold or size alone are placed among the numbering styles by font size:
    such a heading ranks above the first numbering style set in a smaller font and shares the
    level of one set in the same size, except on the front matter: styles seen only before
    the first numbered heading (cover and title lines) take the outermost level, so the body's
    chapters are not pushed down by a large cover font.
    """
    keys: dict[tuple[object, ...], list[int]] = {}
    for para in headings:
        assert para.key is not None
        keys.setdefault(para.key, []).append(para.size)
    numbered = sorted((k for k in keys if k[0] == "num"), key=lambda k: (style_rank(str(k[1])), str(k[1])))
    numbered_sizes = [statistics.median(keys[k]) for k in numbered]
    first = next((i for i, p in enumerate(headings) if p.key and p.key[0] == "num"), len(headings))
    front = {p.key for p in headings[:first]} - {p.key for p in headings[first:]}
    group: dict[tuple[object, ...], tuple[float, ...]] = {}
    for key in keys:
        if key[0] == "num":
            group[key] = (1, numbered.index(key), 1, 0)
        elif key in front and numbered:
            group[key] = (1, 0, 1, 0)
        elif key[0] == "style":
            group[key] = (0, float(key[1]), 0, 0)  # type: ignore[arg-type]
        else:
            group[key] = _plain_group(float(key[1]), bool(key[2]), numbered_sizes)  # type: ignore[arg-type]
    levels = {g: min(i + 1, 9) for i, g in enumerate(sorted(set(group.values())))}
    for para in headings:
        assert para.key is not None
        para.level = levels[group[para.key]]


def _plain_group(size: float, bold: bool, numbered_sizes: list[float]) -> tuple[float, ...]:
    """Rank of a bold/large heading style among numbering styles (see ``_assign_levels``)."""
    slot = next((i for i, s in enumerate(numbered_sizes) if s <= size), len(numbered_sizes))
    if slot < len(numbered_sizes) and numbered_sizes[slot] == size:
        return (1, slot, 1, 0)
    return (1, slot, 0, -size * 2 - bold)


# --------------------------------------------------------------------------- pictures


class _PictureText:
    """OCR of embedded pictures: engine loaded lazily, broken pictures become warnings."""

    def __init__(self, package: _Package, ctx: ReadContext, builder: DocumentBuilder) -> None:
        self._package = package
        self._ctx = ctx
        self._builder = builder
        self._engine: OcrEngine | None = None
        self._engine_failed = False
        self._done: dict[str, list[str]] = {}
        self._not_read: Counter[int] = Counter()

    def texts(self, part: str, page: int) -> list[str]:
        if part not in self._done:
            self._done[part] = self._read(part, page)
        return self._done[part]

    def report(self) -> None:
        """One warning per page whose pictures were left unread because OCR is off."""
        for page, count in sorted(self._not_read.items()):
            self._builder.warn(
                "ocr_skipped", f"{count} embedded picture(s) large enough to hold text were not OCR'd "
                "(OCR is off for this read)", page,
            )

    def _read(self, part: str, page: int) -> list[str]:
        if not part.lower().endswith(_OCR_EXTENSIONS) or self._package.find(part) is None:
            return []
        image = self._open(part, page)
        if image is None:
            return []
        if not self._ctx.ocr:
            self._not_read[page] += 1
            return []
        engine = self._get_engine(page)
        if engine is None:
            return []
        pixels = self._decode(image, part, page)
        if pixels is None:
            return []
        self._ctx.deadline.check(f"OCR of {part}")
        return self._recognize(engine, pixels, part, page)

    def _open(self, part: str, page: int) -> Image.Image | None:
        """The picture, header read only, if it is a PNG/JPEG/TIFF big enough to hold text and within limits."""
        from PIL import Image

        data = self._package.read(part)
        try:
            image = Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "TIFF"))
            width, height = image.size
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            self._builder.warn("docx_image_unreadable", f"picture {part} could not be opened: {exc}", page)
            return None
        if width * height > self._ctx.limits.max_image_pixels:
            # Checked from the header, before decoding: the pixel limit bounds decoder memory.
            self._builder.warn(
                "image_too_large", f"picture {part} has {width}×{height} pixels; the limit is "
                f"{self._ctx.limits.max_image_pixels:,}: not read", page,
            )
            return None
        if min(width, height) < _OCR_MIN_SIDES[0] or max(width, height) < _OCR_MIN_SIDES[1]:
            return None
        return image

    def _decode(self, image: Image.Image, part: str, page: int) -> Image.Image | None:
        """The decoded RGB picture; a damaged one becomes a warning."""
        from PIL import Image

        try:
            return image.convert("RGB")
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            self._builder.warn("docx_image_unreadable", f"picture {part} is damaged: {exc}", page)
            return None

    def _recognize(self, engine: OcrEngine, image: Image.Image, part: str, page: int) -> list[str]:
        try:
            lines = engine.recognize(image)
        except Exception as exc:  # OCR libraries fail in their own ways; one picture must not end the read
            self._builder.warn("docx_image_ocr_failed", f"OCR of {part} failed: {exc}", page)
            return []
        confidence = statistics.fmean(line.confidence for line in lines) if lines else 0.0
        self._builder.warn(
            "docx_image_ocr",
            f"text of picture {part} ({image.width}×{image.height} px) was read by OCR: {len(lines)} "
            f"line(s), mean confidence {confidence:.2f}",
            page,
        )
        return _ocr_paragraphs(lines)

    def _get_engine(self, page: int) -> OcrEngine | None:
        if self._engine is None and not self._engine_failed:
            try:
                from ingest.ocr import get_engine

                self._engine = get_engine()
            except (NotImplementedError, ImportError, OSError, RuntimeError) as exc:
                self._engine_failed = True
                self._builder.warn(
                    "ocr_unavailable",
                    f"embedded pictures were not OCR'd: no OCR engine ({type(exc).__name__}: {exc})",
                    page,
                )
        return self._engine


def _ocr_paragraphs(lines: list[OcrLine]) -> list[str]:
    """OCR lines joined into paragraphs, split where the vertical gap exceeds most line heights."""
    kept = [line for line in lines if line.text and line.text.strip()]
    if not kept:
        return []
    gap_limit = 0.8 * statistics.median(max(line.box[3] - line.box[1], 1.0) for line in kept)
    groups: list[list[str]] = [[kept[0].text]]
    for previous, line in pairwise(kept):
        if line.box[1] - previous.box[3] > gap_limit:
            groups.append([])
        groups[-1].append(line.text)
    return [text for text in (_tidy("\n".join(group)) for group in groups) if text]


# ----------------------------------------------------------------------------- output


def _emit(items: list[_Item], builder: DocumentBuilder, pictures: _PictureText, limits: Limits) -> int:
    """Feed the items to the builder page by page; returns the number of pages."""
    page, pending = 1, 0
    builder.start_page(page)
    for item in items:
        if isinstance(item, _Break):
            pending += 1  # opened only when content follows: no empty page at the end
            continue
        for _ in range(pending):  # every page counts, even one a long table fills on its own
            page += 1
            if page > limits.max_pages:
                raise Refused(
                    "too_many_pages",
                    f"the DOCX has more than {limits.max_pages} pages (counted from its page breaks)",
                )
            builder.start_page(page)
        pending = 0
        if isinstance(item, _Para):
            builder.add_block(item.kind, item.text, item.level if item.kind == "heading" else None)
        elif isinstance(item, _TableItem):
            builder.add_table(item.rows)
        else:
            for text in pictures.texts(item.part, page):
                builder.add_block("paragraph", text)
    return page


_HEADER_PART = re.compile(r"^word/(?:header|footer)\d*\.xml$", re.I)
_PAGE_NUMBER_ONLY = re.compile(r"^(?:第|共|页|page|of|\d|[\s\-–—/|.·()（）])*$", re.I)


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _read_headers(
    package: _Package, rels: dict[str, _Rel], styles: _Styles, builder: DocumentBuilder, deadline: Deadline
) -> None:
    """Header and footer text, kept apart from the body; bare page numbers are dropped."""
    parts = {rel.target for rel in rels.values() if rel.kind in ("header", "footer") and not rel.external}
    if not parts:
        parts = {name for name in package.names() if _HEADER_PART.match(name)}
    for part in sorted(parts, key=_natural):
        root = package.xml_optional(part)
        if root is None:
            continue
        text = _story_text(_Walker(styles, None, {}, set(), deadline).walk(root))
        if not _PAGE_NUMBER_ONLY.match(text):
            builder.add_header(text)


def read_docx(data: bytes, ctx: ReadContext) -> Document:
    """Read a DOCX file into a ``Document``; raises ``Refused`` for hostile or damaged files."""
    archive = open_zip(data, ctx.limits, "DOCX")
    with archive:
        try:
            return _read(_Package(archive, ctx.limits), ctx)
        except RecursionError as exc:
            raise Refused("corrupt", "the DOCX nests tables, text boxes or fields too deeply to read") from exc


def _read(package: _Package, ctx: ReadContext) -> Document:
    package.refuse_dtds()
    main = package.main_part()
    root = package.xml(main)
    body = root.find(W_BODY)
    if body is None:
        raise Refused("corrupt", f"{main} has no w:body: it is not a Word document")
    rels = package.rels(main)
    related = {rel.kind: rel.target for rel in rels.values() if not rel.external}
    styles = _Styles(package.xml_optional(related.get("styles", "word/styles.xml")))
    numbering = _Numbering(package.xml_optional(related.get("numbering", "word/numbering.xml")), styles)
    walker = _Walker(styles, numbering, rels, _page_breaking_sections(body), ctx.deadline)
    items = walker.walk(body)
    _classify(items)
    builder = ctx.builder(PARSER)
    pictures = _PictureText(package, ctx, builder)
    pages = _emit(items, builder, pictures, ctx.limits)
    pictures.report()
    _read_headers(package, rels, styles, builder, ctx.deadline)
    builder.warn(
        "docx_pages",
        f"a DOCX has no fixed pages: its {pages} page(s) are counted from the page breaks stored in the "
        "file (explicit, section and last-rendered breaks) and may differ from the pages Word or WPS prints",
    )
    if walker.skipped:
        what = ", ".join(f"{count} {name}(s)" for name, count in sorted(walker.skipped.items()))
        builder.warn("docx_skipped_content", f"text inside {what} was not read")
    return builder.build()


__all__ = ["read_docx"]
