"""People and companies named in the text: role words around personal names, and company names.

A person is a name next to a role the phrase matcher found: after it (首席技术官张三, 联系人：袁启岩),
before it behind a comma or 任 (张三，总经理 / 张三担任总经理), or before a title after an institution
(四川大学田亮萍教授). A name is a known surname and one or two characters that end at a word
boundary (jieba's, computed only for these blocks), so 张三负责 yields 张三.

A company is the value of a 公司名称/参赛单位… label, or an ``…有限公司`` mention whose start is found
by walking back over jieba words until a function word or punctuation (与西安某某股份有限公司 → 西安…).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator

from ingest.fact_patterns import INSTITUTION_ENDINGS, STOP_WORDS, is_surname_start, plausible_name
from ingest.fact_source import FactSource, Hit
from ingest.facts import Fact

_HAN = re.compile("[\u4e00-\u9fff]")
_ROLE_LEAD = re.compile(r"[\s:：]*(?:为|是|由)?\s*")
_BEFORE_ROLE = re.compile(r"(?:[,，、]\s*|[(（]\s*|(?:现任|担任|兼任|出任|任|系)\s*)(?:公司|本公司)?$")
_COMPANY_ENDING = re.compile("有限责任公司|股份有限公司|有限公司")
_COMPANY_LEAD = re.compile(r"[\s:：]*(?:为|是)?\s*")
_LABEL_VALUE = re.compile(r"[^\t\n，,。；;]+?(?=[\t\n，,。；;]|\s{2,}|\s+\S{2,8}[:：]|$)")
_ORGANISATION = re.compile(r"(?:公司|集团|厂|研究院|研究所|中心|合作社|事务所|团队|工作室|实验室|大学|学院|医院|协会)$")
_NAME_PUNCTUATION = set("（）()·&-")


def _is_han(char: str) -> bool:
    return bool(_HAN.match(char))


def _hit_at(source: FactSource, offset: int, *, ending: bool) -> bool:
    """A role or title phrase starts (or, with ``ending``, ends) at ``offset``."""
    window = source.hits_in(max(0, offset - 12), offset + 12)
    return any((hit.end if ending else hit.start) == offset and hit.key in ("role", "title") for hit in window)


def _ends_name(source: FactSource, end: int) -> bool:
    text = source.folded
    return end >= len(text) or not _is_han(text[end]) or _hit_at(source, end, ending=False) \
        or end in source.word_boundaries(end - 1)


def _starts_name(source: FactSource, start: int) -> bool:
    text = source.folded
    located = source.block_at(start)
    if start == 0 or (located and located[1].span[0] == start) or not _is_han(text[start - 1]):
        return True
    return _hit_at(source, start, ending=True) or text[:start].endswith(INSTITUTION_ENDINGS)


def name_after(source: FactSource, start: int) -> tuple[int, int] | None:
    """The longest plausible name starting at ``start`` that ends at a word boundary."""
    surname = is_surname_start(source.folded[start:start + 2])
    for length in (surname + 2, surname + 1) if surname else ():
        end = start + length
        if plausible_name(source.folded[start:end]) and _ends_name(source, end):
            return start, end
    return None


def name_before(source: FactSource, end: int) -> tuple[int, int] | None:
    """The longest plausible name ending at ``end`` whose start is a break, a role or an institution."""
    for length in (4, 3, 2):
        start = end - length
        if start >= 0 and plausible_name(source.folded[start:end]) and _starts_name(source, start):
            return start, end
    return None


def _person(source: FactSource, span: tuple[int, int] | None, role: str) -> Iterator[Fact]:
    if span is not None:
        name = source.document.text[span[0]:span[1]]
        yield source.fact("person", name, span[0], span[1], name=name, role=role, source="text")


def _role_people(source: FactSource, hit: Hit) -> Iterator[Fact]:
    lead = _ROLE_LEAD.match(source.folded, hit.end)
    located = source.block_at(hit.start)
    if lead and "\n" in lead[0] and located and located[1].kind == "table":
        lead = None  # a role ending a table row does not name the next row's person
    if lead is not None:
        yield from _person(source, name_after(source, lead.end()), hit.phrase)
    before = _BEFORE_ROLE.search(source.folded, max(0, hit.start - 8), hit.start)
    if before is not None and before.end() == hit.start:
        yield from _person(source, name_before(source, before.start()), hit.phrase)


def _title_people(source: FactSource, hit: Hit) -> Iterator[Fact]:
    yield from _person(source, name_before(source, hit.start), hit.phrase)


def person_facts(source: FactSource) -> list[Fact]:
    """People named next to role words and titles in the text."""
    facts: list[Fact] = []
    for hit in source.hits:
        if hit.key == "role":
            facts.extend(_role_people(source, hit))
        elif hit.key == "title":
            facts.extend(_title_people(source, hit))
    return facts


def _labelled_companies(source: FactSource) -> Iterator[Fact]:
    for hit in source.hits:
        if hit.key != "label:company_name":
            continue
        lead = _COMPANY_LEAD.match(source.folded, hit.end)
        value = _LABEL_VALUE.match(source.folded, lead.end() if lead else hit.end)
        if value is None:
            continue
        start = value.start() + (len(value[0]) - len(value[0].lstrip()))
        name = source.folded[start:_value_end(source, start, value.end())].strip()
        if 4 <= len(name) <= 60 and _ORGANISATION.search(name):
            yield source.fact("company_name", source.document.text[start:start + len(name)], start,
                              start + len(name), label=hit.phrase, source="label")


def _value_end(source: FactSource, start: int, end: int) -> int:
    """Where a label's value ends: before the next ``label：`` when a PDF joined two cover lines into one."""
    for hit in source.hits_in(start + 2, end + 12):
        if hit.start < end and source.folded[hit.end:hit.end + 1] in (":", "："):
            return hit.start
    return end


