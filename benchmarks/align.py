"""Passage alignment on the PAN character-level measures: own Chinese and English cases, and the PAN subset.

Run from the repository root:  python benchmarks/align.py [--pairs N]

1. **Own cases** per obfuscation (none, punctuation, synonyms, reordered sentences, traditional
   characters, light edits) built from the segment corpus's long texts: a passage of one text is
   planted, obfuscated, inside another unrelated text; plus same-topic pairs with nothing copied
   (any detection there is a false positive). Prints precision, recall, granularity and plagdet per
   obfuscation and language, and detections on the same-topic pairs.
2. **PAN 2013 02-no-obfuscation subset** (``../shared/benchmarks/pan/``): a robustness check only —
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
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402  (the shared benchmark files, not user input)

from ingest.text import to_simplified  # noqa: E402
from similarity.align import align  # noqa: E402
from similarity.measures import Passage, score  # noqa: E402

PAN = ROOT.parent / "shared" / "benchmarks" / "pan" / "panpc-pan13-02-no-obfuscation"
CORPUS = ROOT / "review" / "segments" / "data"
SYNONYMS_ZH = {"提高": "提升", "降低": "减少", "采用": "使用", "实现": "达到", "完成": "做完", "研发": "开发",
               "产品": "制品", "客户": "用户", "批量": "成批", "显著": "明显"}
SYNONYMS_EN = {"improve": "enhance", "reduce": "lower", "use": "employ", "part": "component", "high": "elevated",
               "method": "approach", "customers": "clients", "develop": "build", "fast": "rapid", "large": "big"}


def _texts(lang: str) -> list[str]:
    rows = [json.loads(line) for name in ("corpus_long", "corpus") for line in
            (CORPUS / f"{name}_{lang}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if len(r["text"]) >= (200 if lang == "zh" else 500)]


def _sentences(text: str, lang: str) -> list[str]:
    marks = "。！？；" if lang == "zh" else ".!?;"
    out, current = [], ""
    for char in text:
        current += char
        if char in marks:
            out.append(current)
            current = ""
    return out + ([current] if current.strip() else [])


def _obfuscate(passage: str, kind: str, lang: str, rng: random.Random) -> str:
    if kind == "none":
        return passage
    if kind == "punctuation":
        table = str.maketrans("，。；：", ",.;:") if lang == "zh" else str.maketrans(",.;:", "，。；：")
        return passage.translate(table).replace(" ", "  ")
    if kind == "synonyms":
        for word, synonym in (SYNONYMS_ZH if lang == "zh" else SYNONYMS_EN).items():
            passage = passage.replace(word, synonym)
        return passage
    if kind == "reordered":
        parts = _sentences(passage, lang)
        rng.shuffle(parts)
        return ("" if lang == "zh" else " ").join(p.strip() if lang == "en" else p for p in parts)
    if kind == "traditional":
        return _to_traditional(passage) if lang == "zh" else passage.upper()
    if kind == "edits":  # drop or double about one unit in twenty
        chars = list(passage)
        for i in sorted(rng.sample(range(len(chars)), max(1, len(chars) // 20)), reverse=True):
            if chars[i].isalnum() or "\u4e00" <= chars[i] <= "\u9fff":
                chars[i] = "" if rng.random() < 0.5 else chars[i] * 2
        return "".join(chars)
    raise ValueError(kind)


def _to_traditional(text: str) -> str:
    import opencc

    converted = opencc.OpenCC("s2t").convert(text)
    return converted if to_simplified(converted) else text


def own_cases(lang: str, kinds: list[str], per_kind: int = 30, seed: int = 7) -> None:
    rng = random.Random(seed)
    texts = _texts(lang)
    for kind in kinds:
        cases, detections = [], []
        for index in range(per_kind):
            source, host = rng.sample(texts, 2)
            sentences = _sentences(source, lang)
            take = max(2, len(sentences) // 2)
            start = rng.randrange(0, max(1, len(sentences) - take + 1))
            passage = "".join(sentences[start:start + take]) if lang == "zh" else \
                " ".join(s.strip() for s in sentences[start:start + take])
            src_start = source.find(passage) if source.find(passage) >= 0 else source.find(sentences[start].strip())
            planted = _obfuscate(passage, kind, lang, rng)
            cut = len(host) // 2
            space = "" if lang == "zh" else " "
            suspicious = host[:cut] + space + planted + space + host[cut:]
            sus_start = suspicious.find(planted)
            pair = f"{kind}-{index}"
            cases.append(Passage(pair, (sus_start, sus_start + len(planted)), (src_start, src_start + len(passage))))
            detections += [Passage(pair, m.suspicious, m.source) for m in align(source, suspicious)]
        s = score(cases, detections)
        print(f"  {lang} {kind:<12} precision {s.precision:.3f}  recall {s.recall:.3f}  granularity "
              f"{s.granularity:.3f}  plagdet {s.plagdet:.3f}  ({s.cases} cases, {s.detections} detections)")
    false = sum(len(align(a, b)) for a, b in (rng.sample(texts, 2) for _ in range(200)))
    print(f"  {lang} same-topic pairs with nothing copied: {false} detections in 200 pairs")


def pan(limit: int) -> None:
    lines = (PAN / "pairs").read_text().split("\n")[:limit]
    cases, detections = [], []
    started = time.perf_counter()
    for line in filter(None, lines):
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
    print(f"  PAN 2013 02-no-obfuscation, {len(lines)} pairs (OCR-noised, offsets drift; robustness only): "
          f"precision {s.precision:.3f}  recall {s.recall:.3f}  granularity {s.granularity:.3f}  plagdet "
          f"{s.plagdet:.3f}  ({s.cases} cases, {s.detections} detections; {seconds / max(1, len(lines)) * 1000:.0f} "
          f"ms per pair)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=500, help="PAN pairs to run")
    args = parser.parse_args()
    kinds = ["none", "punctuation", "synonyms", "reordered", "traditional", "edits"]
    print("own cases (planted in unrelated texts of the segment corpus):")
    own_cases("zh", kinds)
    own_cases("en", kinds)
    print("robustness check:")
    pan(args.pairs)


if __name__ == "__main__":
    main()
