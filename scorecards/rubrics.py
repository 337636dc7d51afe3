"""Rubrics: the criteria judges score, as configuration (YAML), versioned, per group and round.

The defaults ship in ``data/rubrics/``; a contest may store its own versions (``models.RubricVersion``).
A rubric may build on another (``base``) and ``remove``, ``override`` or ``add`` criteria, so the
startup and final rubrics say only how they differ from the enterprise preliminary one.

Each criterion says what evidence answers it (section-title words, keywords, fact kinds, eligibility
rules to show) and which questions to suggest when the plan is silent or weak; the pre-fill reads
those, so tuning the pre-fill is editing YAML, not code.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from review.models import GROUPS

DATA = Path(__file__).resolve().parent / "data" / "rubrics"
ROUNDS = ("preliminary", "final")
LANGS = ("zh", "en")
MAX_YAML_BYTES = 256 * 1024


class RubricError(ValueError):
    """A rubric that cannot be used, with the reason."""


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


@dataclass(frozen=True)
class Question:
    """A suggested question, asked when ``condition`` holds (see ``questions.py`` for the conditions)."""

    condition: str
    argument: Any
    text: Text


@dataclass(frozen=True)
class Evidence:
    sections: tuple[str, ...]
    keywords: tuple[str, ...]
    facts: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    id: str
    name: Text
    weight: float
    min_score: float
    max_score: float
    guidance: Text
    aspects: tuple[Text, ...]
    evidence: Evidence
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Rubric:
    name: str
    version: int
    group: str
    round: str
    title: Text
    summary_sentences: int
    criteria: tuple[Criterion, ...]
    ignore_sections: tuple[str, ...] = ()  # title words of sections no criterion quotes (contents, annexes)
    source: str = ""  # the YAML as given, so a stored version can be shown and re-read exactly

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


def default_names() -> list[str]:
    return sorted(path.stem for path in DATA.glob("*.yaml"))


@functools.lru_cache(maxsize=32)
def default_rubric(name: str) -> Rubric:
    path = DATA / f"{name}.yaml"
    if name not in default_names():
        raise RubricError(f"no rubric {name!r}; the defaults are {', '.join(default_names())}")
    return parse_rubric(path.read_text(encoding="utf-8"))


def default_for(group: str, round_: str = "preliminary") -> Rubric:
    """The shipped rubric of a group and round."""
    return default_rubric(f"{group}-{round_}")


def parse_rubric(source: str) -> Rubric:
    """A rubric from YAML text; ``base`` names a default rubric to start from. Raises RubricError."""
    if len(source.encode("utf-8")) > MAX_YAML_BYTES:
        raise RubricError(f"rubric larger than {MAX_YAML_BYTES // 1024} KB")
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise RubricError(f"not YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise RubricError("a rubric is a mapping with name, version, group, round and criteria")
    return _build(_resolved(data), source)


def _resolved(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its base rubric's criteria merged in."""
    base_name = data.get("base")
    if base_name is None:
        return data
    if not isinstance(base_name, str) or base_name not in default_names():
        raise RubricError(f"base {base_name!r} is not a default rubric ({', '.join(default_names())})")
    base = yaml.safe_load((DATA / f"{base_name}.yaml").read_text(encoding="utf-8"))
    base = _resolved(base)
    criteria = [c for c in copy.deepcopy(base["criteria"]) if c["id"] not in set(data.get("remove") or ())]
    overrides = data.get("override") or {}
    if not isinstance(overrides, dict):
        raise RubricError("override maps criterion ids to their changed fields")
    known = {c["id"] for c in criteria}
    for criterion_id in overrides:
        if criterion_id not in known:
            raise RubricError(f"override of unknown criterion {criterion_id!r}")
    for criterion in criteria:
        _deep_update(criterion, overrides.get(criterion["id"]) or {})
    merged = {key: value for key, value in base.items() if key != "criteria"}
    merged.update({k: v for k, v in data.items() if k not in ("base", "remove", "override", "add")})
    merged["criteria"] = criteria + list(data.get("add") or [])
    return merged