def _mention_start(source: FactSource, ending_start: int) -> int:
    """Walk back over jieba words from a company ending until a function word, punctuation or 40 characters."""
    marks = sorted(source.word_boundaries(ending_start))
    located = source.block_at(ending_start)
    low = located[1].span[0] if located else 0
    index = bisect.bisect_right(marks, ending_start) - 1
    start = ending_start
    while index > 0 and marks[index] > low and ending_start - marks[index - 1] <= 40:
        word = source.folded[marks[index - 1]:marks[index]]
        if word in STOP_WORDS or word.endswith("公司") or not all(_is_han(c) or c.isalnum() or c in _NAME_PUNCTUATION
                                                                    for c in word):
            break
        start, index = marks[index - 1], index - 1
    while start < ending_start and source.folded[start] in "）)":
        start += 1
    return start


def _mentioned_companies(source: FactSource) -> Iterator[Fact]:
    for match in _COMPANY_ENDING.finditer(source.folded):
        start = _mention_start(source, match.start())
        if match.start() - start >= 2 and sum(map(_is_han, source.folded[start:match.start()])) >= 2:
            yield source.fact("company_name", source.document.text[start:match.end()], start, match.end(),
                              source="mention")


def company_facts(source: FactSource) -> list[Fact]:
    """Labelled company names, then each other name mentioned (first mention); one is marked the applicant."""
    labelled = list(_labelled_companies(source))
    names = {fact.value for fact in labelled}
    mentions = list(_mentioned_companies(source))
    counts = Counter(fact.value for fact in mentions)
    first: dict[str, Fact] = {}
    for fact in mentions:
        if fact.value not in names:
            first.setdefault(fact.value, fact)
    applicant = labelled[0].value if labelled else (counts.most_common(1)[0][0] if counts else None)
    facts = []
    for fact in [*labelled, *first.values()]:
        fact.attributes.update(applicant=fact.value == applicant, mentions=counts.get(fact.value, 0))
        facts.append(fact)
    return facts
