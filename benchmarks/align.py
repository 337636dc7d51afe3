"""Passage alignment on the PAN character-level measures: own Chinese and English cases, and the PAN subset.

Run from the repository root:  python benchmarks/align.py [--cases N] [--same-topic N] [--pairs N]

1. **Own cases.** Documents are built by joining texts of the segment corpus
   (``review/segments/data/corpus*.jsonl``); the source and the suspicious document of a pair never
   share a corpus text, so the only copying is what is planted. Passages of the source (starting at
   a sentence) are obfuscated and inserted at random sentence boundaries of the suspicious document.
   Kinds, each ``--cases`` pairs per language:

   * ``none``, ``punctuation`` (full-/half-width swapped, commas dropped, spacing changed),
     ``synonyms`` (a fixed synonym list, every occurrence), ``reordered`` (sentences shuffled),
     ``traditional`` (opencc s2t; in English its analogue, upper case and full-width letters),
     ``edits`` (one unit in twenty — a Chinese character, an English word — dropped, doubled or
     misspelt): one passage of 100–800 characters;
   * ``several``: 2–4 passages of 100–800 characters from different places of the source, planted in
     a different order, each with a random light obfuscation (any of the six above);
   * ``short``: one passage of 60–150 characters (Chinese) or 120–300 characters (English: the
     same content takes about twice the characters, and 60 English characters are ten words, a
     phrase rather than a passage), random light obfuscation;
   * ``heavy`` paraphrase: one passage of 100–800 characters in which about one word in five is
     replaced (the synonym list first, then random corpus words of the same length standing in
     for the synonyms a list lacks — the aligner has no thesaurus, so any replacement has the same
     effect; Chinese words cut by jieba) and one unit in thirty dropped, doubled or misspelt.
     Measured, 22% (Chinese) and 20% (English) of the source's units are not kept, against 5% for
     ``synonyms`` and 2.5% for ``edits``: what someone hiding a copy does, not a copy editor;
   * ``template``: both documents are business plans on one template (15 headings, their
     instructions, a policy quotation and a standard definition, each kept or deleted at random as
     entrants do) with one real passage planted; ``common`` is learned from a sample of other
     template-bearing plans (grams in at least 5 of 20) and passed to ``align``. Template text must
     not be detected; the planted passage must be.

   Prints precision, recall, granularity and plagdet per kind and overall per language (PAN
   measures, ``similarity.measures``), and for ``template`` how often template text is detected
   with ``common`` and without it.
2. **Same-topic pairs with nothing copied**: pairs of different corpus texts of the same segment
   label (``segment`` in the corpus files), and pairs of documents each joined from ten such
   texts. Any detection is a false positive (shared domain terms such as 等离子旋转电极雾化法 are not
   copying). The thresholds of ``similarity.align`` were chosen on this corpus, so zero here is an
   in-sample figure.
3. **Speed**: milliseconds per pair for two 20,000-character documents sharing three passages.
4. **PAN 2013 02-no-obfuscation subset** (``../shared/benchmarks/pan/``): a robustness check only —
   its texts carry OCR noise and its offsets drift (see its README), so the figures are not
   comparable with published PAN scores.

Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402  (the shared benchmark files, not user input)
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import cache  # noqa: E402

import numpy as np  # noqa: E402

from ingest.text import to_simplified  # noqa: E402
from similarity.align import align  # noqa: E402
from similarity.common import learn, text_grams  # noqa: E402
from similarity.measures import Passage, Scores, score  # noqa: E402

PAN = ROOT.parent / "shared" / "benchmarks" / "pan" / "panpc-pan13-02-no-obfuscation"
CORPUS = ROOT / "review" / "segments" / "data"
LIGHT = ["none", "punctuation", "synonyms", "reordered", "traditional", "edits"]
KINDS = [*LIGHT, "several", "short", "heavy", "template"]
SYNONYMS = {
    "zh": {"提高": "提升", "降低": "减少", "采用": "使用", "实现": "达成", "完成": "做完", "研发": "开发",
           "产品": "制品", "客户": "用户", "批量": "成批", "显著": "明显", "我们": "本团队", "设备": "装置",
           "零件": "部件", "通过": "经由", "达到": "达成", "用于": "用来", "基于": "依托", "面向": "针对",
           "缩短": "减少", "超过": "逾", "支持": "支撑", "提供": "给予", "进行": "开展", "目前": "当前",
           "获得": "取得", "主要": "首要", "利用": "借助", "需要": "需求", "建立": "建成", "包括": "包含"},
    "en": {"improve": "enhance", "reduce": "lower", "use": "employ", "used": "employed", "part": "component",
           "parts": "components", "high": "elevated", "method": "approach", "customers": "clients",
           "develop": "build", "fast": "rapid", "large": "big", "company": "firm", "within": "inside",
           "after": "following", "each": "every", "time": "duration", "design": "layout", "process": "procedure",
           "support": "assist", "team": "group", "production": "manufacture", "below": "beneath",
           "printed": "fabricated", "machine": "system", "over": "above", "reduced": "lowered",
           "using": "employing", "produced": "made", "based": "founded"},
}
TEMPLATE = {
    "zh": [
        ("一、项目概述", "请用300字以内概括项目名称、所属领域、核心产品及主要创新点。"),
        ("二、技术来源与先进性", "请简要介绍项目的技术来源、核心技术及其先进性，并与国内外同类技术进行对比。"),
        ("三、知识产权情况", "请列出已获授权的发明专利、实用新型专利和软件著作权，注明专利号及权利人。"),
        ("四、产品与服务", "请说明主要产品或服务的功能、性能指标、应用场景及所处的研发阶段。"),
        ("五、市场分析", "请说明目标市场的规模与增长趋势、主要竞争对手以及本项目的竞争优势。"),
        ("六、商业模式", "请描述项目的盈利模式、销售渠道、定价策略和主要客户群体。"),
        ("七、团队介绍", "请介绍核心团队成员的教育背景、从业经历及在项目中的分工。"),
        ("八、经营现状", "请填写近三年的营业收入、净利润、研发投入及员工人数。"),
        ("九、财务预测", "请对未来三年的营业收入、利润和现金流进行预测，并说明预测依据。"),
        ("十、融资计划", "请说明本轮拟融资金额、出让股权比例及资金的具体用途。"),
        ("十一、风险分析", "请分析项目面临的技术风险、市场风险和政策风险，并提出相应的应对措施。"),
        ("十二、社会效益", "请说明项目在带动就业、节能减排和产业升级等方面的社会效益。"),
        ("十三、发展规划", "请简述企业未来三至五年的发展目标和实施路径。"),
        ("十四、获奖与荣誉", "请列出项目及团队近三年获得的主要奖项和荣誉称号。"),
        ("十五、附件材料", "请附营业执照、专利证书、检测报告等证明材料的扫描件。"),
    ],
    "en": [
        ("1. Project overview", "Summarise in no more than 300 words the project name, field, core product and "
                                "main innovations."),
        ("2. Technology source and advancement", "Briefly describe the source of the technology, the core "
                                                 "technology and how advanced it is compared with similar "
                                                 "technologies at home and abroad."),
        ("3. Intellectual property", "List the granted invention patents, utility models and software copyrights, "
                                     "with their numbers and holders."),
        ("4. Products and services", "Describe the functions, performance indicators and application scenarios "
                                     "of the main products or services and their stage of development."),
        ("5. Market analysis", "Describe the size and growth of the target market, the main competitors and the "
                               "competitive advantages of the project."),
        ("6. Business model", "Describe how the project makes money, its sales channels, pricing strategy and "
                              "main customer groups."),
        ("7. Team", "Introduce the education, work experience and role in the project of each core team member."),
        ("8. Current operations", "Give the operating revenue, net profit, research spending and headcount for the "
                                  "last three years."),
        ("9. Financial forecast", "Forecast operating revenue, profit and cash flow for the next three years and "
                                  "explain the basis of the forecast."),
        ("10. Financing plan", "State the amount to be raised in this round, the share of equity offered and how "
                               "the funds will be used."),
        ("11. Risk analysis", "Analyse the technical, market and policy risks the project faces and the measures "
                              "taken to address them."),
        ("12. Social benefits", "Describe the benefits of the project for employment, energy saving and "
                                "industrial upgrading."),
        ("13. Development plan", "Outline the development goals of the company for the next three to five years "
                                 "and how they will be reached."),
        ("14. Awards and honours", "List the main awards and honours won by the project and the team in the last "
                                   "three years."),
        ("15. Attachments", "Attach scans of the business licence, patent certificates, test reports and other "
                            "supporting documents."),
    ],
}
BOILERPLATE = {  # quoted by many entrants: a policy sentence and a standard definition
    "zh": ["根据《中华人民共和国中小企业促进法》和《关于促进中小企业健康发展的指导意见》，国家鼓励中小企业"
           "加大研发投入，提升专业化、精细化、特色化、新颖化发展水平。",
           "按照国家标准GB/T 35351的定义，增材制造是以三维模型数据为基础，通过材料堆积的方式制造零件或实物的"
           "工艺，与传统的减材制造相对。"],
    "en": ["Under the national policy on promoting small and medium-sized enterprises, the state encourages "
           "companies to increase research spending and to develop in a specialised, refined, distinctive and "
           "innovative way.",
           "As defined in ISO/ASTM 52900, additive manufacturing is the process of joining materials to make parts "
           "from 3D model data, usually layer upon layer, as opposed to subtractive and formative manufacturing "
           "methodologies."],
}
DOC_CHARS = {"zh": 4000, "en": 8000}  # a few pages; long enough for four passages of 800 characters


@dataclass
class Pair:
    """One benchmark pair: its documents, the planted cases, and the common text to pass to ``align``."""

    name: str
    source: str
    suspicious: str
    cases: list[Passage]
    common: np.ndarray | None = None


# --- corpus and documents ---------------------------------------------------------------------------------------


@cache
def _corpus(lang: str) -> tuple[tuple[str, int], ...]:
    """(text, segment) of every distinct corpus text of the language."""
    seen: dict[str, int] = {}
    for name in ("corpus", "corpus_long", "corpus_forms"):
        for line in (CORPUS / f"{name}_{lang}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                seen.setdefault(row["text"].strip(), row["segment"])
    return tuple(seen.items())


def _document(texts: list[str], chars: int) -> str:
    """Texts taken off the end of ``texts`` and joined, one per paragraph, until ``chars`` characters."""
    parts: list[str] = []
    while texts and sum(map(len, parts)) < chars:
        parts.append(texts.pop())
    return "\n".join(parts)


def _shuffled(lang: str, rng: random.Random) -> list[str]:
    texts = [text for text, _ in _corpus(lang)]
    rng.shuffle(texts)
    return texts


_SENTENCE_END = {"zh": re.compile(r"[。！？；\n]+"), "en": re.compile(r"[.!?;](?=\s)|\n")}


def _sentence_starts(text: str, lang: str) -> list[int]:
    starts = [0] + [m.end() for m in _SENTENCE_END[lang].finditer(text)]
    return sorted({s + len(text[s:]) - len(text[s:].lstrip()) for s in starts if s < len(text)})


def _sentences(passage: str, lang: str) -> list[str]:
    bounds = [*_sentence_starts(passage, lang), len(passage)]
    return [passage[a:b] for a, b in itertools.pairwise(bounds) if passage[a:b].strip()]


def _passage(text: str, lang: str, lo: int, hi: int, within: tuple[int, int], rng: random.Random) -> tuple[int, int]:
    """A span of ``text`` of ``lo``–``hi`` characters starting at a sentence inside ``within``."""
    starts = [s for s in _sentence_starts(text, lang) if within[0] <= s < within[1] - lo] or [within[0]]
    start = rng.choice(starts)
    length = rng.randint(lo, hi)
    end = min(start + length, within[1], len(text))
    if lang == "en" and end < len(text) and text[end - 1:end + 1].isalnum():  # not inside a word
        space = text.rfind(" ", start, end)
        end = space if space > start + lo else next((i for i in range(end, len(text)) if not text[i].isalnum()),
                                                    len(text))
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _plant(host: str, passages: list[str], lang: str, rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """``host`` with the passages inserted, in the given order, at random sentence starts; their spans."""
    points = sorted(rng.sample(_sentence_starts(host, lang), len(passages)))
    pieces, spans, at, length = [], [], 0, 0
    for point, passage in zip(points, passages, strict=True):
        pieces.append(host[at:point])
        length += point - at
        spans.append((length, length + len(passage)))
        pieces.append(passage + ("\n" if lang == "zh" else " "))
        length += len(passage) + 1
        at = point
    pieces.append(host[at:])
    return "".join(pieces), spans


# --- obfuscations -----------------------------------------------------------------------------------------------


def _synonyms(passage: str, lang: str) -> str:
    table = SYNONYMS[lang]
    pattern = "|".join(sorted(map(re.escape, table), key=len, reverse=True))
    pattern = pattern if lang == "zh" else rf"\b(?:{pattern})\b"
    return re.sub(pattern, lambda m: table[m.group()], passage)


def _edits(passage: str, every: int, lang: str, rng: random.Random) -> str:
    """About one unit in ``every`` (a Chinese character, an English word) dropped, doubled or misspelt."""
    tokens = list(passage) if lang == "zh" else re.findall(r"\w+|\W+", passage)
    units = [i for i, token in enumerate(tokens) if token.isalnum()]
    for i in rng.sample(units, max(1, len(units) // every)):
        action = rng.choice(("drop", "double", "typo") if len(tokens[i]) > 3 else ("drop", "double"))
        if action == "typo":
            at = rng.randrange(len(tokens[i]))
            tokens[i] = tokens[i][:at] + tokens[i][at + 1:]
        else:
            tokens[i] = "" if action == "drop" else tokens[i] + (" " if lang == "en" else "") + tokens[i]
    return "".join(tokens)


def _to_traditional(text: str) -> str:
    import opencc

    converted = opencc.OpenCC("s2t").convert(text)
    return converted if to_simplified(converted) else text


def _full_width(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


@cache
def _vocabulary(lang: str) -> dict[int, tuple[str, ...]]:
    """Corpus words by length: the stand-in synonyms of heavy paraphrase."""
    words: dict[int, set[str]] = defaultdict(set)
    for text, _ in _corpus(lang):
        for word in _words(text, lang):
            if word.isalpha():
                words[len(word)].add(word)
    return {length: tuple(sorted(found)) for length, found in words.items()}


def _words(text: str, lang: str) -> list[str]:
    if lang == "en":
        return re.findall(r"\w+|\W+", text)
    import jieba

    jieba.setLogLevel(60)
    return jieba.lcut(text)


def _paraphrase(passage: str, lang: str, rng: random.Random) -> str:
    """Heavy paraphrase: synonyms, then about one word in five replaced, then one unit in thirty edited."""
    vocabulary = _vocabulary(lang)
    words = _words(_synonyms(passage, lang), lang)
    content = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= (2 if lang == "zh" else 3)]
    for i in rng.sample(content, len(content) // 5):
        choices = vocabulary.get(len(words[i]), ())
        if len(choices) > 1:
            replacement = words[i]
            while replacement == words[i]:
                replacement = rng.choice(choices)
            words[i] = replacement
    return _edits("".join(words), 30, lang, rng)


def _obfuscate(passage: str, kind: str, lang: str, rng: random.Random) -> str:
    if kind == "none":
        return passage
    if kind == "punctuation":
        table = str.maketrans("，。；：（）", ",.;:()") if lang == "zh" else str.maketrans(",.;:()", "，。；：（）")
        changed = passage.translate(table).replace(" ", "  ")
        return re.sub(r"[,，、]", "", changed, count=2)
    if kind == "synonyms":
        return _synonyms(passage, lang)
    if kind == "reordered":
        parts = _sentences(passage, lang)
        rng.shuffle(parts)
        return ("" if lang == "zh" else " ").join(p.strip() for p in parts)
    if kind == "traditional":
        if lang == "zh":
            return _to_traditional(passage)
        return re.sub(r"\w+", lambda m: _full_width(m.group()) if rng.random() < 0.3 else m.group().upper(), passage)
    if kind == "edits":
        return _edits(passage, 20, lang, rng)
    if kind == "heavy":
        return _paraphrase(passage, lang, rng)
    raise ValueError(kind)


# --- the pairs --------------------------------------------------------------------------------------------------


def _copy_pair(name: str, lang: str, source: str, host: str, spans: list[tuple[int, int]], kinds: list[str],
               rng: random.Random, common: np.ndarray | None = None) -> Pair:
    """``spans`` of ``source`` obfuscated (one kind each) and planted in ``host`` in a shuffled order."""
    order = list(range(len(spans)))
    rng.shuffle(order)
    planted = [_obfuscate(source[slice(*spans[i])], kinds[i], lang, rng) for i in order]
    suspicious, at = _plant(host, planted, lang, rng)
    cases = [Passage(name, at[k], spans[i]) for k, i in enumerate(order)]
    return Pair(name, source, suspicious, cases, common)


def _zones(length: int, count: int) -> list[tuple[int, int]]:
    return [(length * k // count, length * (k + 1) // count) for k in range(count)]


def _plain_pairs(lang: str, kind: str, count: int, rng: random.Random) -> list[Pair]:
    pairs = []
    for index in range(count):
        texts = _shuffled(lang, rng)
        source, host = _document(texts, DOC_CHARS[lang]), _document(texts, DOC_CHARS[lang])
        passages = rng.randint(2, 4) if kind == "several" else 1
        lo, hi = ((60, 150) if lang == "zh" else (120, 300)) if kind == "short" else (100, 800)
        spans = [_passage(source, lang, lo, hi, zone, rng) for zone in _zones(len(source), passages)]
        kinds = [rng.choice(LIGHT) if kind in ("several", "short") else kind for _ in spans]
        pairs.append(_copy_pair(f"{kind}-{index}", lang, source, host, spans, kinds, rng))
    return pairs


def _plan(lang: str, texts: list[str], rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """A business plan on the template (headings, most instructions and quotations kept, own text
    under each heading) and the spans of the entrant's own texts."""
    parts: list[tuple[str, bool]] = []  # (paragraph, whether the entrant wrote it)
    for number, (heading, instruction) in enumerate(TEMPLATE[lang]):
        parts.append((heading, False))
        if rng.random() < 0.8:
            parts.append((instruction, False))
        if number < len(BOILERPLATE[lang]) and rng.random() < 0.6:
            parts.append((BOILERPLATE[lang][number], False))
        parts.extend((texts.pop(), True) for _ in range(rng.randint(1, 2)))
    own, at = [], 0
    for paragraph, written in parts:
        if written:
            own.append((at, at + len(paragraph)))
        at += len(paragraph) + 1
    return "\n".join(paragraph for paragraph, _ in parts), own


