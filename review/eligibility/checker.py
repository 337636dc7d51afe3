"""Run the rules over registrations: one verdict and risk score per registration.

Verdict: ``ineligible`` if a (non-advisory) rule fails; ``needs_review`` if a rule is unknown or an
advisory rule fails; else ``eligible``. ``skipped`` never changes the verdict. The machine only orders
the queue: a person accepts or rejects. The risk score (0–100) sorts the queue riskiest first: each
verdict has its own band (ineligible 70–100, needs_review 30–70, eligible 0–30) and within it the
weighted failures and unknowns push an entry up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from review.eligibility.config import CheckConfig, load_config
from review.eligibility.members import MemberIndex, TeamRecord
from review.eligibility.model import RuleContext, RuleResult, SubmittedFile, skipped, unknown
from review.eligibility.rules import RULES
from review.registrations import Registration
from review.toplists import PastEntry, PastListIndex

log = logging.getLogger(__name__)
_BANDS = {"ineligible": (70.0, 30.0), "needs_review": (30.0, 40.0), "eligible": (0.0, 30.0)}
_POINTS = {"fail": 1.0, "advisory_fail": 0.5, "unknown": 0.3}


@dataclass
class CheckOutcome:
    """A registration's verdict, risk score and every rule's result (in rule order)."""

    id: str
    verdict: str
    risk: float
    results: list[RuleResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "verdict": self.verdict, "risk": self.risk,
                "rules": [result.to_json() for result in self.results]}


def verdict_of(results: Iterable[RuleResult]) -> str:
    results = list(results)
    if any(r.status == "fail" and not r.advisory for r in results):
        return "ineligible"
    if any(r.status == "unknown" or (r.status == "fail" and r.advisory) for r in results):
        return "needs_review"
    return "eligible"


def risk_of(verdict: str, results: Iterable[RuleResult], config: CheckConfig) -> float:
    """The verdict's band plus the weighted problems, saturating inside the band."""
    points = 0.0
    for result in results:
        kind = "advisory_fail" if result.status == "fail" and result.advisory else result.status
        points += _POINTS.get(kind, 0.0) * config.rules[result.rule].weight
    base, width = _BANDS[verdict]
    return round(base + width * points / (points + 5.0), 2)


def _run(name: str, registration: Registration, context: RuleContext, config: CheckConfig) -> RuleResult:
    rule_config = config.rules[name]
    if not rule_config.enabled:
        result = skipped("disabled by configuration")
    else:
        try:
            result = RULES[name](registration, context, rule_config.params)
        except Exception as exc:  # a rule's bug must cost one result, not the batch
            log.exception("rule %s failed on %s", name, registration.id)
            result = unknown(f"rule error: {type(exc).__name__}")
    result.rule, result.advisory = name, rule_config.advisory
    return result


def check_registration(registration: Registration, context: RuleContext | None = None,
                       config: CheckConfig | None = None) -> CheckOutcome:
    """Every configured rule on one registration (IDs must already be protected: see ``protect_ids``)."""
    config = config or load_config()
    context = context or RuleContext()
    results = [_run(name, registration, context, config) for name in config.rules]
    verdict = verdict_of(results)
    return CheckOutcome(registration.id, verdict, risk_of(verdict, results, config), results)


def member_index(registrations: Iterable[Registration], others: Iterable[TeamRecord] = ()) -> MemberIndex:
    """Other teams (e.g. from the database) and the batch; a registration in both counts once (the batch's)."""
    index = MemberIndex(others)
    for registration in registrations:
        index.add(TeamRecord.from_registration(registration))
    return index


FilesFor = Mapping[str, list[SubmittedFile]] | Callable[[Registration], list[SubmittedFile]]
ConfigFor = CheckConfig | Mapping[str, Any] | Callable[[Registration], CheckConfig] | None


def _config_for(config: ConfigFor) -> Callable[[Registration], CheckConfig]:
    if callable(config):
        return config
    fixed = config if isinstance(config, CheckConfig) else load_config(config)
    return lambda _registration: fixed


def _files_for(files: FilesFor | None, registration: Registration) -> list[SubmittedFile] | None:
    if files is None:
        return None
    return files(registration) if callable(files) else files.get(registration.id, [])


def check_batch(registrations: list[Registration], *, config: ConfigFor = None, files: FilesFor | None = None,
                past_lists: PastListIndex | Iterable[PastEntry] | None = None, other_teams: Iterable[TeamRecord] = (),
                segment_classifier: Any = None) -> Iterator[CheckOutcome]:
    """Check registrations together, so one person in two teams of the batch is found.

    ``files``: a registration's files, by id (a mapping) or computed when its turn comes (a callable);
    None means documents were not supplied, so document rules skip. ``other_teams`` are teams already
    stored (``members.load_teams``). ``config``: a ``CheckConfig``, overrides for ``load_config``, or a
    callable giving each registration's configuration (per-contest settings).
    """
    config_for = _config_for(config)
    index = past_lists if isinstance(past_lists, PastListIndex) or past_lists is None else PastListIndex(past_lists)
    members = member_index(registrations, other_teams)
    for registration in registrations:
        context = RuleContext(files=_files_for(files, registration), past_lists=index, members=members,
                              segment_classifier=segment_classifier)
        yield check_registration(registration, context, config_for(registration))
