"""Rule configuration: the defaults in ``review/data/rules.yaml`` merged with a contest's overrides.

Overrides are a dict of the same shape, with or without the top-level ``rules`` key — what the
``Contest.rules`` column holds: ``{"startup_age": {"params": {"reference_date": "2026-07-15"}},
"ip_ownership": {"advisory": false}}``. Only the keys given change. An unknown rule, key or parameter,
or a value of the wrong type, raises ``ConfigError`` naming it: a typo must not silently disable a check.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from review.eligibility.rules import RULES
from review.sme import available_standards

DEFAULTS_PATH = Path(__file__).resolve().parent.parent / "data" / "rules.yaml"
_RULE_KEYS = {"enabled", "advisory", "weight", "params"}


class ConfigError(ValueError):
    """A rule configuration that cannot be used, with the offending rule and key in the message."""


@dataclass(frozen=True)
class RuleConfig:
    enabled: bool = True
    advisory: bool = False
    weight: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckConfig:
    """Every rule's configuration, in the order the rules run."""

    rules: dict[str, RuleConfig]

    def to_json(self) -> dict[str, Any]:
        return {"rules": {name: {"enabled": c.enabled, "advisory": c.advisory, "weight": c.weight,
                                 "params": _jsonable(c.params)} for name, c in self.rules.items()}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    with open(DEFAULTS_PATH, encoding="utf-8") as stream:
        rules = yaml.safe_load(stream)["rules"]
    missing = set(RULES) - set(rules)
    if missing:
        raise ConfigError(f"rules.yaml lacks {', '.join(sorted(missing))}")
    merged = {name: {"enabled": True, "advisory": False, "weight": 1.0, "params": {}, **(rules[name] or {})}
              for name in RULES}
    for rule in merged.values():
        rule["weight"] = float(rule["weight"])
    return merged


def default_rules() -> dict[str, Any]:
    """A fresh copy of the default configuration (a dict, per rule: enabled, advisory, weight, params)."""
    return copy.deepcopy(_defaults())


def _coerce(where: str, default: Any, value: Any) -> Any:
    """``value`` in the type of ``default``; dates also from ISO text."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, date):
        try:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from None
    if isinstance(default, int | float) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if isinstance(default, int) and not float(value).is_integer():
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{where}: must not be negative")
        return type(default)(value)
    if not isinstance(value, type(default)):
        raise ConfigError(f"{where}: expected {type(default).__name__}, got {value!r}")
    return copy.deepcopy(value)


def _merge_rule(name: str, base: dict[str, Any], override: Any) -> None:
    if not isinstance(override, Mapping):
        raise ConfigError(f"{name}: expected a mapping of enabled/advisory/weight/params")
    unknown = set(override) - _RULE_KEYS
    if unknown:
        expected = ", ".join(sorted(_RULE_KEYS))
        raise ConfigError(f"{name}: unknown key {', '.join(sorted(unknown))} (expected {expected})")
    for key in ("enabled", "advisory", "weight"):
        if key in override:
            base[key] = _coerce(f"{name}.{key}", base[key], override[key])
    params = override.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{name}.params: expected a mapping")
    for key, value in params.items():
        if key not in base["params"]:
            known = ", ".join(sorted(base["params"])) or "none"
            raise ConfigError(f"{name}.params: unknown parameter {key!r} (known: {known})")
        base["params"][key] = _coerce(f"{name}.params.{key}", base["params"][key], value)


def _validate(rules: dict[str, Any]) -> None:
    standard = rules["sme_size"]["params"]["standard"]
    if standard not in available_standards():
        raise ConfigError(f"sme_size.params.standard: unknown standard {standard!r} "
                          f"(available: {', '.join(available_standards())})")
    past = rules["past_top_lists"]["params"]
    if not 0 <= past["weak"] <= past["strong"] <= 100:
        raise ConfigError("past_top_lists.params: need 0 ≤ weak ≤ strong ≤ 100")
    if rules["registration_consistent"]["params"]["on_disagreement"] not in ("fail", "unknown"):
        raise ConfigError("registration_consistent.params.on_disagreement: fail or unknown")
    if not set(rules["core_team_size"]["params"]["groups"]) <= {"enterprise", "startup"}:
        raise ConfigError("core_team_size.params.groups: only enterprise and startup")


def merge_rules(*overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults with each override applied in turn (later wins); raises ``ConfigError``."""
    rules = default_rules()
    for override in overrides:
        if not override:
            continue
        if not isinstance(override, Mapping):
            raise ConfigError("rule configuration must be a mapping of rule names")
        items = override["rules"] if set(override) == {"rules"} else override
        for name, value in (items or {}).items():
            if name not in rules:
                raise ConfigError(f"unknown rule {name!r} (known: {', '.join(rules)})")
            _merge_rule(name, rules[name], value)
    _validate(rules)
    return rules


def load_config(*overrides: Mapping[str, Any] | None) -> CheckConfig:
    """The configuration to check with: defaults merged with, e.g., ``Contest.rules``."""
    return CheckConfig({name: RuleConfig(bool(c["enabled"]), bool(c["advisory"]), float(c["weight"]),
                                         c["params"]) for name, c in merge_rules(*overrides).items()})


def load_contest_rules(session) -> dict[tuple[str, int, int], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Each stored contest's rule overrides (``Contest.rules``), by (name, edition, year)."""
    from sqlalchemy import select

    from review.models import Contest

    rows = session.execute(select(Contest.name, Contest.edition, Contest.year, Contest.rules))
    return {(name, edition, year): rules for name, edition, year, rules in rows if rules}
