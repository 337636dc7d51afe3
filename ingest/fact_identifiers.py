"""Identifier facts: USCCs, patent numbers, software-copyright numbers and trademark registrations.

Candidates come from shape regexes over the width-folded text; each one is then validated by the
check algorithms of ``ingest.codes`` and judged by its context: the label before it (统一社会信用代码,
身份证号), the table row it sits in (专利名称, 类型, 法律状态 columns) or its clause. A code whose
check character fails is still reported, with ``valid`` False, so a person can look at the typo.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingest.codes import (
    check_uscc,
    is_software_certificate,
    is_software_registration,
    is_trademark_number,
    parse_patent_number,
    parse_publication_number,
)
from ingest.fact_patterns import PATENT_TYPES_STATED
from ingest.fact_source import FactSource
from ingest.fact_tables import column_header, row_context
from ingest.facts import Fact
from ingest.identity import is_valid_id_number
from ingest.quantities import dates_in

_USCC = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_APPLICATION = re.compile(
    r"(?<![0-9A-Za-z])(?:(?P<prefix>ZL|CN)\s?)?(?P<body>(?:19|20)\d{2}\s?[12389]\s?\d{7}\s?[.·•]\s?[0-9Xx]"
    r"|\d{2}[123]\d{5}[.·•][0-9Xx])(?![0-9A-Za-z])", re.IGNORECASE)
_UNDOTTED = re.compile(r"(?<![0-9A-Za-z])(?P<prefix>ZL|CN)\s?(?P<body>\d{12}[0-9Xx])(?![0-9A-Za-z])", re.IGNORECASE)
_PUBLICATION = re.compile(r"(?<![0-9A-Za-z])CN\s?(?:\d{7}|\d{9})\s?[ABCUYS]\d?(?![0-9A-Za-z])", re.IGNORECASE)
_SOFTWARE = re.compile(r"(?<![0-9A-Za-z])(?:19|20)\d{2}\s?SR\s?\d{3,9}(?![0-9A-Za-z])", re.IGNORECASE)
_CERTIFICATE = re.compile(r"软著登字\s*第\s*(?P<inner>[0-9A-Za-z]{4,14})\s*号")
_TRADEMARK = re.compile(r"(?:(?:注册号|商标号|注册证号)\s*[:：]?\s*(?:第\s*)?|第\s*)(?P<number>\d{4,9})(?!\d)")
_CLASS = re.compile(r"第\s*(\d{1,2})\s*类|^\s*(\d{1,2})\s*类?\s*$")
_BOOK_TITLE = re.compile(r"《([^《》]{2,60})》")
_PATENT_TITLE = re.compile(r"一种[^，。；、,;()（）《》\t\n]{2,40}?(?:方法|装置|系统|设备|结构|机构|组件|材料|工艺|"
                           r"应用|平台|模块|打印头|喷嘴|打印机|墨水|支架|制备方法)")
_HOLDER = re.compile(r"(?:专利权人|著作权人|权利人|申请人)\s*[:：为是]?\s*"
                     r"(?P<holder>[^，。；,;\s]{2,40}?(?:公司|大学|学院|研究院|研究所))")
_SEPARATOR = re.compile(r"[\s:：()（）]*(?:为|是)?[\s:：]*")


def _labelled(source: FactSource, start: int, prefix: str) -> bool:
    """A ``prefix`` label ends right before ``start`` (separators only), or heads the cell's column."""
    for hit in source.hits_in(max(0, start - 30), start, prefix):
        if _SEPARATOR.fullmatch(source.folded[hit.end:start]):
            return True
    context = row_context(source, start) if prefix == "label:uscc" else None
    return context is not None and any("信用代码" in header for header in context)


def _uscc_facts(source: FactSource) -> Iterator[Fact]:
    for match in _USCC.finditer(source.folded):
        code, start = match[0].upper(), match.start()
        check = check_uscc(code)
        labelled = _labelled(source, start, "label:uscc")
        if _labelled(source, start, "label:id") or (not labelled and not _unlabelled_uscc(code, check.valid)):
            continue
        if not check.well_formed and not labelled:
            continue
        yield source.fact("uscc", code, start, match.end(), check.valid, labelled=labelled,
                          enterprise=check.enterprise, org_check_ok=check.org_check_ok if check.well_formed else None,
                          problem=check.problem)


def _unlabelled_uscc(code: str, valid: bool) -> bool:
    """Without a label an 18-character string is a USCC only if it cannot be an ID number or a mere number."""
    if is_valid_id_number(code):
        return False
    could_be_an_id = code[:17].isdigit() and (code[17].isdigit() or code[17] == "X")
    return valid or not could_be_an_id


