"""Repeat entries and copied text planted in the demo data, for the integrity pages to find.

Four entries in two other contests:

* **repeat** — the same enterprise enters a lightly edited version of its plan (paragraphs dropped,
  sentences reordered, a new title) in this year's regional contest: one project, two contests;
* **rewritten repeat** — last year, the same enterprise entered the same project with a plan written
  anew: the text has little in common, but the USCC, the project name and the patents are the same;
* **copying** — two other firms enter the regional contest; the second's technology chapter carries
  the first's own description of its process (written apart from the plan generator's stock
  sentences, which every generated plan shares), with its punctuation and a few words changed.

Besides, ``corpus_texts`` gives plans "from past years" that teach the index which text is common:
generated plans share the generator's stock sentences, as real plans share a template.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path

from api.demo.plans import Plan, make_plan

REGIONAL = {"kind": "regional", "name": "创客中国四川省区域赛", "edition": 11, "year": 2026, "region": "四川"}
LAST_YEAR = {"kind": "thematic", "name": "增材制造专题赛", "edition": 10, "year": 2025, "region": "四川泸州"}


@dataclass(frozen=True)
class PlantedEntry:
    code: str
    contest: dict
    plan: Plan
    kind: str  # repeat | rewritten_repeat | copied | copying
    original: int  # index of the thematic plan it comes from, or -1


def edited(plan: Plan, rng: random.Random) -> Plan:
    """Paragraphs dropped (one in eight), sentences of some paragraphs reordered, a new title."""
    changed = copy.deepcopy(plan)
    for section in changed.sections[1:]:
        kept = [p for p in section.paragraphs if rng.random() > 0.125 or len(section.paragraphs) == 1]
        for index, paragraph in enumerate(kept):
            sentences = [s for s in paragraph.split("。") if s]
            if len(sentences) > 2 and rng.random() < 0.3:
                rng.shuffle(sentences)
                kept[index] = "。".join(sentences) + "。"
        section.paragraphs = kept
    changed.title = plan.title + "（升级版）"
    changed.sections[0].heading = changed.title
    return changed


def _rewritten(plan: Plan, seed: int) -> Plan:
    """A plan written anew for the same project: other text, the same firm, title and IP section."""
    fresh = make_plan(plan.segment, seed, pages=14, group=plan.group)
    ip = [i for i, s in enumerate(plan.sections) if s.heading.startswith("三、知识产权")]
    fresh_ip = [i for i, s in enumerate(fresh.sections) if s.heading.startswith("三、知识产权")]
    sections = list(fresh.sections)
    if ip and fresh_ip:
        sections[fresh_ip[0]:fresh_ip[0] + 5] = copy.deepcopy(plan.sections[ip[0]:ip[0] + 5])
    return Plan(plan.title, plan.company, plan.segment, plan.group, plan.uscc, plan.registered_on, sections,
                fresh.facts)


_CORPUS = Path(__file__).resolve().parents[2] / "review" / "segments" / "data"
_SWAPS = (("，", ","), ("。", "."), ("公司", "企业"), ("我们", "本团队"), ("实现", "达成"), ("提高", "提升"))


def _own_description(segment: int, count: int = 3) -> list[str]:
    """The segment's longest Chinese corpus texts (written for the project): prose no generated plan contains."""
    rows = [json.loads(line) for name in ("corpus_long_zh.jsonl", "corpus_zh.jsonl")
            for line in (_CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = sorted((r["text"] for r in rows if r["segment"] == segment), key=len, reverse=True)[:count]
    return [_without_heading(text) for text in texts]


def _without_heading(text: str) -> str:
    first, _, rest = text.partition("\n")
    return rest if rest and len(first) < 20 else text


def _reworded(text: str) -> str:
    for old, new in _SWAPS:
        text = text.replace(old, new)
    return text


def copied_pair(segment: int, seed: int) -> tuple[Plan, Plan]:
    """Two firms' plans; the second's product section pastes (lightly reworded) the first's own description."""
    original = make_plan(segment, seed, pages=14, group="enterprise")
    copier = make_plan(segment, seed + 1, pages=14, group="enterprise")
    described = _own_description(segment)
    next(s for s in original.sections if s.heading.startswith("（一）技术路线")).paragraphs[0:0] = described
    target = next(s for s in copier.sections if s.heading.startswith("（二）核心产品"))
    target.paragraphs[1:1] = [_reworded(text) for text in described]
    return original, copier


def corpus_texts(count: int = 70) -> list[str]:
    """Plans standing in for past years' entries, across all segments and both groups."""
    return [make_plan(i % 7 + 1, 50_000 + i, pages=14, group="startup" if i % 2 else "enterprise").source_text()
            for i in range(count)]


def planted_entries(plans: list[Plan]) -> list[PlantedEntry]:
    """The planted entries, for as many as the demo's plans allow (the repeats are of plans 4 and 8)."""
    rng = random.Random("amreview-demo-repeats")
    planted = []
    if len(plans) > 4:
        planted.append(PlantedEntry("SC11-E-0001", REGIONAL, edited(plans[4], rng), "repeat", 4))
    if len(plans) > 8:
        planted.append(PlantedEntry("AM10-E-0008", LAST_YEAR, _rewritten(plans[8], 91_008), "rewritten_repeat", 8))
    original, copier = copied_pair(3, 92_002)
    planted.append(PlantedEntry("SC11-E-0002", REGIONAL, original, "copied", -1))
    planted.append(PlantedEntry("SC11-E-0003", REGIONAL, copier, "copying", -1))
    return planted
