"""Verdicts, risk scores, batches and the rule configuration."""

from __future__ import annotations

from datetime import date

import pytest

from review.eligibility import ConfigError, check_batch, check_registration, load_config, merge_rules, verdict_of
from review.eligibility.model import RuleResult
from tests.review.helpers import make_id, registration, startup


def _result(status: str, advisory: bool = False) -> RuleResult:
    return RuleResult(status, "", rule="credit_record", advisory=advisory)  # type: ignore[arg-type]


def test_verdicts() -> None:
    assert verdict_of([_result("pass"), _result("skipped")]) == "eligible"
    assert verdict_of([_result("pass"), _result("unknown")]) == "needs_review"
    assert verdict_of([_result("fail", advisory=True)]) == "needs_review"
    assert verdict_of([_result("unknown"), _result("fail")]) == "ineligible"


def test_eligible_needs_review_and_ineligible_registrations_sort_by_risk() -> None:
    eligible = check_registration(registration())
    review = check_registration(registration(applicant={"industry": None}))
    ineligible = check_registration(registration(applicant={"credit_flags": ["dishonest"], "industry": None}))
    assert (eligible.verdict, review.verdict, ineligible.verdict) == ("eligible", "needs_review", "ineligible")
    assert eligible.risk < review.risk < ineligible.risk <= 100
    line = ineligible.to_json()
    assert set(line) == {"id", "verdict", "risk", "rules"}
    assert [r["rule"] for r in line["rules"]][:3] == ["startup_age", "sme_size", "uscc_valid"]
    assert all(set(r) >= {"rule", "status", "reason", "evidence"} for r in line["rules"])


def test_without_documents_document_rules_skip_and_do_not_change_the_verdict() -> None:
    outcome = check_registration(registration())
    statuses = {r.rule: r.status for r in outcome.results}
    assert all(statuses[rule] == "skipped" for rule in ("registration_consistent", "ip_ownership",
                                                        "documents_complete", "segment_fit"))
    assert outcome.verdict == "eligible"


def test_advisory_and_disabled_rules() -> None:
    flagged = registration(applicant={"credit_flags": ["dishonest"]})
    advisory = check_registration(flagged, config=load_config({"credit_record": {"advisory": True}}))
    assert advisory.verdict == "needs_review"
    disabled = check_registration(flagged, config=load_config({"rules": {"credit_record": {"enabled": False}}}))
    assert disabled.verdict == "eligible"
    assert next(r for r in disabled.results if r.rule == "credit_record").reason == "disabled by configuration"


def test_batch_finds_one_person_in_two_teams_and_no_raw_id_in_output() -> None:
    number = make_id("11010519491231002")
    a = startup(id="AM11-S-0001", team=[{"name": "张三", "id_number": number}])
    b = startup(id="AM11-S-0002", team=[{"name": "张三", "id_number": number}])
    outcomes = list(check_batch([a, b]))
    assert [o.verdict for o in outcomes] == ["ineligible", "ineligible"]
    assert number not in str([o.to_json() for o in outcomes])


def test_config_merge_and_errors() -> None:
    rules = merge_rules({"startup_age": {"params": {"reference_date": "2026-07-15"}}}, {"sme_size": {"weight": 5}})
    assert rules["startup_age"]["params"]["reference_date"] == date(2026, 7, 15)
    assert rules["startup_age"]["params"]["earliest"] == date(2024, 1, 1)  # untouched
    assert rules["sme_size"]["weight"] == 5.0
    assert merge_rules()["ip_ownership"]["advisory"] is True
    for bad, message in [({"no_such_rule": {}}, "unknown rule"), ({"sme_size": {"enable": False}}, "unknown key"),
                         ({"sme_size": {"params": {"standrad": "x"}}}, "unknown parameter"),
                         ({"sme_size": {"params": {"standard": "sme-1999"}}}, "unknown standard"),
                         ({"core_team_size": {"params": {"max_core": "seven"}}}, "expected a number"),
                         ({"startup_age": {"params": {"reference_date": "June"}}}, "expected a date"),
                         ({"credit_record": {"advisory": "yes"}}, "true or false")]:
        with pytest.raises(ConfigError, match=message):
            load_config(bad)
