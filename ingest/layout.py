"""From positioned lines to paragraphs, headings and tables, for any source with geometry.

The PDF text layer and OCR both produce ``Line`` objects; this module decides the
reading order (one or two columns), re-joins lines into paragraphs, detects
headings from size, weight and numbering, and removes running headers, footers
and page numbers. It works on the whole document at once (``emit_pages``):
a running header is only recognisable as the line repeated on many pages, and a
heading level only as a rank among the numbering styles the document uses.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ingest.document import DocumentBuilder
from ingest.headings import (
    UNNUMBERED_SUB,
    UNNUMBERED_TOP,
    has_words,
    heading_levels,
    is_bullet,
    is_caption,
    looks_like_heading_text,
    numbering_style,
    starts_with_caption_label,
)
from ingest.text import is_cjk, join_lines

MARGIN_ZONE = 0.085  # share of the page height at top and bottom where running headers live
_PAGE_NUMBER = re.compile(
    r"^[-–—~\s]*(第\s*)?(\d{1,4}|[ivxlcdm]{1,6})(\s*页)?(\s*(/|of|共)\s*\d{1,4}\s*页?)?[-–—~\s]*$"
    r"|^(page|p\.)\s*\d{1,4}(\s*(of|/)\s*\d{1,4})?$",
    re.I,
)


@dataclass
class Line:
    """One text line (or a table, when ``rows`` is set); page units, origin top left."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool = False
    rows: list[list[str]] | None = None

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass
class Item:
    """A paragraph, heading candidate, list item, caption or table, before levels are set."""

    kind: str
    text: str = ""
    size: float = 0.0
    bold: bool = False
    line_count: int = 1
    rows: list[list[str]] | None = None
    style: str | None = None
    level: int | None = None
    indented: bool = False  # first line indented: a paragraph start, not a continuation
    open: bool = False  # last line runs to the right edge: may continue in the next column


@dataclass
class LayoutPage:
    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    ocr: bool = False
    ocr_confidence: float | None = None
    items: list[Item] = field(default_factory=list)


def layout_page(
    number: int,
    lines: list[Line],
    width: float,
    height: float,
    *,
    ocr: bool = False,
    ocr_confidence: float | None = None,
) -> LayoutPage:
    """A page's raw lines (and tables as ``Line`` with rows), laid out later by ``emit_pages``."""
    return LayoutPage(number, width, height, list(lines), ocr, ocr_confidence)


def emit_pages(builder: DocumentBuilder, pages: list[LayoutPage]) -> None:
    """Lay out every page and add its blocks to ``builder`` in reading order."""
    for text in _strip_furniture(pages):
        builder.add_header(text)
    for page in pages:
        page.items = _page_items(page)
    _classify(pages)
    for page in pages:
        builder.start_page(page.number, ocr=page.ocr, ocr_confidence=page.ocr_confidence,
                           width=page.width, height=page.height)
        for item in page.items:
            if item.rows is not None:
                builder.add_table(item.rows)
            else:
                builder.add_block(item.kind, item.text, item.level)  # type: ignore[arg-type]


# ---------------------------------------------------------------- furniture


def _margin_key(line: Line, page: LayoutPage) -> tuple[str, str] | None:
    if line.rows is not None:
        return None
    if line.bottom <= page.height * MARGIN_ZONE:
        zone = "top"
    elif line.top >= page.height * (1 - MARGIN_ZONE):
        zone = "bottom"
    else:
        return None
    return zone, re.sub(r"\d+", "#", "".join(line.text.split()))


def _strip_furniture(pages: list[LayoutPage]) -> list[str]:
    """Remove page numbers and lines repeated in the margins of many pages; return their texts."""
    counts: Counter[tuple[str, str]] = Counter()
    for page in pages:
        counts.update({key for line in page.lines if (key := _margin_key(line, page))})
    # Chapter-name headers repeat only on their chapter's pages: three repeats are enough.
    repeated_at = min(3, max(2, round(0.4 * len(pages))))
    removed: list[str] = []
    for page in pages:
        kept = []
        for line in page.lines:
            key = _margin_key(line, page)
            if key and (_PAGE_NUMBER.match(line.text.strip()) or (len(pages) > 1 and counts[key] >= repeated_at)):
                if not _PAGE_NUMBER.match(line.text.strip()):
                    removed.append(line.text.strip())
                continue
            kept.append(line)
        page.lines = kept
    return removed


