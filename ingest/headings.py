"""Chinese and Western heading numbering, and heading levels decided per document.

Chinese plans number their outline 第一章 / 一、 / （一） / 1. / （1）; Western-style ones use
1 / 1.1 / 1.1.1. Which number means which level depends on the document: "1." is the third
level under 一、 and （一）, but the first in a document that only uses 1. and 1.1. So each
heading gets a *style* here, and ``heading_levels`` nests the styles in the order a document uses them.
"""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十百零〇两"

_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第[{_CN_NUM}\d]+[章篇部分]")),
    ("cn", re.compile(rf"^[{_CN_NUM}]+\s*[、．.]")),
    ("paren_cn", re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)]")),
    ("arabic3", re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}(?![.\d])")),
    ("arabic2", re.compile(r"^\d{1,2}\.\d{1,2}(?![.\d])")),
    ("arabic1", re.compile(r"^\d{1,2}\s*[、.．](?!\d)|^\d{1,2}\s+(?=\D)")),
    ("paren_arabic", re.compile(r"^[（(]\s*\d{1,2}\s*[）)]|^\d{1,2}\s*[）)]")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]")),
    ("article", re.compile(rf"^第[{_CN_NUM}\d]+条")),
]

# Outline depth each style usually stands for; used only to order the styles found.
UNNUMBERED_TOP = "size_top"  # an unnumbered heading at least as big as the numbered ones
UNNUMBERED_SUB = "size_sub"
_RANK: dict[str, float] = {
    UNNUMBERED_TOP: -1, "chapter": 0, "cn": 1, "article": 1, "paren_cn": 2, UNNUMBERED_SUB: 2.5,
    "arabic1": 3, "arabic2": 4, "arabic3": 5, "paren_arabic": 6, "circled": 7,
}

_BULLET = re.compile(r"^[•●○◆◇■□▪▶►√✓\-–—*·]\s*")
_CAPTION = re.compile(r"^(图|表|附图|附表)\s*[\d一二三四五六七八九十]+|^(Figure|Fig\.|Table)\s*\d+", re.I)
_TOC_LEADER = re.compile(r"(\.{4,}|…{2,}|·{4,}|-{6,})\s*\d*\s*$")
_SENTENCE_END = ("。", "；", ";", "，", ",", "、", "：", ":")


def numbering_style(text: str) -> str | None:
    """The numbering style a line starts with, or None."""
    stripped = text.lstrip()
    for name, pattern in _STYLES:
        if pattern.match(stripped):
            return name
    return None


def is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text.lstrip()))


def is_caption(text: str) -> bool:
    return len(text) <= 60 and bool(_CAPTION.match(text.lstrip()))


def is_toc_line(text: str) -> bool:
    return bool(_TOC_LEADER.search(text))


def looks_like_heading_text(text: str, max_chars: int = 40) -> bool:
    """Short, not a sentence, not a table-of-contents entry."""
    text = text.strip()
    return 0 < len(text) <= max_chars and not text.endswith(_SENTENCE_END) and not is_toc_line(text)


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
            while stack and _RANK.get(stack[-1], 8) >= _RANK.get(style, 8):
                stack.pop()
            stack.append(style)
        seen_at[style] = len(stack)
        levels.append(min(len(stack), 6))
    return levels


_WORD = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def has_words(text: str) -> bool:
    """At least two letters or ideographs beyond the numbering: not "(1)", "2021" or "L"."""
    return len(_WORD.findall(text)) >= 2