def _template_pairs(lang: str, count: int, rng: random.Random) -> tuple[list[Pair], np.ndarray]:
    """Pairs of plans on one template with one real passage planted, and the common text learned from others."""
    texts = _shuffled(lang, rng)
    sample = [_plan(lang, texts, rng)[0] for _ in range(20)]
    common = learn(text_grams(plan) for plan in sample)
    pairs = []
    for index in range(count):
        texts = _shuffled(lang, rng)
        (source, own), (host, _) = _plan(lang, texts, rng), _plan(lang, texts, rng)
        within = rng.choice([span for span in own if span[1] - span[0] >= 150])  # the entrant's text only
        span = _passage(source, lang, 100, 800, within, rng)
        pairs.append(_copy_pair(f"template-{index}", lang, source, host, [span], ["none"], rng, common))
    return pairs, common


# --- running and reporting --------------------------------------------------------------------------------------


def _run(pairs: list[Pair]) -> tuple[Scores, list[Passage]]:
    detections = [Passage(p.name, m.suspicious, m.source) for p in pairs
                  for m in align(p.source, p.suspicious, common=p.common)]
    return score([c for p in pairs for c in p.cases], detections), detections


def _row(lang: str, kind: str, s: Scores) -> str:
    return (f"  {lang:<4} {kind:<12} {s.precision:9.3f} {s.recall:7.3f} {s.granularity:11.3f} {s.plagdet:8.3f} "
            f"{s.cases:6d} {s.detections:10d}")