def _deep_update(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


def _build(data: dict[str, Any], source: str) -> Rubric:
    for key in ("name", "version", "group", "round", "criteria"):
        if key not in data:
            raise RubricError(f"rubric lacks {key!r}")
    if data["group"] not in GROUPS:
        raise RubricError(f"group must be one of {', '.join(GROUPS)}")
    if data["round"] not in ROUNDS:
        raise RubricError(f"round must be one of {', '.join(ROUNDS)}")
    if not isinstance(data["criteria"], list) or not data["criteria"]:
        raise RubricError("a rubric needs at least one criterion")
    criteria = tuple(_criterion(item, index) for index, item in enumerate(data["criteria"]))
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise RubricError(f"criterion ids repeat: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    total = sum(c.weight for c in criteria)
    if abs(total - 100) > 1e-6:
        raise RubricError(f"weights add up to {total:g}, not 100")
    sentences = _integer(data.get("summary_sentences", 3), "summary_sentences")
    if not 2 <= sentences <= 5:
        raise RubricError("summary_sentences must be 2–5")
    return Rubric(name=_name(data["name"]), version=_integer(data["version"], "version"), group=data["group"],
                  round=data["round"], title=_text(data.get("title") or data["name"], "title"),
                  summary_sentences=sentences, criteria=criteria,
                  ignore_sections=tuple(str(w) for w in data.get("ignore_sections") or ()), source=source)


def _criterion(item: Any, index: int) -> Criterion:
    where = f"criterion {index + 1}"
    if not isinstance(item, dict) or "id" not in item:
        raise RubricError(f"{where} needs an id")
    where = f"criterion {item['id']!r}"
    weight = _number(item.get("weight"), f"{where} weight")
    low, high = _number(item.get("min_score", 0), f"{where} min_score"), _number(item.get("max_score"),
                                                                                  f"{where} max_score")
    if weight <= 0 or high <= low:
        raise RubricError(f"{where}: weight must be positive and max_score above min_score")
    evidence = item.get("evidence") or {}
    return Criterion(
        id=_name(item["id"]), name=_text(item.get("name"), f"{where} name"), weight=weight, min_score=low,
        max_score=high, guidance=_text(item.get("guidance") or "", f"{where} guidance"),
        aspects=tuple(_text(a, f"{where} aspect") for a in item.get("aspects") or ()),
        evidence=Evidence(*(tuple(str(v) for v in evidence.get(key) or ())
                            for key in ("sections", "keywords", "facts", "flags"))),
        questions=tuple(_question(q, where) for q in item.get("questions") or ()))


def _question(item: Any, where: str) -> Question:
    from scorecards.questions import CONDITIONS  # the conditions live with the code that evaluates them

    if not isinstance(item, dict) or "when" not in item:
        raise RubricError(f"{where}: a question needs 'when'")
    when = item["when"]
    condition, argument = (next(iter(when.items())) if isinstance(when, dict) and len(when) == 1 else (when, None))
    if condition not in CONDITIONS:
        raise RubricError(f"{where}: unknown question condition {condition!r} ({', '.join(sorted(CONDITIONS))})")
    return Question(condition, argument, _text({k: item.get(k) for k in LANGS}, f"{where} question"))


def _text(value: Any, where: str) -> Text:
    if isinstance(value, str):
        return Text(value, value)
    if isinstance(value, dict) and isinstance(value.get("zh"), str):
        return Text(value["zh"], str(value.get("en") or value["zh"]))
    raise RubricError(f"{where} must be text or {{zh, en}}")


def _name(value: Any) -> str:
    text = str(value)
    if not text or len(text) > 64 or not all(ch.isalnum() or ch in "-_." for ch in text):
        raise RubricError(f"{text!r} is not a name (letters, digits, - _ .; at most 64)")
    return text


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RubricError(f"{where} must be a whole number")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RubricError(f"{where} must be a number")
    return float(value)
