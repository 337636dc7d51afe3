"""Each eligibility rule's pass, fail, unknown (and skipped) paths, with facts built directly."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.document import DocumentBuilder
from ingest.names import normalise_company
from review.eligibility import MemberIndex, RuleContext, SubmittedFile, TeamRecord, load_config
from review.eligibility import rules as R
from review.eligibility.model import PENDING, RuleResult
from review.toplists import PastEntry, PastListIndex
from tests.review.helpers import (
    PLAN_HEADINGS,
    document,
    fact,
    make_id,
    make_uscc,
    maker_team,
    registration,
    startup,
)

CONFIG = load_config()
NO_DOCS = RuleContext()


def params(rule: str, **changes: object) -> dict:
    return {**CONFIG.rules[rule].params, **changes}


def run(rule: str, reg, ctx: RuleContext = NO_DOCS, **changes: object) -> RuleResult:  # type: ignore[no-untyped-def]
    return R.RULES[rule](reg, ctx, params(rule, **changes))


def with_facts(*facts, name: str = "plan.pdf", headings: list[str] | None = None) -> RuleContext:  # type: ignore[no-untyped-def]
    doc = document(headings or PLAN_HEADINGS, name)
    return RuleContext(files=[SubmittedFile(name, documents=[doc], facts=list(facts))])


# ---------------------------------------------------------------- 1 startup_age

@pytest.mark.parametrize(("registered", "status"), [
    ("2025-03-01", "pass"), ("2024-07-01", "pass"), ("2023-12-31", "fail"), ("2024-01-01", "fail"),
    ("2024-06-30", "fail"), ("2026-07-01", "unknown"),
])
def test_startup_age(registered: str, status: str) -> None:
    result = run("startup_age", startup(applicant={"registered_on": registered}))
    assert result.status == status, result.reason
    assert result.evidence[0]["field"] == "applicant.registered_on"


def test_startup_age_other_paths() -> None:
    assert run("startup_age", startup(applicant={"registered_on": None})).status == "unknown"
    team = run("startup_age", maker_team())
    assert team.status == "pass" and "not applicable" in team.reason
    assert run("startup_age", registration()).status == "skipped"
    near = run("startup_age", startup(applicant={"registered_on": "2024-06-20"}), borderline_days=15)
    assert near.status == "unknown" and "borderline" in near.reason
    later = run("startup_age", startup(applicant={"registered_on": "2024-06-30"}), reference_date=date(2026, 5, 1))
    assert later.status == "pass"


# ---------------------------------------------------------------- 2 sme_size

@pytest.mark.parametrize(("figures", "status"), [
    ({"employees": 120, "revenue_10k_cny": 8500}, "pass"),
    ({"employees": 1500, "revenue_10k_cny": 30000}, "pass"),
    ({"employees": 1000, "revenue_10k_cny": 40000}, "fail"),
    ({"employees": None, "revenue_10k_cny": 8500}, "unknown"),
    ({"industry": "F"}, "unknown"),
    ({"industry": None}, "unknown"),
    ({"industry": "软件和信息技术服务业", "employees": 300, "revenue_10k_cny": 10000}, "fail"),
])
def test_sme_size(figures: dict, status: str) -> None:
    result = run("sme_size", registration(applicant=figures))
    assert result.status == status, result.reason
    assert {e["field"] for e in result.evidence} >= {"applicant.industry", "applicant.employees"}


def test_sme_size_applies_to_the_enterprise_group_only() -> None:
    assert run("sme_size", startup()).status == "skipped"


# ---------------------------------------------------------------- 3 uscc_valid

def test_uscc_valid() -> None:
    good = make_uscc()
    assert run("uscc_valid", registration()).status == "pass"
    typo = run("uscc_valid", registration(applicant={"uscc": good[:17] + ("0" if good[17] != "0" else "1")}))
    assert typo.status == "unknown" and "check character" in typo.reason
    assert run("uscc_valid", registration(applicant={"uscc": make_uscc(prefix="92")})).status == "unknown"
    assert run("uscc_valid", registration(applicant={"uscc": make_uscc(prefix="52")})).status == "unknown"
    assert run("uscc_valid", registration(applicant={"uscc": None})).status == "unknown"
    assert run("uscc_valid", registration(applicant={"uscc": "9151ABC"})).status == "fail"
    team = run("uscc_valid", maker_team())
    assert team.status == "pass" and "not applicable" in team.reason


# ---------------------------------------------------------------- 4 registration_consistent

def test_registration_consistent_pass_when_documents_agree() -> None:
    reg = registration()
    ctx = with_facts(fact("company_name", "四川某某增材科技有限公司"), fact("company_name", "某客户有限公司"),
                     fact("uscc", reg.applicant.uscc, valid=True), fact("registered_on", "2019-05-20"),
                     fact("employees", 118), fact("revenue_cny", 60_000_000.0, year=2024),
                     fact("revenue_cny", 85_200_000.0, year=2025), fact("revenue_cny", 2e8, year=2027, forecast=True))
    result = run("registration_consistent", reg, ctx)
    assert result.status == "pass", result.reason
    assert any(e["source"] == "document" and e["page"] == 2 for e in result.evidence)


def test_registration_consistent_lists_disagreements_with_both_sides() -> None:
    ctx = with_facts(fact("company_name", "成都另一家科技有限公司"), fact("employees", 400),
                     fact("revenue_cny", 85_000_000.0, year=2025))
    result = run("registration_consistent", registration(), ctx)
    assert result.status == "unknown" and "company name" in result.reason and "headcount" in result.reason
    sides = {(e["source"], e.get("field") or e.get("kind")) for e in result.evidence}
    assert ("registration", "applicant.employees") in sides and ("document", "employees") in sides
    assert run("registration_consistent", registration(), ctx, on_disagreement="fail").status == "fail"


def test_registration_consistent_unknown_and_skipped() -> None:
    assert run("registration_consistent", registration(), with_facts()).status == "unknown"
    unavailable = RuleContext(files=[SubmittedFile("plan.pdf", documents=[document(PLAN_HEADINGS)], facts=None)])
    assert "extraction not available" in run("registration_consistent", registration(), unavailable).reason
    assert run("registration_consistent", registration()).status == "skipped"


def test_registration_consistent_compares_a_maker_teams_members() -> None:
    team = maker_team(team=[{"name": "王一", "core": True}, {"name": "李二", "core": True}])
    named = with_facts(fact("person", "王一", role="负责人"), fact("person", "李二", role="技术负责人"))
    result = run("registration_consistent", team, named)
    assert result.status == "pass" and any(e.get("check") == "core team" for e in result.evidence)
    strangers = with_facts(fact("person", "赵三"), fact("person", "钱四"))
    differs = run("registration_consistent", team, strangers)
    assert differs.status == "unknown" and "core team" in differs.reason
    assert any(e.get("value") == ["王一", "李二"] and e.get("note") for e in differs.evidence)


# ---------------------------------------------------------------- 5 core_team_size

def _team(core: int, extra: int = 0) -> list[dict]:
    return ([{"name": f"核心{i}", "id_number": make_id(f"5105001990010100{i}")} for i in range(core)]
            + [{"name": f"成员{i}", "core": False} for i in range(extra)])


def test_core_team_size() -> None:
    assert run("core_team_size", startup(team=_team(7, extra=3))).status == "pass"
    too_many = run("core_team_size", startup(team=_team(8)))
    assert too_many.status == "fail" and "8 core members" in too_many.reason
    assert run("core_team_size", startup(team=[])).status == "unknown"
    assert run("core_team_size", registration(team=_team(9))).status == "skipped"
    assert run("core_team_size", registration(team=_team(9)), groups=["enterprise", "startup"]).status == "fail"
    assert run("core_team_size", startup(team=_team(8)), max_core=8).status == "pass"


# ---------------------------------------------------------------- 6 one_team_per_person

def test_one_team_per_person() -> None:
    shared = {"name": "张三", "id_number": make_id("11010519491231002")}
    mine = startup(id="AM11-S-0001", team=[shared])
    other = startup(id="AM11-S-0009", team=[shared])
    namesake = startup(id="AM11-S-0010", team=[{"name": "张三", "id_number": make_id("11010519800101001")}])
    no_id = startup(id="AM11-S-0011", team=[{"name": "张三"}])
    other_edition = startup(id="AM10-S-0001", team=[shared], contest={"edition": 10, "year": 2025, "name": "x"})

    def index(*teams) -> RuleContext:  # type: ignore[no-untyped-def]
        return RuleContext(members=MemberIndex(TeamRecord.from_registration(t) for t in (mine, *teams)))

    failed = run("one_team_per_person", mine, index(other))
    assert failed.status == "fail" and "AM11-S-0009" in failed.reason
    assert failed.evidence[0]["value"]["id_masked"].count("*") == 8
    assert run("one_team_per_person", mine, index(namesake, other_edition)).status == "pass"
    by_name = run("one_team_per_person", mine, index(no_id))
    assert by_name.status == "unknown" and "AM11-S-0011" in by_name.reason
    assert run("one_team_per_person", mine, index()).status == "pass"  # only itself
    assert run("one_team_per_person", registration()).status == "skipped"
    assert run("one_team_per_person", startup(team=[]), index()).status == "unknown"


def test_same_registration_in_database_and_input_counts_once() -> None:
    mine = startup(team=[{"name": "张三", "id_number": make_id("11010519491231002")}])
    stored = TeamRecord.from_registration(mine)
    index = MemberIndex([stored])
    index.add(TeamRecord.from_registration(mine))
    assert run("one_team_per_person", mine, RuleContext(members=index)).status == "pass"


# ---------------------------------------------------------------- 7 past_top_lists

def _lists(*entries: tuple[int, str, str]) -> RuleContext:
    return RuleContext(past_lists=PastListIndex(
        PastEntry(f"{year}年企业组500强", "enterprise", year, 1, project, company,
                  normalise_company(company)) for year, company, project in entries))


def test_past_top_lists() -> None:
    reg = registration()
    listed = (2024, "某某增材科技（四川）股份有限公司", "大尺寸钛合金构件激光选区熔化成形装备")
    strong = run("past_top_lists", reg, _lists(listed))
    assert strong.status == "fail" and strong.evidence[0]["source"] == "past_list"
    weak = run("past_top_lists", reg, _lists((2025, "四川某某增材科技有限公司", "医用钛合金骨科植入物")))
    assert weak.status == "unknown"
    clean = run("past_top_lists", reg, _lists((2024, "别家公司", "别的项目完全不同")))
    assert clean.status == "pass"
    old = run("past_top_lists", reg, _lists((2022, "四川某某增材科技有限公司", "大尺寸钛合金构件激光选区熔化成形装备"),
                                             (2024, "别家公司", "别的项目")))
    assert old.status == "pass"  # outside the three-year window
    assert run("past_top_lists", reg).status == "skipped"


# ---------------------------------------------------------------- 8 credit_record

def test_credit_record() -> None:
    assert run("credit_record", registration()).status == "pass"
    flagged = run("credit_record", registration(applicant={"credit_flags": ["abnormal_operation", "dishonest"]}))
    assert flagged.status == "fail" and "abnormal_operation" in flagged.reason and "dishonest" in flagged.reason
    assert run("credit_record", registration(applicant={"credit_flags": "列入某某名单"})).status == "unknown"


# ---------------------------------------------------------------- 9 on_market

def test_on_market() -> None:
    sales = with_facts(fact("revenue_cny", 12_000_000.0, year=2025))
    forecast_only = with_facts(fact("revenue_cny", 12_000_000.0, year=2027, forecast=True))
    assert run("on_market", registration()).status == "pass"
    assert run("on_market", registration(on_market=False)).status == "fail"
    assert run("on_market", registration(on_market=False), forecast_only).status == "fail"
    assert run("on_market", registration(on_market=False), sales).status == "unknown"
    found = run("on_market", registration(on_market=None), sales)
    assert found.status == "pass" and found.evidence[-1]["source"] == "document"
    assert run("on_market", registration(on_market=None), forecast_only).status == "unknown"
    assert run("on_market", registration(on_market=None)).status == "unknown"
    assert run("on_market", startup()).status == "skipped"


# ---------------------------------------------------------------- 10 ip_ownership

def test_ip_ownership() -> None:
    own = fact("patent", "201310699744.2", holder="四川某某增材科技有限公司", type="invention")
    member = fact("patent", "201110047567.0", holder="张三")
    university = fact("patent", "201010146372.7", holder="四川大学")
    joint = fact("software_copyright", "2023SR0879891", holder="四川某某增材科技有限公司；四川大学")
    silent = fact("patent", "200820132792.8")
    assert run("ip_ownership", registration(), with_facts(own, member)).status == "pass"
    other = run("ip_ownership", registration(), with_facts(own, university))
    assert other.status == "fail" and other.evidence[0]["holder"] == "四川大学"
    assert run("ip_ownership", registration(), with_facts(own, joint)).status == "unknown"
    assert run("ip_ownership", registration(), with_facts(silent)).status == "unknown"
    assert run("ip_ownership", registration(), with_facts()).status == "pass"
    assert run("ip_ownership", registration()).status == "skipped"
    assert CONFIG.rules["ip_ownership"].advisory


def test_ip_ownership_takes_the_plans_own_claim_for_items_without_a_holder() -> None:
    builder = DocumentBuilder("0" * 64, "application/pdf", "plan.pdf", "test")
    builder.start_page(1)
    builder.add_block("heading", "三、知识产权", level=1)
    builder.add_block("paragraph", "截至2026年3月，某某增材累计申请专利12项，其中发明专利5项。知识产权权属清晰。")
    doc = builder.build()
    silent = fact("patent", "200820132792.8")
    claimed = RuleContext(files=[SubmittedFile("plan.pdf", documents=[doc], facts=[silent])])
    result = run("ip_ownership", registration(), claimed)
    assert result.status == "pass", result.reason
    claim = result.evidence[0]
    assert claim["text"].startswith("截至2026年3月，某某增材累计申请专利12项") and claim["page"] == 1
    assert doc.text[claim["span"][0]:claim["span"][1]].strip() == claim["text"]
    university = fact("patent", "201010146372.7", holder="四川大学")
    held_elsewhere = RuleContext(files=[SubmittedFile("plan.pdf", documents=[doc], facts=[silent, university])])
    assert run("ip_ownership", registration(), held_elsewhere).status == "fail"  # a claim never hides a stated holder


# ---------------------------------------------------------------- 11 documents_complete

def test_documents_complete() -> None:
    assert run("documents_complete", registration(), with_facts()).status == "pass"
    few = run("documents_complete", registration(), with_facts(headings=["一、项目概述", "二、技术与产品"]))
    assert few.status == "unknown" and "market" in few.reason
    not_a_plan = run("documents_complete", registration(), with_facts(headings=["第一章 总则", "第二章 附则"]))
    assert not_a_plan.status == "fail" and "none of the sections" in not_a_plan.reason
    startup_plan = with_facts(headings=[h for h in PLAN_HEADINGS if "财务" not in h])
    assert run("documents_complete", startup(), startup_plan).status == "pass"
    missing = RuleContext(files=[SubmittedFile("plan.pdf", error="file not found", error_code="missing")])
    assert run("documents_complete", registration(), missing).status == "fail"
    reading = RuleContext(files=[SubmittedFile("plan.pdf", error="still being read", error_code=PENDING)])
    assert run("documents_complete", registration(), reading).status == "unknown"  # checked again when read
    unsafe = RuleContext(files=[SubmittedFile("../x.pdf", error="unsafe file name", error_code="unsafe_path")])
    assert run("documents_complete", registration(), unsafe).evidence[0]["problem"] == "unsafe file name"
    empty = RuleContext(files=[SubmittedFile("plan.pdf", documents=[document([])], facts=[])])
    assert run("documents_complete", registration(), empty).status == "fail"
    assert run("documents_complete", registration(files=[]), RuleContext(files=[])).status == "fail"
    assert run("documents_complete", registration()).status == "skipped"


# ---------------------------------------------------------------- 12 segment_fit

def test_segment_fit_is_pluggable() -> None:
    assert run("segment_fit", registration()).status == "skipped"
    R.register_segment_classifier(lambda reg, files: RuleResult("unknown", f"segment {reg.segment} looks wrong"))
    try:
        assert run("segment_fit", registration()).status == "unknown"
    finally:
        R.register_segment_classifier(None)
    ctx = RuleContext(segment_classifier=lambda reg, files: RuleResult("pass", "fits"))
    assert run("segment_fit", registration(), ctx).status == "pass"
