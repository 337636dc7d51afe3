"""Enterprise size under 《中小企业划型标准规定》, with the thresholds read from versioned YAML data.

The thresholds live in ``review/data/<standard>.yaml`` (``sme-2011`` = 工信部联企业〔2011〕300号), so a
revision of the standard is a new data file chosen by configuration, not a code change (facts.md §1.2).

The algorithm is the one in facts.md §1.1: on each indicator the band is large if the value reaches
the large bound (``>=``), medium if it reaches the medium bound, small if it reaches the small bound,
else micro; the size is the worse (larger) of the row's bands, because large, medium and small must
reach every lower bound and otherwise drop a class. So exactly 1000 people and 40000万 in 工业 is large.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_STANDARD = "sme-2011"
SIZE_NAMES = {1: "large", 2: "medium", 3: "small", 4: "micro"}
INDICATOR_NAMES = {"employees": "employees", "revenue": "revenue (万元)", "assets": "total assets (万元)"}
_CODE = re.compile(r"^([A-T])?(\d{2,4})?(?![0-9A-Za-z])")


@dataclass(frozen=True)
class IndustryRow:
    """One row of the standard: its indicators' lower bounds (large, medium, small)."""

    key: str
    name: str
    indicators: dict[str, tuple[float, float, float]]


@dataclass(frozen=True)
class Resolution:
    """The row an industry string names, or why there is none."""

    row: IndustryRow | None
    reason: str


@dataclass(frozen=True)
class SmeResult:
    """The size class (1 large … 4 micro; None when undecided), the bands behind it and the reason."""

    size: int | None
    reason: str
    row: IndustryRow | None = None
    bands: dict[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def size_name(self) -> str | None:
        return SIZE_NAMES.get(self.size) if self.size else None

    @property
    def is_sme(self) -> bool | None:
        return None if self.size is None else self.size > 1


def band(value: float, bounds: tuple[float, float, float]) -> int:
    """1 large, 2 medium, 3 small, 4 micro: a value equal to a bound belongs to the class it opens."""
    large, medium, small = bounds
    if value >= large:
        return 1
    if value >= medium:
        return 2
    return 3 if value >= small else 4


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


class Standard:
    """A loaded threshold table with its industry look-up (GB/T 4754 codes and names)."""

    def __init__(self, data: dict) -> None:  # type: ignore[type-arg]
        self.standard_id: str = data["standard_id"]
        self.title: str = data.get("title", "")
        self.rows: dict[str, IndustryRow] = {}
        self._names: dict[str, str] = {}
        self._codes: dict[str, str] = {}
        for row in data["industries"]:
            bounds = {name: tuple(float(b) for b in values) for name, values in row["indicators"].items()}
            self.rows[row["key"]] = IndustryRow(row["key"], row["name"], bounds)  # type: ignore[arg-type]
            self._codes.update({_key(str(code)): row["key"] for code in row.get("codes", [])})
            self._names.update({_key(alias): row["key"] for alias in [row["name"], *row.get("aliases", [])]})
        self._ambiguous = {_key(str(k)): v for k, v in (data.get("ambiguous") or {}).items()}
        self._excluded = {_key(str(k)): v for k, v in (data.get("excluded") or {}).items()}

    def _by_code(self, code: str) -> Resolution | None:
        if code in self._codes:
            row = self.rows[self._codes[code]]
            return Resolution(row, f"industry code {code} → {row.name}")
        if code in self._excluded:
            return Resolution(None, f"industry code {code} is {self._excluded[code]}, outside this standard")
        if code in self._ambiguous:
            return Resolution(None, f"industry code {code} is ambiguous: {self._ambiguous[code]}")
        return None

    def _by_name(self, text: str) -> Resolution | None:
        if text in self._excluded:
            return Resolution(None, f"{text} is outside this standard ({self._excluded[text]})")
        if text in self._ambiguous:
            return Resolution(None, f"{text} is ambiguous: {self._ambiguous[text]}")
        if text in self._names:
            return Resolution(self.rows[self._names[text]], f"industry {text}")
        contained = sorted((alias for alias in self._names if alias in text), key=len, reverse=True)
        if contained:
            row = self.rows[self._names[contained[0]]]
            return Resolution(row, f"industry {text} read as {row.name}")
        return None

    def resolve(self, industry: str | None) -> Resolution:
        """The row for 工业, 制造业, C, C3493, 3493, 软件和信息技术服务业, 65, 批发业…"""
        if not industry or not industry.strip():
            return Resolution(None, "industry not stated")
        text = _key(industry)
        match = _CODE.match(text)
        if match and match.group(0):
            letter, digits = match.group(1), match.group(2)
            for code in ([digits[:n] for n in (4, 3, 2) if len(digits) >= n] if digits else []) + [letter or ""]:
                found = self._by_code(code) if code else None
                if found:
                    return found
        return self._by_name(text) or Resolution(None, f"industry {industry.strip()!r} not in {self.standard_id}")

    def classify(self, industry: str | None, *, employees: float | None, revenue_10k_cny: float | None,
                 assets_10k_cny: float | None) -> SmeResult:
        """The size class of an enterprise from its industry and figures (money in 万元)."""
        resolution = self.resolve(industry)
        row = resolution.row
        if row is None:
            return SmeResult(None, resolution.reason)
        figures = {"employees": employees, "revenue": revenue_10k_cny, "assets": assets_10k_cny}
        bands = {name: band(figures[name], bounds) for name, bounds in row.indicators.items()  # type: ignore[arg-type]
                 if figures[name] is not None}
        missing = tuple(name for name in row.indicators if figures[name] is None)
        shown = ", ".join(f"{INDICATOR_NAMES[n]} {_fmt(figures[n])} → {SIZE_NAMES[b]}" for n, b in bands.items())
        if missing:
            hint = "; the figures given already make it an SME" if any(b > 1 for b in bands.values()) else ""
            need = ", ".join(INDICATOR_NAMES[m] for m in missing)
            return SmeResult(None, f"{row.name}: {need} missing{hint}", row, bands, missing)
        size = max(bands.values())
        return SmeResult(size, f"{row.name}: {shown} ⇒ {SIZE_NAMES[size]}", row, bands)


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def available_standards() -> list[str]:
    return sorted(path.stem for path in DATA_DIR.glob("sme-*.yaml"))


@lru_cache(maxsize=8)
def load_standard(name: str = DEFAULT_STANDARD) -> Standard:
    """The threshold table ``review/data/<name>.yaml``; ``ValueError`` for an unknown name."""
    if name not in available_standards():
        raise ValueError(f"unknown SME standard {name!r} (available: {', '.join(available_standards())})")
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as stream:
        return Standard(yaml.safe_load(stream))


def classify(industry: str | None, employees: float | None, revenue_10k_cny: float | None,
             assets_10k_cny: float | None = None, *, standard: str = DEFAULT_STANDARD) -> SmeResult:
    """Shorthand for ``load_standard(standard).classify(...)``."""
    return load_standard(standard).classify(industry, employees=employees, revenue_10k_cny=revenue_10k_cny,
                                            assets_10k_cny=assets_10k_cny)