def _segment(source: FactSource, start: int, end: int, stops: list[tuple[int, int]]) -> tuple[int, int]:
    """The part of the clause around [start, end) that belongs to this identifier (up to its neighbours)."""
    low, high = source.clause(start)
    for other_start, other_end in stops:
        if other_end <= start:
            low = max(low, other_end)
        elif other_start >= end:
            high = min(high, other_start)
    return low, high


def _stated_type(text: str) -> str | None:
    found = [(text.rfind(word), kind) for word, kind in PATENT_TYPES_STATED.items() if word in text]
    return max(found)[1] if found else None


def _patent_context(source: FactSource, start: int, end: int, stops: list[tuple[int, int]]) -> dict[str, Any]:
    """title, stated type, holder and status from the table row, or else from the clause."""
    row = row_context(source, start)
    if row is not None:
        def cell(pattern: str) -> str | None:
            return next((value for header, value in row.items() if header and re.search(pattern, header)), None)
        status = cell("状态")
        return {"title": cell("名称"), "stated_type": _stated_type(cell("类型|类别|种类") or ""),
                "holder": cell("专利权人|权利人|申请人|权属"), "status": status, "text": " ".join(row.values())}
    low, high = _segment(source, start, end, stops)
    before, around = source.folded[low:start], source.folded[low:high]
    title = _BOOK_TITLE.findall(around) or _PATENT_TITLE.findall(around)
    holder = _HOLDER.search(source.folded, *source.clause(start))
    return {"title": title[-1] if title else None, "stated_type": _stated_type(before),
            "holder": holder["holder"] if holder else None, "status": None, "text": around}


def _granted(prefix: str | None, context: dict[str, Any]) -> bool:
    if prefix:
        return prefix.upper() == "ZL"
    text = context["status"] or context["text"]
    return "授权" in text and not re.search(r"未授权|审查|公开|受理|申请中", context["status"] or "")


def _patent_facts(source: FactSource) -> Iterator[Fact]:
    found = sorted([*_APPLICATION.finditer(source.folded), *_UNDOTTED.finditer(source.folded)], key=lambda m: m.start())
    publications = list(_PUBLICATION.finditer(source.folded))
    stops = [m.span() for m in found] + [m.span() for m in publications]
    used: set[int] = set()
    for match in found:
        number = parse_patent_number(match["body"])
        old_form = number is not None and len(number.digits) == 8
        if number is None or (old_form and not match["prefix"] and "专利" not in source.folded[slice(*source.clause(
                match.start()))]):
            continue
        context = _patent_context(source, match.start(), match.end(), stops)
        publication = _nearby_publication(source, match.start(), publications, used)
        yield source.fact(
            "patent", number.number, match.start(), match.end(), number.check_ok, number=number.number,
            number_kind="application", type=number.type, stated_type=context["stated_type"], title=context["title"],
            holder=context["holder"], granted=_granted(match["prefix"], context), status=context["status"],
            publication_number=publication)
    yield from _publication_facts(source, publications, used, stops)


def _nearby_publication(source: FactSource, start: int, publications: list[re.Match[str]],
                        used: set[int]) -> str | None:
    """A publication number in the same table row or clause as an application number belongs to it."""
    low, high = source.clause(start)
    for index, match in enumerate(publications):
        if index not in used and low <= match.start() < high:
            used.add(index)
            parsed = parse_publication_number(match[0])
            return parsed.number if parsed else None
    return None


def _publication_facts(source: FactSource, publications: list[re.Match[str]], used: set[int],
                       stops: list[tuple[int, int]]) -> Iterator[Fact]:
    """Publication numbers standing alone: a patent named by its document number (no check digit)."""
    for index, match in enumerate(publications):
        parsed = parse_publication_number(match[0])
        if index in used or parsed is None:
            continue
        context = _patent_context(source, match.start(), match.end(), stops)
        yield source.fact("patent", parsed.number, match.start(), match.end(), None, number_kind="publication",
                          publication_number=parsed.number, kind_code=parsed.kind_code, type=parsed.type,
                          title=context["title"], holder=context["holder"], granted=parsed.granted)