# ---------------------------------------------------------------- reading order


def _reading_order(lines: list[Line], width: float) -> list[list[Line]]:
    """Lines grouped into column runs in reading order (one run per column per band)."""
    rows = _merge_rows(sorted(lines, key=lambda ln: (ln.top, ln.x0)))
    gutter = _find_gutter(rows, width)
    if gutter is None:
        return [_merge_segments(rows)]
    runs: list[list[Line]] = []
    left: list[Line] = []
    right: list[Line] = []
    for line in rows:
        if line.x0 < gutter < line.x1:  # spans both columns: ends the band
            runs.extend(r for r in (left, right) if r)
            left, right = [], []
            runs.append([line])
        elif line.x1 <= gutter:
            left.append(line)
        else:
            right.append(line)
    runs.extend(r for r in (left, right) if r)
    return runs


def _merge_rows(lines: list[Line]) -> list[Line]:
    """Sort so that lines sharing a baseline stay together left to right."""
    ordered: list[Line] = []
    for line in lines:
        prev = ordered[-1] if ordered else None
        if (prev is not None and line.rows is None and prev.rows is None
                and abs(line.top - prev.top) < 0.3 * min(line.height, prev.height) and line.x0 < prev.x0):
            ordered.insert(len(ordered) - 1, line)
        else:
            ordered.append(line)
    return ordered


def _find_gutter(lines: list[Line], width: float) -> float | None:
    """An x between 30% and 70% of the page crossed by few lines, with text on both sides."""
    text_lines = [ln for ln in lines if ln.rows is None]
    if len(text_lines) < 8:
        return None
    best: tuple[int, float] | None = None
    for step in range(30, 71, 2):
        x = width * step / 100
        crossing = sum(1 for ln in text_lines if ln.x0 < x < ln.x1)
        left = sum(1 for ln in text_lines if ln.x1 <= x)
        right = sum(1 for ln in text_lines if ln.x0 >= x)
        if min(left, right) >= 4 and crossing <= 0.25 * len(text_lines):
            balance = min(left, right)
            if best is None or (crossing, -balance) < (best[0], -best[1]):
                best = (crossing, x)
    if best is None:
        return None
    # Genuine columns run side by side: many lines of one column must overlap lines of the other
    # vertically (columns may use different leading, so their baselines need not match).
    x = best[1]
    left_lines = [ln for ln in text_lines if ln.x1 <= x]
    side_by_side = sum(1 for ln in text_lines if ln.x0 >= x and any(
        ln.top < other.bottom and other.top < ln.bottom for other in left_lines))
    return x if side_by_side >= 3 else None


def _merge_segments(lines: list[Line]) -> list[Line]:
    """Join pieces of one visual line that were cut at wide gaps (single-column pages)."""
    merged: list[Line] = []
    for line in lines:
        prev = merged[-1] if merged else None
        same_row = prev is not None and abs(line.top - prev.top) < 0.4 * line.height
        if prev and same_row and prev.rows is None and line.rows is None and line.x0 >= prev.x1:
            sep = "" if is_cjk(prev.text[-1:]) and is_cjk(line.text[:1]) and line.x0 - prev.x1 < line.size else " "
            merged[-1] = Line(prev.text + sep + line.text, prev.x0, min(prev.top, line.top), line.x1,
                              max(prev.bottom, line.bottom), max(prev.size, line.size), prev.bold and line.bold)
        else:
            merged.append(line)
    return merged


# ---------------------------------------------------------------- paragraphs


def _page_items(page: LayoutPage) -> list[Item]:
    items: list[Item] = []
    for run in _reading_order(page.lines, page.width):
        run_items = _run_items(run)
        if run_items and items and _continues(items[-1], run_items[0]):
            previous = items[-1]
            previous.text = join_lines([previous.text, run_items[0].text])
            previous.line_count += run_items[0].line_count
            previous.open = run_items[0].open
            run_items = run_items[1:]
        items.extend(run_items)
    return items


def _continues(previous: Item, first: Item) -> bool:
    """A paragraph cut by a column break: open at the end, continued without an indent."""
    return (previous.kind == first.kind == "paragraph" and previous.open and not first.indented
            and abs(previous.size - first.size) <= 0.15 * max(previous.size, 1.0)
            and not numbering_style(first.text) and not is_bullet(first.text))


