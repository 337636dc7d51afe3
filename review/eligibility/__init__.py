"""Eligibility checks of registrations against the contest notice's conditions (资格审查).

Entry points: ``check_batch`` (a batch with files, past lists and other teams), ``check_registration``
(one, with a ``RuleContext``), ``load_config`` / ``merge_rules`` (defaults + a contest's overrides).
"""

from review.eligibility.checker import CheckOutcome, check_batch, check_registration, member_index, verdict_of
from review.eligibility.config import CheckConfig, ConfigError, RuleConfig, default_rules, load_config, merge_rules
from review.eligibility.members import MemberIndex, MemberRef, TeamRecord, load_teams
from review.eligibility.model import RuleContext, RuleResult, SubmittedFile
from review.eligibility.rules import RULES, register_segment_classifier

__all__ = [
    "RULES", "CheckConfig", "CheckOutcome", "ConfigError", "MemberIndex", "MemberRef", "RuleConfig", "RuleContext",
    "RuleResult", "SubmittedFile", "TeamRecord", "check_batch", "check_registration", "default_rules", "load_config",
    "load_teams", "member_index", "merge_rules", "register_segment_classifier", "verdict_of",
]