def _software_title(source: FactSource, start: int, end: int, stops: list[tuple[int, int]]) -> dict[str, Any]:
    row = row_context(source, start)
    if row is not None:
        title = next((v for h, v in row.items() if h and "名称" in h), None)
        dates = dates_in(next((v for h, v in row.items() if h and "日期" in h), ""))
        holder = next((v for h, v in row.items() if h and re.search("著作权人|权利人|权属", h)), None)
        return {"title": title, "registered": dates[0].value if dates else None, "holder": holder}
    low, high = _segment(source, start, end, stops)
    titles = _BOOK_TITLE.findall(source.folded, low, high)
    holder = _HOLDER.search(source.folded, *source.clause(start))
    return {"title": titles[-1] if titles else None, "holder": holder["holder"] if holder else None}


def _software_facts(source: FactSource) -> Iterator[Fact]:
    registrations = list(_SOFTWARE.finditer(source.folded))
    certificates = [m for m in _CERTIFICATE.finditer(source.folded) if "SR" not in m["inner"].upper()]
    stops = [m.span() for m in registrations] + [m.span() for m in certificates]
    paired: set[int] = set()
    for match in registrations:
        number = re.sub(r"\s", "", match[0]).upper()
        certificate = _paired_certificate(source, match.start(), certificates, paired)
        # a certificate stated with the registration shares its segment: the title may stand before either
        start = min(match.start(), certificate.start()) if certificate else match.start()
        own_stops = [span for span in stops if certificate is None or span != certificate.span()]
        context = _software_title(source, start, match.end(), own_stops)
        yield source.fact("software_copyright", number, match.start(), match.end(), is_software_registration(number),
                          registration_number=number,
                          certificate_number=re.sub(r"\s", "", certificate[0]) if certificate else None, **context)
    for index, match in enumerate(certificates):
        if index not in paired:
            number = re.sub(r"\s", "", match[0])
            context = _software_title(source, match.start(), match.end(), stops)
            yield source.fact("software_copyright", number, match.start(), match.end(),
                              is_software_certificate(number), certificate_number=number, **context)


def _paired_certificate(source: FactSource, start: int, certificates: list[re.Match[str]],
                        paired: set[int]) -> re.Match[str] | None:
    """The 软著登字 certificate stated in the same row or clause as a registration number."""
    low, high = source.clause(start)
    for index, match in enumerate(certificates):
        if index not in paired and low <= match.start() < high:
            paired.add(index)
            return match
    return None


def _trademark_context(source: FactSource, start: int) -> tuple[bool, str | None, str | None]:
    """(is a trademark, class text, name) from the row or the clause."""
    row = row_context(source, start)
    if row is not None:
        is_mark = "商标" in row[""] or any("商标" in header for header in row)
        mark_class = next((v for h, v in row.items() if h and re.search("类别|类号|分类|类", h)), None)
        name = next((v for h, v in row.items() if h and re.search("商标名称|商标$|名称", h)), None)
        return is_mark, mark_class, name
    low, high = source.clause(start)
    clause = source.folded[low:high]
    mark_class = _CLASS.search(clause)
    return "商标" in clause, mark_class[0] if mark_class else None, None


def _trademark_fact(source: FactSource, number: str, start: int, end: int) -> Fact | None:
    is_mark, class_text, name = _trademark_context(source, start)
    if not is_mark:
        return None
    class_match = _CLASS.search(class_text or "")
    nice_class = int(class_match[1] or class_match[2]) if class_match else None
    valid = is_trademark_number(number) and (nice_class is None or 1 <= nice_class <= 45)
    return source.fact("trademark", number, start, end, valid, number=number, name=name, **{"class": nice_class})


def _trademark_facts(source: FactSource) -> Iterator[Fact]:
    """注册号 12345678 / 第12345678号 in a clause about 商标, and bare numbers in a trademark table's 注册号 column."""
    candidates = [(m["number"], m.start("number"), m.end("number")) for m in _TRADEMARK.finditer(source.folded)]
    for cells in source.tables:
        for row in cells.spans:
            candidates.extend((source.folded[s:e], s, e) for s, e in filter(None, row)
                              if re.fullmatch(r"\d{4,9}", source.folded[s:e]))
    seen: set[int] = set()
    for number, start, end in sorted(candidates, key=lambda c: c[1]):
        header = column_header(source, start)
        in_number_column = header is None or "号" in header
        fact = _trademark_fact(source, number, start, end) if start not in seen and in_number_column else None
        seen.add(start)
        if fact is not None:
            yield fact


def identifier_facts(source: FactSource) -> list[Fact]:
    """USCC, patent, software-copyright and trademark facts in the document."""
    return [*_uscc_facts(source), *_patent_facts(source), *_software_facts(source), *_trademark_facts(source)]