def own_cases(lang: str, per_kind: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    everything: list[Pair] = []
    for kind in KINDS:
        if kind == "template":
            pairs, common = _template_pairs(lang, per_kind, rng)
        else:
            pairs = _plain_pairs(lang, kind, per_kind, rng)
        everything += pairs
        s, detections = _run(pairs)
        print(_row(lang, kind, s))
        if kind == "template":
            _template_report(lang, pairs, detections, common)
    print(_row(lang, "overall", _run(everything)[0]))


def _template_report(lang: str, pairs: list[Pair], detections: list[Passage], common: np.ndarray) -> None:
    cases = {c.pair: c for p in pairs for c in p.cases}
    stray = sum(1 for d in detections if not _overlaps(d, cases[d.pair]))
    found = sum(1 for c in cases.values() if any(d.pair == c.pair and _overlaps(d, c) for d in detections))
    without = sum(1 for p in pairs for m in align(p.source, p.suspicious)
                  if not _overlaps(Passage(p.name, m.suspicious, m.source), p.cases[0]))
    print(f"  {lang:<4} {'':<12} template: {len(common)} common grams learned; planted passage found in {found} of "
          f"{len(pairs)} pairs; template text detected {stray} times with common, {without} times without")


def _overlaps(a: Passage, b: Passage) -> bool:
    return a.suspicious[0] < b.suspicious[1] and b.suspicious[0] < a.suspicious[1]


def same_topic(lang: str, pairs: int, seed: int = 11) -> None:
    """Detections on pairs of different same-segment texts, and on documents joined from such texts."""
    rng = random.Random(seed)
    by_segment: dict[int, list[str]] = defaultdict(list)
    for text, segment in _corpus(lang):
        by_segment[segment].append(text)
    segments = sorted(by_segment)
    single = 0
    for _ in range(pairs):
        a, b = rng.sample(by_segment[rng.choice(segments)], 2)
        single += len(align(a, b))
    joined = 0
    for _ in range(100):
        texts = rng.sample(by_segment[rng.choice(segments)], 20)
        joined += len(align("\n".join(texts[:10]), "\n".join(texts[10:])))
    print(f"  {lang:<4} same-topic pairs with nothing copied: {single} detections in {pairs} pairs of texts, "
          f"{joined} in 100 pairs of documents of ten same-segment texts each")


def speed(lang: str, count: int = 20, chars: int = 20_000, seed: int = 13) -> None:
    rng = random.Random(seed)
    times = []
    for _ in range(count):
        texts = _shuffled(lang, rng)
        source, host = _document(texts, chars), _document(texts, chars - 1500)
        spans = [_passage(source, lang, 100, 800, zone, rng) for zone in _zones(len(source), 3)]
        pair = _copy_pair("speed", lang, source, host, spans, ["none"] * 3, rng)
        started = time.perf_counter()
        align(pair.source, pair.suspicious)
        times.append((time.perf_counter() - started) * 1000)
    print(f"  {lang:<4} {chars:,}-character documents sharing three passages: median {statistics.median(times):.1f} "
          f"ms per pair, slowest {max(times):.1f} ms ({count} pairs)")


def pan(limit: int) -> None:
    lines = list(filter(None, (PAN / "pairs").read_text().split("\n")[:limit]))
    cases, detections = [], []
    started = time.perf_counter()
    for line in lines:
        sus_name, src_name = line.split()
        pair = f"{sus_name}-{src_name}"
        truth = ET.parse(PAN / "02-no-obfuscation" / f"{sus_name[:-4]}-{src_name[:-4]}.xml")
        for feature in truth.getroot().iter("feature"):
            if feature.get("name") == "plagiarism":
                this, length = int(feature.get("this_offset", 0)), int(feature.get("this_length", 0))
                src, src_length = int(feature.get("source_offset", 0)), int(feature.get("source_length", 0))
                cases.append(Passage(pair, (this, this + length), (src, src + src_length)))
        suspicious = (PAN / "susp" / sus_name).read_text(encoding="utf-8", errors="replace")
        source = (PAN / "src" / src_name).read_text(encoding="utf-8", errors="replace")
        detections += [Passage(pair, m.suspicious, m.source) for m in align(source, suspicious)]
    s = score(cases, detections)
    seconds = time.perf_counter() - started
    print(f"  PAN 2013 02-no-obfuscation, {len(lines)} pairs (OCR-noised, offsets drift; robustness check only, "
          f"not comparable with published scores):\n  precision {s.precision:.3f}  recall {s.recall:.3f}  "
          f"granularity {s.granularity:.3f}  plagdet {s.plagdet:.3f}  ({s.cases} cases, {s.detections} detections; "
          f"{seconds / max(1, len(lines)) * 1000:.1f} ms per pair)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=30, help="pairs per obfuscation kind and language")
    parser.add_argument("--same-topic", type=int, default=5000, help="same-topic text pairs per language")
    parser.add_argument("--pairs", type=int, default=500, help="PAN pairs to run")
    args = parser.parse_args()
    print("own cases (documents joined from the segment corpus; passages planted at random places):")
    print(f"  {'lang':<4} {'kind':<12} {'precision':>9} {'recall':>7} {'granularity':>11} {'plagdet':>8} "
          f"{'cases':>6} {'detections':>10}")
    for lang in ("zh", "en"):
        own_cases(lang, args.cases)
    print("same-topic pairs (any detection is a false positive):")
    for lang in ("zh", "en"):
        same_topic(lang, args.same_topic)
    print("speed:")
    for lang in ("zh", "en"):
        speed(lang)
    print("robustness check (not a target):")
    pan(args.pairs)


if __name__ == "__main__":
    main()