def _run_items(run: list[Line]) -> list[Item]:
    text_lines = [ln for ln in run if ln.rows is None]
    left = min((ln.x0 for ln in text_lines), default=0.0)
    right = max((ln.x1 for ln in text_lines), default=0.0)
    spacing = _line_spacing(text_lines)
    items: list[Item] = []
    current: list[Line] = []
    for line in run:
        if line.rows is not None:
            items.extend(_flush(current, left, right))
            current = []
            items.append(Item("table", rows=line.rows))
            continue
        if current and _breaks(current[-1], line, left, right, spacing):
            items.extend(_flush(current, left, right))
            current = []
        current.append(line)
    items.extend(_flush(current, left, right))
    return items


def _line_spacing(lines: list[Line]) -> float:
    """The usual gap between consecutive lines, as a share of line height (double spacing ≈ 1)."""
    ratios = sorted((b.top - a.bottom) / a.height for a, b in itertools.pairwise(lines)
                    if 0 <= b.top - a.bottom < 3 * a.height)
    return ratios[len(ratios) // 3] if ratios else 0.3  # lower third: paragraph gaps are the outliers


def _breaks(prev: Line, line: Line, left: float, right: float, spacing: float = 0.3) -> bool:
    """Whether ``line`` starts a new paragraph after ``prev``."""
    size = max(prev.size, line.size, 1.0)
    gap = (line.top - prev.bottom) / max(prev.height, line.height)
    if gap > max(spacing + 0.6, 0.9) or gap < -0.5:
        return True
    if abs(prev.size - line.size) > 0.15 * size or prev.bold != line.bold:
        return True
    prev_full = prev.x1 >= right - 1.5 * size and not prev.text.rstrip().endswith(_ENDS)
    if not prev_full and (numbering_style(line.text) or is_bullet(line.text)
                         or starts_with_caption_label(line.text)):
        return True
    if numbering_style(prev.text) and looks_like_heading_text(prev.text, 30) and prev.x1 < right - 4 * size:
        return True
    if prev.x1 < right - 2.0 * size and prev.text.rstrip().endswith(_ENDS):
        return True
    if prev.x1 < right - 6 * size:  # a short line ends its paragraph whatever its last character
        return True
    return line.x0 > left + 1.5 * size and prev.x0 <= left + 0.5 * size


def _flush(lines: list[Line], left: float, right: float) -> list[Item]:
    if not lines:
        return []
    first, last = lines[0], lines[-1]
    size = statistics.median(ln.size for ln in lines)
    return [Item(
        "paragraph", text=join_lines([ln.text for ln in lines]), size=size,
        bold=all(ln.bold for ln in lines), line_count=len(lines),
        indented=first.x0 > left + 1.5 * max(size, 1.0),
        open=last.x1 >= right - 1.5 * max(size, 1.0) and not last.text.rstrip().endswith(_ENDS),
    )]


_ENDS = ("。", "！", "？", "：", ":", ".", "!", "?", "；")


# ---------------------------------------------------------------- headings


def _classify(pages: list[LayoutPage]) -> None:
    """Mark headings, list items and captions, with levels decided for the whole document."""
    items = [item for page in pages for item in page.items if item.rows is None]
    body = _body_size(items)
    headings: list[Item] = []
    for item in items:
        item.kind = _kind(item, body)
        if item.kind == "heading":
            headings.append(item)
    numbered_sizes = [h.size for h in headings if h.style]
    top_size = max(numbered_sizes) if numbered_sizes else body * 1.15
    for heading in headings:
        if heading.style is None:
            heading.style = UNNUMBERED_TOP if heading.size >= top_size - 0.5 else UNNUMBERED_SUB
    for heading, level in zip(headings, heading_levels([h.style or UNNUMBERED_TOP for h in headings]),
                              strict=True):
        heading.level = level


def _body_size(items: list[Item]) -> float:
    weights: Counter[float] = Counter()
    for item in items:
        weights[round(item.size * 2) / 2] += len(item.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _kind(item: Item, body: float) -> str:
    text = item.text
    style = numbering_style(text)
    big = item.size >= body * 1.12
    short = item.line_count <= 2 and looks_like_heading_text(text, 40 if big else 30) and has_words(text)
    if is_caption(text) and item.line_count <= 2:
        return "caption"
    if short and (big or (item.bold and len(text) <= 30) or (style and len(text) <= 26)):
        item.style = style
        return "heading"
    if style or is_bullet(text):
        return "list"
    return "paragraph"
