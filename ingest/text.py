"""Text clean-up for extraction, and normalisation for matching that keeps offsets.

Two different jobs:

* ``clean`` fixes what extraction gets wrong but a reader would never see (Kangxi radical
  code points standing in for ordinary ideographs, control characters) and is applied to
  the Document text itself; it changes no lengths, so spans stay exact.
* ``normalize`` builds a *matching* view (NFKC full-width → half-width, one form of
  punctuation, collapsed whitespace, optionally traditional → simplified) together with
  an offset map, so a hit in the normalised text maps back to a span of the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\ufeff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")

# Punctuation folded to one form for matching (after NFKC, which already maps full-width ASCII).
_PUNCT = str.maketrans({
    "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
    "。": ".", "、": ",", "《": "<", "》": ">", "〈": "<", "〉": ">", "【": "[", "】": "]",
    "〔": "[", "〕": "]", "—": "-", "–": "-", "―": "-", "…": "...", "·": ".", "・": ".",
    "～": "~", "\u3000": " ",
})


def is_cjk(text: str) -> bool:
    """Whether the (single) character is a Han ideograph or CJK punctuation."""
    if not text:
        return False
    char = text[0]
    return bool(_HAN.match(char)) or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"


def clean(text: str) -> str:
    """Same-length fixes: radicals → ideographs (NFKC, 1:1 for these blocks), controls → space."""
    text = _RADICALS.sub(lambda m: _one_char_nfkc(m.group()), text)
    return _CONTROL.sub(" ", text)


def _one_char_nfkc(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def join_lines(lines: list[str]) -> str:
    """Re-join wrapped lines: no space between CJK, de-hyphenate English words."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        elif is_cjk(out[-1]) or is_cjk(line[0]):
            out += line
        else:
            out += " " + line
    return out


@dataclass(frozen=True)
class Normalized:
    """A matching view of a text; ``offsets[i]`` is the original offset of character ``i``."""

    text: str
    offsets: list[int]
    source_length: int

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced ``text[start:end]``.

        Every normalised character comes from exactly one original character, so the
        span runs from the first one's source to just past the last one's.
        """
        if start >= end:
            origin = self.offsets[start] if start < len(self.offsets) else self.source_length
            return origin, origin
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str, *, simplified: bool = False, lower: bool = True) -> Normalized:
    """NFKC, unified punctuation, single spaces; optionally traditional → simplified."""
    text_for_chars = to_simplified(text) if simplified else text
    chars: list[str] = []
    offsets: list[int] = []
    previous_space = True
    for index, char in enumerate(text_for_chars):
        folded = unicodedata.normalize("NFKC", char).translate(_PUNCT)
        if lower:
            folded = folded.lower()
        for piece in folded:
            if piece.isspace():
                if previous_space:
                    continue
                piece = " "
            previous_space = piece == " "
            chars.append(piece)
            offsets.append(index)
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return Normalized("".join(chars), offsets, len(text))


def to_simplified(text: str) -> str:
    """Traditional → simplified, one character for one so offsets survive.

    OpenCC's phrase tables can change length (e.g. idioms); when they do for a run, the
    run falls back to character-by-character conversion, which never does.
    """
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_char_simplified(char) for char in text)


@functools.lru_cache(maxsize=65536)
def _char_simplified(char: str) -> str:
    converted = _converter().convert(char)
    return converted if len(converted) == 1 else char


@functools.lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")
