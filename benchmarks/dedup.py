"""Near-duplicate index: quality against brute force, 100,000 plans of 20,000 characters, new submissions.

Run from the repository root:  python benchmarks/dedup.py [--docs N] [--chars N] [--quality-docs N]
(``--docs 5000`` for a quick check; the defaults are issue 6's scale: 100,000 × 20,000 characters).

**Documents** are generated, deterministically from a seed and their index, so any of them can be
made again on demand and no process ever holds them all: business plans under a shared template
(headings, some with the template's fill-in instructions left in), written from the segment
corpus's sentences (``review/segments/data/corpus*.jsonl``, mostly Chinese, one plan in twenty in
English, and English sentences inside Chinese plans). Half of each sentence is whole corpus clauses,
half is corpus phrases recombined — recombination is what keeps unrelated plans as far apart as
real ones are (their Jaccard resemblance is printed: about 0.01–0.03, mostly the template); plans made
of whole corpus sentences only would all share a fifth of their text. A share of the plans are
**planted copies**: edited copies of an earlier plan in groups of two to four (one project entered in
several contests), each aimed at a resemblance drawn from 0.3–0.95 by deleting, inserting and moving
sentences, substituting words, changing punctuation and writing some sentences in traditional
characters, so the 0.5 boundary is well populated.

1. **Quality** (``--quality-docs``, shorter plans, more copies): the exact Jaccard resemblance of *all*
   pairs by brute force (a sparse document × shingle matrix times its transpose), then recall and
   precision of ``similarity.dedup.near_duplicates`` itself (the plans written to a JSON Lines file)
   for pairs with J ≥ 0.5; the recall of the LSH candidates before verification by J bucket; and the
   same for datasketch's ``MinHashLSH(threshold=0.5, num_perm=128)`` as the baseline.
2. **Scale** (``--docs``, ``--chars``): every stage timed apart — generation, units + shingles,
   signatures (two worker processes, each generating its own plans), band keys, candidate pairs,
   the estimate filter, verification (the plans of candidate pairs generated again, exact Jaccard) —
   with the peak memory of the parent and of the workers, and the planted pairs found. In the same
   run, datasketch's MinHash (128 permutations, batch mode) against ours on 200 of the plans.
3. **A new submission** against the index: a ``BandIndex`` bulk-loaded with the scale run's
   signatures, then 200 new plans (half edited copies of indexed ones) each fingerprinted, looked up
   and aligned against its top five candidates; the candidates' texts are generated again, timed
   apart, since a service reads them from storage.
4. With ``--file-docs N``: ``near_duplicates`` itself — what ``amreview dedup`` runs — on a temporary JSON
   Lines file of N of the plans, end to end.

Targets (issue 6): recall ≥ 0.98 and precision ≥ 0.95 at J ≥ 0.5; 100,000 × 20,000 characters in under
10 minutes and 4 GB on two cores; a new submission checked in under 0.5 s at p95. Nothing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import functools  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import OrderedDict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from similarity.align import align  # noqa: E402
from similarity.dedup import MARGIN, near_duplicates  # noqa: E402
from similarity.lsh import BANDS, ROWS, BandIndex, band_key_matrix, candidate_pairs, estimated_resemblance  # noqa: E402
from similarity.minhash import jaccard, signature  # noqa: E402
from similarity.units import shingles  # noqa: E402

CORPUS = ROOT / "review" / "segments" / "data"
SEED = 20260601
WORKERS = 2
BLOCK = 100  # planted groups are drawn per block of this many plans, so a plan's recipe is found in O(1)
THRESHOLD = 0.5
BUCKETS = [0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.01]

HEADINGS_ZH = [
    ("一、项目概述", "（请概括项目的核心内容、技术路线与预期成果，不超过一千字。）"),
    ("（一）公司简介", "（请简要介绍企业的成立时间、注册资本、主营业务及发展历程。）"),
    ("（二）项目背景与意义", "（请说明项目提出的背景、要解决的行业痛点及其意义。）"),
    ("二、技术与产品", "（请详细描述项目的核心技术、关键工艺及其先进性。）"),
    ("（一）核心技术", "（请说明技术来源、技术水平以及与国内外同类技术的对比。）"),
    ("（二）产品与服务", "（请描述主要产品或服务的功能、性能指标和应用场景。）"),
    ("（三）知识产权", "（请列出已授权或已受理的专利、软件著作权等知识产权。）"),
    ("三、市场分析", "（请分析目标市场的规模、增长趋势及市场定位。）"),
    ("（一）行业现状与发展趋势", "（请结合行业数据说明现状与趋势。）"),
    ("（二）目标客户与竞争分析", "（请说明主要客户群体、竞争对手及本项目的竞争优势。）"),
    ("四、商业模式", "（请说明盈利模式、销售渠道与推广策略。）"),
    ("五、团队介绍", "（请介绍核心团队成员的教育背景、从业经历与分工。）"),
    ("六、财务分析与融资计划", "（请提供近三年主要财务数据，并说明融资需求与资金用途。）"),
    ("七、风险分析与应对措施", "（请分析技术、市场、管理等方面的风险及应对措施。）"),
    ("八、发展规划", "（请说明未来三至五年的发展目标与实施计划。）"),
]
HEADINGS_EN = ["1. Project Overview", "1.1 Company Profile", "2. Technology and Products", "2.1 Core Technology",
               "2.2 Intellectual Property", "3. Market Analysis", "3.1 Customers and Competition",
               "4. Business Model", "5. Team", "6. Financial Plan and Funding", "7. Risks and Countermeasures",
               "8. Development Plan"]
SYNONYMS = {"提高": "提升", "降低": "减少", "采用": "使用", "实现": "达到", "研发": "开发", "产品": "制品",
            "客户": "用户", "显著": "明显", "目前": "当前", "主要": "重要", "improve": "enhance", "reduce": "lower",
            "customers": "clients", "develop": "build"}
CITIES = ["北京", "上海", "深圳", "西安", "成都", "武汉", "长沙", "南京", "苏州", "杭州", "广州", "天津", "沈阳",
          "重庆", "青岛", "合肥", "宁波", "无锡"]
NAME_CHARS = "华智精创联恒泰瑞鑫宏远铂锐航盛达科迈微晶熔铸塑睿拓思博锦诚汇能翔辰"
SUFFIXES = ["增材科技有限公司", "三维打印技术有限公司", "智能制造有限公司", "新材料科技有限公司",
            "激光技术股份有限公司"]


# -- documents ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """What plans are written from: whole clauses and recombinable phrases, Chinese and English."""

    zh_clauses: list[str]
    zh_phrases: list[str]
    en_clauses: list[str]
    en_phrases: list[str]


@functools.lru_cache(maxsize=1)
def pools() -> Pools:
    import jieba

    jieba.setLogLevel(60)
    texts: dict[str, list[str]] = {"zh": [], "en": []}
    for path in sorted(CORPUS.glob("corpus*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts["zh" if "_zh" in path.name else "en"].append(row["text"])
    zh_clauses = _unique(c.strip() for t in texts["zh"] for c in re.split(r"[，。！？；：、\n（）]", t))
    en_clauses = _unique(c.strip() for t in texts["en"] for c in re.split(r"[,.;:!?()\n]", t))
    zh_phrases = _unique(p for c in zh_clauses for p in _cut(jieba.lcut(c), 3, ""))
    en_phrases = _unique(p for c in en_clauses for p in _cut(c.split(), 2, " "))
    return Pools([c for c in zh_clauses if len(c) >= 4], zh_phrases,
                 [c for c in en_clauses if len(c.split()) >= 3], en_phrases)


def _unique(items: object) -> list[str]:
    return [item for item in dict.fromkeys(items) if item]  # type: ignore[call-overload]


def _cut(words: list[str], least: int, space: str) -> list[str]:
    """Consecutive words joined into phrases of at least ``least`` characters (Chinese) or words (English)."""
    out, current = [], []
    for word in words:
        current.append(word)
        if (len("".join(current)) if not space else len(current)) >= least:
            out.append(space.join(current))
            current = []
    return out + ([space.join(current)] if current else [])


def _rng(*key: int) -> random.Random:
    """A generator for one purpose of one plan (a string seed is hashed with SHA-512: the same in every run)."""
    return random.Random(":".join(map(str, (SEED, *key))))


def _company(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)}{rng.choice(NAME_CHARS)}{rng.choice(NAME_CHARS)}{rng.choice(SUFFIXES)}"


def _sentence(rng: random.Random, lang: str, company: str) -> str:
    """Two to four pieces, each a whole corpus clause or two to four corpus phrases in a new order."""
    p = pools()
    clauses, phrases = (p.zh_clauses, p.zh_phrases) if lang == "zh" else (p.en_clauses, p.en_phrases)
    draw, space = rng.random, "" if lang == "zh" else " "  # random() alone: the other methods cost 5× more
    pieces = []
    for _ in range(2 + int(draw() * 3)):
        if draw() < 0.5:
            pieces.append(clauses[int(draw() * len(clauses))])
        else:
            pieces.append(space.join([phrases[int(draw() * len(phrases))] for _ in range(2 + int(draw() * 3))]))
    if lang == "zh":
        if draw() < 0.05:
            pieces[0] = company + pieces[0]
        return "，".join(pieces) + "。"
    text = ", ".join(pieces)
    return text[:1].upper() + text[1:] + ". "


def _original(index: int, chars: int) -> list[str]:
    """A plan written afresh: its headings, instructions and sentences, one list item each."""
    rng = _rng(index, 1)
    lang = "en" if rng.random() < 0.05 else "zh"
    company = _company(rng)
    numbers = np.random.default_rng([SEED, index, 1])
    headings = HEADINGS_ZH if lang == "zh" else [(h, "") for h in HEADINGS_EN]
    sentences = _sentences(numbers, lang, chars)
    ends = np.cumsum([len(sentence) for sentence in sentences])
    cuts = np.searchsorted(ends, np.arange(1, len(headings)) * chars / len(headings))
    parts: list[str] = []
    for (heading, instruction), first, last in zip(headings, [0, *cuts], [*cuts, len(sentences)], strict=True):
        parts.append(f"\n{heading}\n")
        if instruction and rng.random() < 0.5:  # half the applicants leave the template's instructions in
            parts.append(instruction + "\n")
        parts.extend(sentences[first:last])
    for at in range(0, len(parts), 30):  # the company's name now and then
        if not parts[at].startswith("\n"):
            parts[at] = company + parts[at]
    return parts


def _sentences(rng: np.random.Generator, lang: str, chars: int) -> list[str]:
    """About ``chars`` characters of sentences, drawn all at once with numpy (a Python loop costs 10× more).

    The text is a stream of pieces — a whole clause (half of them) or a run of two to four phrases —
    each followed by a comma, or a full stop once in three; a Chinese plan's piece is an English
    clause once in thirty.
    """
    tokens, pool, average = _tokens(lang)
    count = int(chars / average * 1.2) + 4
    kind = (rng.random(count) < 0.5).astype(np.int64)  # 1: a clause, 0: a run of phrases
    if lang == "zh":
        kind[rng.random(count) < 0.03] = 2  # an English clause
    runs = np.where(kind == 0, rng.integers(2, 5, size=count), 1)
    lengths = runs + 1  # the piece's tokens and its separator
    starts = np.cumsum(lengths) - lengths
    picked = np.empty(int(lengths.sum()), dtype=np.int64)
    picked[starts + lengths - 1] = np.where(rng.random(count) < 1 / 3, pool["stop"], pool["comma"])
    single = kind > 0
    picked[starts[single]] = np.where(kind[single] == 1, pool["clauses"][0], pool["english"][0]) \
        + rng.integers(0, np.where(kind[single] == 1, pool["clauses"][1], pool["english"][1]))
    phrase_runs = runs[~single]
    at = np.repeat(starts[~single], phrase_runs) + np.arange(phrase_runs.sum()) \
        - np.repeat(np.cumsum(phrase_runs) - phrase_runs, phrase_runs)
    picked[at] = pool["phrases"][0] + rng.integers(0, pool["phrases"][1], size=len(at))
    text = "".join(tokens[picked].tolist())
    if lang == "zh":
        cut = text.find("。", chars)
        return re.findall(r"[^。]*。", text[:cut + 1] if cut >= 0 else text)
    text = text.replace(" ,", ",").replace(" .", ".")
    cut = text.find(". ", chars)
    return [s[:1].upper() + s[1:] for s in re.findall(r"[^.]*\. ", text[:cut + 2] if cut >= 0 else text)]


@functools.lru_cache(maxsize=2)
def _tokens(lang: str) -> tuple[np.ndarray, dict[str, tuple[int, int]], float]:
    """Every piece a plan of ``lang`` is made of, as one array; where each kind starts and how many; mean length."""
    p = pools()
    if lang == "zh":
        groups = {"clauses": p.zh_clauses, "phrases": p.zh_phrases, "english": [f"{c} " for c in p.en_clauses],
                  "comma": ["，"], "stop": ["。"]}
    else:
        groups = {"clauses": p.en_clauses, "phrases": [f"{w} " for w in p.en_phrases], "english": p.en_clauses,
                  "comma": [", "], "stop": [". "]}
    tokens, spans, first = [], {}, 0
    for name, items in groups.items():
        spans[name] = (first, len(items))
        tokens.extend(items)
        first += len(items)
    spans["comma"], spans["stop"] = spans["comma"][0], spans["stop"][0]  # type: ignore[assignment]
    clause = np.mean([len(c) for c in groups["clauses"]])
    phrase = np.mean([len(w) for w in groups["phrases"]])
    return np.array(tokens, dtype=object), spans, float(0.5 * clause + 0.5 * 3 * phrase + 1)


@functools.lru_cache(maxsize=4096)
def _block_plan(block: int, copy_share: float) -> dict[int, tuple[int, float]]:
    """The planted copies of one block of plans: copy index → (its source's index, target resemblance)."""
    rng = _rng(block, 2)
    sizes = rng.choices([2, 3, 4], weights=[0.65, 0.25, 0.10], k=BLOCK)  # more than enough; taken in turn
    wanted = sum(rng.random() < copy_share for _ in range(BLOCK))
    members = iter(rng.sample(range(block * BLOCK, (block + 1) * BLOCK), BLOCK))
    plan: dict[int, tuple[int, float]] = {}
    copies = used = 0
    for drawn in sizes:
        size = int(min(drawn, wanted - copies + 1, BLOCK - used))
        if size < 2:
            break
        group = sorted(next(members) for _ in range(size))
        for position, member in enumerate(group[1:], 1):  # each copies an earlier member: stars and chains
            plan[member] = (group[rng.randrange(position)], rng.uniform(0.3, 0.95))
        copies, used = copies + size - 1, used + size
    return plan


def _parts(index: int, chars: int, copy_share: float) -> list[str]:
    recipe = _block_plan(index // BLOCK, copy_share).get(index)
    if recipe is None:
        return _original(index, chars)
    source, target = recipe
    return _edited(_parts(source, chars, copy_share), target, _rng(index, 3))


def document(index: int, chars: int = 20_000, copy_share: float = 0.02) -> str:
    """Plan number ``index``: the same text every time for the same arguments."""
    return "".join(_parts(index, chars, copy_share))


def new_document(number: int, indexed: int, chars: int, copy_share: float) -> tuple[str, int | None]:
    """A new submission (not among the ``indexed`` plans): every other one an edited copy of an indexed plan."""
    rng = _rng(number, 4)
    if number % 2:
        return "".join(_original(indexed + 1_000_000 + number, chars)), None
    source = rng.randrange(indexed)
    return "".join(_edited(_parts(source, chars, copy_share), rng.uniform(0.3, 0.95), rng)), source


def _edited(parts: list[str], target: float, rng: random.Random) -> list[str]:
    """An edited copy aimed at Jaccard ``target``: sentences deleted and/or inserted, moved, reworded."""
    lang = "en" if any(p.startswith("\n1. ") for p in parts[:2]) else "zh"
    body = [i for i, p in enumerate(parts) if not p.startswith("\n")]
    mode = rng.choice(["delete", "insert", "both"])
    # Keeping a share k of A and adding new text n·|A|: J = k / (1 + n).
    delete = 1 - target if mode == "delete" else (1 - target) / (1 + target) if mode == "both" else 0.0
    insert = 1 / target - 1 if mode == "insert" else (1 - target) / (1 + target) if mode == "both" else 0.0
    dropped = set(rng.sample(body, round(delete * len(body))))
    out = [p for i, p in enumerate(parts) if i not in dropped]
    company = _company(rng)
    for _ in range(round(insert * len(body))):
        out.insert(rng.randint(1, len(out)), _sentence(rng, lang, company))
    if rng.random() < 0.5:  # a paragraph moved elsewhere
        start = rng.randint(1, max(1, len(out) - 11))
        moved, out = out[start:start + 10], out[:start] + out[start + 10:]
        at = rng.randint(1, len(out))
        out = out[:at] + moved + out[at:]
    return [_reworded(p, rng) if not p.startswith("\n") else p for p in out]


def _reworded(part: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        for word, synonym in SYNONYMS.items():
            part = part.replace(word, synonym)
    elif roll < 0.12:
        part = part.replace("，", ",").replace("。", ". ")
    elif roll < 0.17:
        part = _traditional(part)
    return part


@functools.lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(text: str) -> str:
    return _s2t().convert(text)


def planted_groups(docs: int, copy_share: float) -> list[list[int]]:
    """Every planted group (its plans' indices) among the first ``docs`` plans."""
    groups: dict[int, list[int]] = {}
    for block in range((docs + BLOCK - 1) // BLOCK):
        for copy, (source, _) in sorted(_block_plan(block, copy_share).items()):
            if copy < docs and source < docs:
                root = next((r for r, members in groups.items() if source in members), source)
                groups.setdefault(root, [root]).append(copy)
    return [sorted(set(members)) for members in groups.values()]


def planted_pairs(docs: int, copy_share: float) -> list[tuple[int, int]]:
    return sorted((a, b) for group in planted_groups(docs, copy_share)
                  for k, a in enumerate(group) for b in group[k + 1:])


# -- shared measures ----------------------------------------------------------------------------------


def _buckets(truth: dict[tuple[int, int], float], found: set[tuple[int, int]]) -> str:
    cells = []
    for low, high in itertools.pairwise(BUCKETS):
        pairs = [p for p, j in truth.items() if low <= j < high]
        if pairs:
            share = sum(p in found for p in pairs) / len(pairs)
            cells.append(f"[{low:.2f},{min(high, 1.0):.2f}) {share:.3f} of {len(pairs)}")
    return "; ".join(cells)


def _s_curve(j: float) -> float:
    return 1 - (1 - j**ROWS) ** BANDS


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def _pairs_of(matrix: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(matrix[:, 0].tolist(), matrix[:, 1].tolist(), strict=True))


# -- 1. quality ---------------------------------------------------------------------------------------


def quality(docs: int, chars: int, copy_share: float) -> None:
    print(f"1. quality: {docs} plans of {chars} characters, {copy_share:.0%} planted copies; threshold {THRESHOLD}")
    started = time.perf_counter()
    texts = [document(i, chars, copy_share) for i in range(docs)]
    sets = [shingles(t) for t in texts]
    print(f"  generated and shingled in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    truth = brute_force(sets, floor=0.3)
    wanted = {p for p, j in truth.items() if j >= THRESHOLD}
    sample = _rng(0, 9)
    unrelated = [jaccard(sets[a], sets[b]) for a, b in
                 ((sample.randrange(docs), sample.randrange(docs)) for _ in range(2000)) if a != b]
    print(f"  brute force over all {docs * (docs - 1) // 2:,} pairs: {time.perf_counter() - started:.1f} s; "
          f"{len(truth)} pairs with J ≥ 0.3, {len(wanted)} with J ≥ {THRESHOLD}; 2,000 random pairs: mean J "
          f"{np.mean(unrelated):.4f}, p99 {np.percentile(unrelated, 99):.4f}, max {max(unrelated):.4f}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for i, text in enumerate(texts):
                out.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        started = time.perf_counter()
        listed = {(row["a"], row["b"]): row["similarity"] for row in near_duplicates(path, THRESHOLD)}
        seconds = time.perf_counter() - started
        megabytes = path.stat().st_size / 1e6
    hits = len(wanted & set(listed))
    print(f"  near_duplicates (JSONL file, {megabytes:.0f} MB): "
          f"{len(listed)} pairs listed in {seconds:.1f} s; recall {hits / max(1, len(wanted)):.4f} "
          f"({hits}/{len(wanted)}), precision {hits / max(1, len(listed)):.4f}  (targets ≥ 0.98, ≥ 0.95)")
    off = [p for p in listed if abs(listed[p] - truth.get(p, 0.0)) > 1e-4]
    print(f"  listed similarities equal to brute force: {len(listed) - len(off)}/{len(listed)}")
    signatures = np.stack([signature(h) for h in sets])
    candidates = candidate_pairs(band_key_matrix(signatures))
    estimates = estimated_resemblance(signatures, candidates)
    kept = candidates[estimates >= THRESHOLD - MARGIN]
    print(f"  ours, LSH {BANDS}×{ROWS} ({len(candidates)} candidate pairs, {len(kept)} left after the estimate "
          f"filter at ≥ {THRESHOLD - MARGIN:.1f}); S-curve P(0.3) {_s_curve(0.3):.3f}, P(0.5) {_s_curve(0.5):.4f}, "
          f"P(0.7) {_s_curve(0.7):.6f}")
    print(f"    candidates, recall by J: {_buckets(truth, _pairs_of(candidates))}")
    print(f"    after the estimate filter: {_buckets(truth, _pairs_of(kept))}")
    datasketch_lsh(sets, truth)


def brute_force(sets: list[np.ndarray], floor: float) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every pair with J ≥ ``floor``: intersections from a sparse incidence matrix times itself."""
    from scipy import sparse

    sizes = np.array([len(h) for h in sets], dtype=np.int64)
    values = np.concatenate(sets)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    columns = np.empty(len(values), dtype=np.int64)
    columns[order] = np.cumsum(new) - 1
    rows = np.repeat(np.arange(len(sets)), sizes)
    incidence = sparse.csr_matrix((np.ones(len(values), dtype=np.int32), (rows, columns)),
                                  shape=(len(sets), int(new.sum())))
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    union = sizes[shared.row] + sizes[shared.col] - shared.data
    similarity = shared.data / union
    keep = similarity >= floor
    return {(int(a), int(b)): float(j) for a, b, j in
            zip(shared.row[keep], shared.col[keep], similarity[keep], strict=True)}


def _datasketch_minhashes(sets: list[np.ndarray]) -> list:  # type: ignore[type-arg]
    from datasketch import MinHash

    return MinHash.bulk([h.view("S8").tolist() for h in sets], num_perm=128)  # the same shingles, as bytes


def datasketch_lsh(sets: list[np.ndarray], truth: dict[tuple[int, int], float]) -> None:
    from datasketch import MinHashLSH

    started = time.perf_counter()
    minhashes = _datasketch_minhashes(sets)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    for i, minhash in enumerate(minhashes):
        lsh.insert(i, minhash)
    found = {(min(i, j), max(i, j)) for i, minhash in enumerate(minhashes) for j in lsh.query(minhash) if i != j}
    wanted = [p for p, j in truth.items() if j >= THRESHOLD]
    print(f"  datasketch MinHashLSH(threshold={THRESHOLD}, num_perm=128) — it chose b={lsh.b}, r={lsh.r}; "
          f"{len(found)} candidate pairs in {time.perf_counter() - started:.1f} s; recall of pairs with "
          f"J ≥ {THRESHOLD}: {sum(p in found for p in wanted) / max(1, len(wanted)):.4f}")
    print(f"    candidates, recall by J: {_buckets(truth, found)}")


# -- 2. scale -----------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds of work per stage, summed over the processes that did it."""

    generate: float = 0.0
    shingle: float = 0.0
    sign: float = 0.0
    compare: float = 0.0

    def add(self, other: Timings) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _fingerprint_range(task: tuple[int, int, int, float]) -> tuple[int, np.ndarray, Timings]:
    """Signatures of plans [start, stop), each generated here (the parent never sees a text)."""
    start, stop, chars, copy_share = task
    out = np.empty((stop - start, 128), dtype=np.uint64)
    spent = Timings()
    for row, index in enumerate(range(start, stop)):
        t0 = time.perf_counter()
        text = document(index, chars, copy_share)
        t1 = time.perf_counter()
        hashes = shingles(text)
        t2 = time.perf_counter()
        out[row] = signature(hashes)
        t3 = time.perf_counter()
        spent.generate += t1 - t0
        spent.shingle += t2 - t1
        spent.sign += t3 - t2
    return start, out, spent


_cache: OrderedDict[int, np.ndarray] = OrderedDict()


def _exact_pairs(task: tuple[np.ndarray, int, float, float]) -> tuple[list[tuple[int, int, float]], Timings]:
    """Exact Jaccard of (i, j) pairs (sorted by i), their plans generated again; those ≥ ``floor``."""
    pairs, chars, copy_share, floor = task
    spent = Timings()

    def shingles_of(index: int) -> np.ndarray:
        if index in _cache:
            _cache.move_to_end(index)
            return _cache[index]
        t0 = time.perf_counter()
        text = document(index, chars, copy_share)
        t1 = time.perf_counter()
        _cache[index] = hashes = shingles(text)
        spent.generate += t1 - t0
        spent.shingle += time.perf_counter() - t1
        if len(_cache) > 256:
            _cache.popitem(last=False)
        return hashes

    kept = []
    for i, j in pairs.tolist():
        a, b = shingles_of(i), shingles_of(j)
        t0 = time.perf_counter()
        similarity = jaccard(a, b)
        spent.compare += time.perf_counter() - t0
        if similarity >= floor:
            kept.append((i, j, similarity))
    return kept, spent


def _in_pool(function: Callable, tasks: list, label: str) -> list:  # type: ignore[type-arg]
    """``function`` over ``tasks`` on WORKERS processes, in order, with a progress line every tenth."""
    results = []
    step = max(1, len(tasks) // 10)
    started = time.perf_counter()
    with multiprocessing.Pool(WORKERS) as pool:
        for done, result in enumerate(pool.imap(function, tasks), 1):
            results.append(result)
            if done % step == 0 or done == len(tasks):
                print(f"    … {label} {done}/{len(tasks)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        pool.close()
        pool.join()
    return results


def scale(docs: int, chars: int, copy_share: float) -> np.ndarray:
    print(f"2. scale: {docs:,} plans of {chars:,} characters, {copy_share:.0%} planted copies, {WORKERS} worker "
          "processes")
    started = time.perf_counter()
    tasks = [(start, min(start + 250, docs), chars, copy_share) for start in range(0, docs, 250)]
    signatures = np.empty((docs, 128), dtype=np.uint64)
    spent = Timings()
    for start, block, part in _in_pool(_fingerprint_range, tasks, "fingerprinted"):
        signatures[start:start + len(block)] = block
        spent.add(part)
    per_doc = time.perf_counter() - started
    stage: dict[str, float] = {}
    t0 = time.perf_counter()
    keys = band_key_matrix(signatures)
    stage["band keys"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    candidates = candidate_pairs(keys)
    stage["candidate pairs"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    estimates = estimated_resemblance(signatures, candidates)
    kept = candidates[estimates >= THRESHOLD - MARGIN]
    stage["estimate filter"] = time.perf_counter() - t0
    del keys, estimates
    t0 = time.perf_counter()
    chunks = [(kept[s:s + 200], chars, copy_share, THRESHOLD) for s in range(0, len(kept), 200)]
    verified: dict[tuple[int, int], float] = {}
    checked = Timings()
    for found, part in _in_pool(_exact_pairs, chunks, "verified"):
        verified.update(((i, j), s) for i, j, s in found)
        checked.add(part)
    stage["verification"] = time.perf_counter() - t0
    wall = per_doc + sum(stage.values())
    generation_wall = (spent.generate + checked.generate) / WORKERS  # both workers busy all along
    parent, children = _peak_mb(resource.RUSAGE_SELF), _peak_mb(resource.RUSAGE_CHILDREN)

    print(f"  {'stage':<34}{'CPU s':>9}{'wall s':>9}{'docs/s (wall)':>15}")
    rows = [("generate text (workers)", spent.generate, spent.generate / WORKERS),
            ("units + shingles (workers)", spent.shingle, spent.shingle / WORKERS),
            ("signatures (workers)", spent.sign, spent.sign / WORKERS),
            ("per-document phase, all three", spent.generate + spent.shingle + spent.sign, per_doc),
            ("band keys", stage["band keys"], stage["band keys"]),
            ("candidate pairs", stage["candidate pairs"], stage["candidate pairs"]),
            ("estimate filter", stage["estimate filter"], stage["estimate filter"]),
            ("verification (workers)", checked.generate + checked.shingle + checked.compare, stage["verification"])]
    for name, cpu, seconds in rows:
        rate = f"{docs / seconds:,.0f}" if seconds > 0 and "verification" not in name else ""
        print(f"  {name:<34}{cpu:>9.1f}{seconds:>9.1f}{rate:>15}")
    print(f"    verification's CPU: generating again {checked.generate:.1f} s, shingles {checked.shingle:.1f} s, "
          f"exact Jaccard {checked.compare:.1f} s")
    print(f"  total wall time {wall:.0f} s including generation, {wall - generation_wall:.0f} s without it "
          f"(generation's share taken as its CPU time / {WORKERS} workers)  (target < 600 s)")
    print(f"  peak memory: parent {parent:,.0f} MB, largest worker {children:,.0f} MB; parent + {WORKERS} workers "
          f"≤ {parent + WORKERS * children:,.0f} MB  (target < 4,096 MB)")
    print(f"  candidate pairs {len(candidates):,} ({len(candidates) / (docs * (docs - 1) / 2):.2e} of all pairs); "
          f"{len(kept):,} estimated ≥ {THRESHOLD - MARGIN:.1f} and verified; {len(verified):,} with J ≥ {THRESHOLD}")
    planted_truth(docs, chars, copy_share, verified)
    return signatures


def planted_truth(docs: int, chars: int, copy_share: float, verified: dict[tuple[int, int], float]) -> None:
    """The planted pairs' exact resemblance (all their plans generated again), against what was listed."""
    started = time.perf_counter()
    planted = np.array(planted_pairs(docs, copy_share), dtype=np.int64).reshape(-1, 2)
    chunks = [(planted[s:s + 200], chars, copy_share, 0.0) for s in range(0, len(planted), 200)]
    truth = {(i, j): s for found, _ in _in_pool(_exact_pairs, chunks, "planted") for i, j, s in found}
    wanted = {p for p, s in truth.items() if s >= THRESHOLD}
    hits = len(wanted & set(verified))
    others = len(set(verified) - set(truth))
    js = np.array(list(truth.values()))
    print(f"  planted: {len(truth):,} pairs in {len(planted_groups(docs, copy_share)):,} groups, J from "
          f"{js.min():.2f} to {js.max():.2f}, {len(wanted):,} with J ≥ {THRESHOLD}; found {hits:,}/{len(wanted):,} "
          f"(recall {hits / max(1, len(wanted)):.4f}); listed pairs not planted: {others}  "
          f"(truth computed in {time.perf_counter() - started:.0f} s, not part of the pipeline)")


def baseline(chars: int, copy_share: float, count: int = 200) -> None:
    texts = [document(i, chars, copy_share) for i in range(count)]
    t0 = time.perf_counter()
    sets = [shingles(t) for t in texts]
    t1 = time.perf_counter()
    for h in sets:
        signature(h)
    t2 = time.perf_counter()
    encoded = [h.view("S8").tolist() for h in sets]
    t3 = time.perf_counter()
    _datasketch_minhashes(sets)
    t4 = time.perf_counter()
    from datasketch import MinHash

    for values in encoded[:50]:
        minhash = MinHash(num_perm=128)
        minhash.update_batch(values)
    t5 = time.perf_counter()
    per = 1000 / count
    print(f"  baseline on {count} of the plans ({np.mean([len(h) for h in sets]):,.0f} shingles each), ms per plan: "
          f"units + shingles {(t1 - t0) * per:.2f}; our signature {(t2 - t1) * per:.3f}; datasketch MinHash(128) "
          f"from the same shingles: MinHash.bulk {(t4 - t3) * per:.1f}, update_batch {(t5 - t4) * 1000 / 50:.1f} "
          f"(encoding the shingles as bytes for it {(t3 - t2) * per:.2f} more)")
    print(f"    ⇒ signatures alone {(t4 - t3) / max(t2 - t1, 1e-9):,.0f}× faster; shingles + signature "
          f"{(t4 - t3 + t1 - t0) / (t2 - t0):.1f}× faster than shingles + datasketch")


# -- 3. a new submission ------------------------------------------------------------------------------


def new_submissions(signatures: np.ndarray, chars: int, copy_share: float, count: int = 200) -> None:
    docs = len(signatures)
    print(f"3. new submissions against a BandIndex of {docs:,} plans ({count}, every other one an edited copy)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "similarity" / "bands.sqlite"
        started = time.perf_counter()
        with BandIndex(path) as index:
            index.add_many((f"doc:{i}", signatures[i]) for i in range(docs))
            load = time.perf_counter() - started
            size = sum(f.stat().st_size for f in path.parent.iterdir())
            print(f"  bulk load {load:.1f} s, {size / 1e6:.0f} MB on disk")
            _check_submissions(index, docs, chars, copy_share, count)


def _check_submissions(index: BandIndex, docs: int, chars: int, copy_share: float, count: int) -> None:
    times: dict[str, list[float]] = {"fingerprint": [], "candidates()": [], "align ≤5": [], "total": []}
    generated, candidates_seen = 0.0, []
    copies: list[tuple[float, bool, bool]] = []  # (exact J with its source, source in the top 5, passages aligned)
    for number in range(count):
        t0 = time.perf_counter()
        text, source = new_document(number, docs, chars, copy_share)
        t1 = time.perf_counter()
        mark = signature(shingles(text))
        t2 = time.perf_counter()
        candidates = index.candidates(mark, limit=5)
        t3 = time.perf_counter()
        others = [document(int(doc.split(":")[1]), chars, copy_share) for doc, _ in candidates]
        t4 = time.perf_counter()
        matches = [align(other, text) for other in others]
        t5 = time.perf_counter()
        generated += (t1 - t0) + (t4 - t3)
        for name, seconds in zip(times, (t2 - t1, t3 - t2, t5 - t4, (t2 - t1) + (t3 - t2) + (t5 - t4)), strict=True):
            times[name].append(seconds)
        candidates_seen.append(len(candidates))
        if source is not None:
            hit = next((k for k, (doc, _) in enumerate(candidates) if doc == f"doc:{source}"), None)
            exact = jaccard(shingles(text), shingles(document(source, chars, copy_share)))
            copies.append((exact, hit is not None, hit is not None and bool(matches[hit])))
    for name, values in times.items():
        ms = np.array(values) * 1000
        print(f"  {name:<14} p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms   "
              f"max {ms.max():7.1f} ms" + ("  (target p95 < 500 ms)" if name == "total" else ""))
    close = [c for c in copies if c[0] >= THRESHOLD]
    print(f"  edited copies whose source was among the top 5: {sum(c[1] for c in copies)}/{len(copies)} (of those "
          f"with J ≥ {THRESHOLD}: {sum(c[1] for c in close)}/{len(close)}), with aligned passages: "
          f"{sum(c[2] for c in copies)}/{len(copies)}; sources missed had J "
          f"{', '.join(f'{c[0]:.2f}' for c in sorted(copies) if not c[1]) or '—'}")
    print(f"  candidates returned per submission (limit 5): mean {np.mean(candidates_seen):.1f}; generating texts "
          f"(excluded above) {generated / count * 1000:.1f} ms per submission")


# -- 4. the command itself ---------------------------------------------------------------------------


def command(docs: int, chars: int, copy_share: float) -> None:
    """``near_duplicates`` (what ``amreview dedup`` runs) on a JSON Lines file of the same plans."""
    print(f"4. near_duplicates on a JSON Lines file of {docs:,} plans of {chars:,} characters")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        started = time.perf_counter()
        with path.open("w", encoding="utf-8") as out:
            for i in range(docs):
                out.write(json.dumps({"id": f"doc:{i}", "text": document(i, chars, copy_share)}, ensure_ascii=False)
                          + "\n")
        written = time.perf_counter() - started
        started = time.perf_counter()
        listed = {(int(r["a"][4:]), int(r["b"][4:])) for r in near_duplicates(
            path, THRESHOLD, progress=lambda m: print(f"    … {m}", file=sys.stderr))}
        seconds = time.perf_counter() - started
        print(f"  file {path.stat().st_size / 1e9:.1f} GB written in {written:.0f} s; near_duplicates {seconds:.0f} s, "
              f"{len(listed):,} pairs; peak memory: parent {_peak_mb(resource.RUSAGE_SELF):,.0f} MB, largest worker "
              f"{_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB")
    planted_truth(docs, chars, copy_share, dict.fromkeys(listed, 1.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="plans in the scale run")
    parser.add_argument("--chars", type=int, default=20_000, help="characters per plan in the scale run")
    parser.add_argument("--copies", type=float, default=0.02, help="share of planted copies in the scale run")
    parser.add_argument("--quality-docs", type=int, default=3_000, help="plans in the brute-force quality run")
    parser.add_argument("--quality-chars", type=int, default=5_000, help="characters per plan in the quality run")
    parser.add_argument("--quality-copies", type=float, default=0.10, help="share of planted copies there")
    parser.add_argument("--submissions", type=int, default=200, help="new submissions checked against the index")
    parser.add_argument("--file-docs", type=int, default=0,
                        help="also run near_duplicates on a temporary JSON Lines file of this many plans")
    parser.add_argument("--skip", nargs="*", default=[], choices=["quality", "scale"], help="sections to leave out")
    args = parser.parse_args()
    pools()
    if "quality" not in args.skip:
        _isolated(quality, args.quality_docs, args.quality_chars, args.quality_copies)
    if "scale" not in args.skip:
        _isolated(_scale_and_after, args)
    if args.file_docs:
        _isolated(command, args.file_docs, args.chars, args.copies)


def _scale_and_after(args: argparse.Namespace) -> None:
    signatures = scale(args.docs, args.chars, args.copies)
    baseline(args.chars, args.copies)
    new_submissions(signatures, args.chars, args.copies, args.submissions)


def _isolated(function: Callable[..., None], *args: object) -> None:
    """Run a section in a process of its own, so its peak memory figures are its own."""
    sys.stdout.flush()
    process = multiprocessing.get_context("fork").Process(target=function, args=args)
    process.start()
    process.join()


if __name__ == "__main__":
    main()
