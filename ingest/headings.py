"""Heading knowledge shared by every reader: numbering styles, their ranks, and what is no heading.

Chinese plans number their outline 第一章 / 第一节 / 一、 / （一） / 1. / （1）; Western-style
ones use Chapter 1 / 1 / 1.1 / 1.1.1. Which number means which level depends on the document:
"1." is the third level under 一、 and （一）, but the first in a document that only uses 1. and
1.1. So each heading gets a *style* here, ``style_rank`` says how deep a style usually sits,
and ``heading_levels`` nests the styles in the order a document uses them. The PDF/OCR layout
(``ingest.layout``) and the DOCX reader both decide headings with these same patterns.
"""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十百零〇两"
_CN_SMALL = "一二三四五六七八九十"  # 一、 and （一） count up to 九十九, never with 百 or 零
_PAGE_ARABIC = r"\d+(?:[-–.]\d+)*"  # a page number, also "3-2" or "1.4" in chaptered manuals

# Most specific first: "1.1.1" is tried before "1.1" and "1.".
_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第[{_CN_NUM}\d]+[章篇部]|^(?:chapter|part)\s+\d+", re.I)),
    ("section", re.compile(rf"^第[{_CN_NUM}\d]+节|^section\s+\d+", re.I)),
    ("article", re.compile(rf"^第[{_CN_NUM}\d]+条")),
    ("cn", re.compile(rf"^[{_CN_SMALL}]{{1,3}}\s*[、.．]")),
    ("paren_cn", re.compile(rf"^[（(]\s*[{_CN_SMALL}]{{1,3}}\s*[）)]")),
    ("arabic4", re.compile(r"^\d{1,2}[.．]\d{1,2}[.．]\d{1,2}[.．]\d{1,2}(?![.．]?\d)[.．]?")),
    ("arabic3", re.compile(r"^\d{1,2}[.．]\d{1,2}[.．]\d{1,2}(?![.．]?\d)[.．]?")),
    ("arabic2", re.compile(r"^\d{1,2}[.．]\d{1,2}(?![.．]?\d)[.．]?")),
    # "1." or "1、", or "1 " before a word; not "12 个", "3 年", "5 %".
    ("arabic1", re.compile(r"^\d{1,2}(?:\s*[.．、](?!\d)|\s+(?=[^\d\s年月日个%％万亿元岁天次号]))")),
    ("paren_arabic", re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
    ("half_paren_arabic", re.compile(r"^\d{1,2}\s*[）)]")),
    ("circled", re.compile(r"^[\u2460-\u2473]")),  # ① … ⑳
]

# Outline depth each style usually stands for; used only to order the styles found.
UNNUMBERED_TOP = "size_top"  # an unnumbered heading at least as big as the numbered ones
UNNUMBERED_SUB = "size_sub"
_RANK: dict[str, float] = {
    UNNUMBERED_TOP: -1, "chapter": 0, "section": 0.5, "cn": 1, "article": 1, "paren_cn": 2,
    UNNUMBERED_SUB: 2.5, "arabic1": 3, "arabic2": 4, "arabic3": 5, "arabic4": 5.5,
    "paren_arabic": 6, "half_paren_arabic": 6.5, "circled": 7,
}
_UNKNOWN_RANK = 8.0

_BULLET = re.compile(r"^(?:[•●○◆◇■□▪▫►▶➢✓✔√·※]|[-–—*]\s)")
_CAPTION = re.compile(
    r"^(?:图|表|附图|附表|图表|figure|fig\.|table|chart)\s*"
    rf"(?:[a-z]?\d+(?:[-.．—–]\d+)*|[{_CN_SMALL}]+)(?:\s|[:：.．、]|$)",
    re.I,
)
# A leader (dots, ellipses, dashes) at the end, with or without the page number, or a tab
# followed by a page number: "第一章 总论 ........ 3", "1.2 Scope\t iv".
_TOC_LINE = re.compile(
    rf"(?:(?:\.{{4,}}|…{{2,}}|·{{4,}}|-{{4,}})\s*(?:{_PAGE_ARABIC}|[ivxlc]{{1,6}}|[IVXLC]{{1,6}})?"
    rf"|\t\s*(?:{_PAGE_ARABIC}|[ivxlc]{{1,6}}|[IVXLC]{{1,6}}))\s*$"
)
_NOT_HEADING_END = tuple("。；;，,、：:.")
_SENTENCE_INSIDE = re.compile(r"[。；;]")
# Letters of any script that has them, and ideographs: what a title is made of.
_WORD = re.compile(
    r"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def numbering_style(text: str, *, words_after: bool = False) -> str | None:
    """The numbering style a line starts with, or None.

    With ``words_after`` the number must be followed by a letter or ideograph: "1.5" or
    "（2）" alone is a value or an equation number, not a numbered heading or list item.
    """
    stripped = text.lstrip()
    for name, pattern in _STYLES:
        match = pattern.match(stripped)
        if match:
            return name if not words_after or has_words(stripped[match.end() :], 1) else None
    return None


def style_rank(style: str) -> float:
    """How deep a style usually sits (smaller is outer); unknown styles sit deepest."""
    return _RANK.get(style, _UNKNOWN_RANK)


def is_bullet(text: str) -> bool:
    """Starts with a bullet sign, or with a dash or star and a space (not "-5%" or "*注")."""
    return bool(_BULLET.match(text.lstrip()))


def starts_with_caption_label(text: str) -> bool:
    """Starts with a figure or table number ("图1", "Table 2:"), so a new block starts here.

    Also true of a sentence about a figure ("图 1 为……；"), which is no caption but still
    stands apart from the text before it.
    """
    return bool(_CAPTION.match(text.lstrip()))


def is_caption(text: str) -> bool:
    """A short figure or table title ("图1 设备外观", "Table 2: ..."), not a sentence about one."""
    text = text.strip()
    return len(text) <= 80 and starts_with_caption_label(text) and not text.endswith(("。", "；", ";"))


def is_toc_line(text: str) -> bool:
    """A table-of-contents entry: ends with a leader or a tab and a page number."""
    return bool(_TOC_LINE.search(text))


def looks_like_heading_text(text: str, max_chars: int = 40) -> bool:
    """Short, not a sentence, not a table-of-contents entry."""
    text = text.strip()
    return (0 < len(text) <= max_chars and not text.endswith(_NOT_HEADING_END)
            and not _SENTENCE_INSIDE.search(text) and not is_toc_line(text))


def has_words(text: str, minimum: int = 2) -> bool:
    """At least ``minimum`` letters or ideographs: by default not "(1)", "2021" or "L"."""
    return len(_WORD.findall(text)) >= minimum


def heading_levels(styles: list[str]) -> list[int]:
    """Level (1 = top) of each heading, given the styles of all headings in document order.

    A stack of open styles: a style seen before closes everything opened after it (a new
    一、 closes the （一） and 1. under the previous one); a new style nests under the open
    styles that rank above it. Stray numbering (an equation's "(1)") therefore only ever
    deepens one heading, instead of shifting the levels of the whole document.
    """
    stack: list[str] = []
    levels: list[int] = []
    seen_at: dict[str, int] = {}  # a style that comes back returns to the depth it had
    for style in styles:
        if style in stack:
            del stack[stack.index(style) + 1 :]
        elif style in seen_at and seen_at[style] <= len(stack) + 1:
            del stack[seen_at[style] - 1 :]
            stack.append(style)
        else:
            while stack and style_rank(stack[-1]) >= style_rank(style):
                stack.pop()
            stack.append(style)
        seen_at[style] = len(stack)
        levels.append(min(len(stack), 6))
    return levels
