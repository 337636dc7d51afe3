"""Pre-fill on realistic generated plans: every criterion filled and cited verbatim, questions where it is silent."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pytest

from api.demo.plans import Plan, make_plan
from api.demo.render import render_docx, render_pdf
from ingest.document import Document
from ingest.facts import Fact, extract_facts
from ingest.parse import parse_bytes
from scorecards.prefill import prefill
from scorecards.rubrics import RubricError, default_for, default_names, default_rubric, parse_rubric
from tests.review.test_cli_check import _run


@functools.lru_cache(maxsize=8)
def _parsed(segment: int, group: str, pages: int, without: tuple[str, ...] = (), kind: str = "pdf") -> Document:
    plan = _without(make_plan(segment, 21, pages, group), without)
    data = render_pdf(plan) if kind == "pdf" else render_docx(plan)
    return parse_bytes(data, f"plan.{kind}")


def _without(plan: Plan, words: tuple[str, ...]) -> Plan:
    """The plan minus every chapter whose top heading carries one of ``words`` (and its sub-sections)."""
    kept, dropping = [], False
    for section in plan.sections:
        if section.level <= 1:
            dropping = section.level == 1 and any(w in section.heading for w in words)
        if not dropping:
            kept.append(section)
    return dataclasses.replace(plan, sections=kept)


def _check_citations(document: Document, items: list[dict]) -> None:
    for item in items:
        start, end = item["span"]
        assert document.text[start:end] == item["text"], item
        assert item["page"] == document.page_of(start)


@pytest.mark.parametrize("group", ["enterprise", "startup"])
def test_every_criterion_of_the_default_rubric_is_prefilled_with_cited_sentences(group: str) -> None:
    document = _parsed(2, group, 30)
    rubric = default_for(group)
    result = prefill(document, rubric).to_json()
    assert [c["id"] for c in result["criteria"]] == [c.id for c in rubric.criteria]
    assert ("finance" in [c["id"] for c in result["criteria"]]) == (group == "enterprise")
    for criterion in result["criteria"]:
        assert 2 <= len(criterion["summary"]) <= 5, criterion["id"]
        _check_citations(document, criterion["summary"])
        assert len({s["text"] for s in criterion["summary"]}) == len(criterion["summary"])  # no repeats
    assert 2 <= len(result["summary"]) <= 5
    _check_citations(document, result["summary"])
    by_id = {c["id"]: c for c in result["criteria"]}
    assert any(f["kind"] == "patent" for f in by_id["technology"]["facts"])
    assert any(f["kind"] == "person" for f in by_id["team"]["facts"])
    assert any("团队" in s["text"] or "成员" in s["text"] or "教授" in s["text"] for s in by_id["team"]["summary"])
    if group == "enterprise":
        assert {f["kind"] for f in by_id["finance"]["facts"]} & {"revenue_cny", "rd_spend_cny"}
        assert any("收入" in s["text"] or "融资" in s["text"] or "利润" in s["text"]
                   for s in by_id["finance"]["summary"])


def test_a_criterion_the_plan_has_no_chapter_on_gets_the_silent_question() -> None:
    document = _parsed(5, "enterprise", 20, ("财务", "融资", "团队"))
    result = prefill(document, default_for("enterprise")).detail_json()
    by_id = {c["id"]: c for c in result["criteria"]}
    assert by_id["finance"]["questions"][0].startswith("计划书未提供财务分析")
    assert by_id["team"]["questions"][0].startswith("计划书未介绍团队")
    for silent in ("finance", "team"):
        assert not by_id[silent]["covered"]
        assert len(by_id[silent]["questions"]) == 1  # only the silent question: the others would be noise
        _check_citations(document, by_id[silent]["summary"])  # revenue named in the overview is still quoted
    assert len(by_id["technology"]["summary"]) >= 2 and len(by_id["market"]["summary"]) >= 2
    assert not any("财务分析" in q for q in by_id["technology"]["questions"])


def test_weak_evidence_asks_the_rubric_question_for_it() -> None:
    """A plan whose IP chapter is gone lists no patents: the technology criterion asks how it is protected."""
    document = _parsed(3, "enterprise", 20, ("知识产权",))
    result = prefill(document, default_for("enterprise")).to_json()
    technology = next(c for c in result["criteria"] if c["id"] == "technology")
    assert len(technology["summary"]) >= 2
    if not any(f["kind"] == "patent" for f in technology["facts"]):
        assert any("专利" in q for q in technology["questions"])


def test_patents_held_by_another_party_are_questioned() -> None:
    document = _parsed(1, "enterprise", 20)
    facts = [f for f in extract_facts(document) if f.kind != "patent"]
    held = Fact("patent", "CN202310000001.X", "ZL202310000001.X", 9, (0, 16), True,
                {"holder": "西南某某大学", "granted": True})
    own = Fact("patent", "CN202310000002.9", "ZL202310000002.9", 9, (20, 36), True,
               {"holder": "泸州某某科技有限公司", "granted": True})
    result = prefill(document, default_for("enterprise"), facts=[*facts, held, own],
                     applicant="泸州某某科技有限公司").to_json()
    technology = next(c for c in result["criteria"] if c["id"] == "technology")
    asked = [q for q in technology["questions"] if "权利人" in q]
    assert len(asked) == 1 and "西南某某大学" in asked[0] and "泸州某某" not in asked[0]
    assert {f["value"] for f in technology["facts"] if f["kind"] == "patent"} == {held.value, own.value}


def test_docx_plans_are_cited_too() -> None:
    document = _parsed(6, "startup", 20, kind="docx")
    result = prefill(document, default_for("startup")).to_json()
    for criterion in result["criteria"]:
        assert len(criterion["summary"]) >= 2
        _check_citations(document, criterion["summary"])


def test_english_names_and_questions() -> None:
    document = _parsed(5, "enterprise", 20, ("财务", "融资"))
    result = prefill(document, default_for("enterprise"), lang="en").to_json()
    finance = next(c for c in result["criteria"] if c["id"] == "finance")
    assert finance["name"] == "Financial analysis"
    assert any("financial analysis" in q for q in finance["questions"])


def test_flags_from_eligibility_reach_their_criterion() -> None:
    document = _parsed(2, "startup", 20)
    checks = [{"rule": "core_team_size", "status": "fail", "reason": "9 core members, more than 7"},
              {"rule": "uscc_valid", "status": "pass", "reason": "ok"}]
    result = prefill(document, default_for("startup"), checks=checks)
    team = next(c for c in result.criteria if c.criterion.id == "team")
    assert [f.rule for f in team.flags] == ["core_team_size"]
    assert [f.rule for f in result.flags] == ["core_team_size"]


def test_default_rubrics_are_complete() -> None:
    assert default_names() == ["enterprise-final", "enterprise-preliminary", "startup-final", "startup-preliminary"]
    for name in default_names():
        rubric = default_rubric(name)
        assert sum(c.weight for c in rubric.criteria) == 100
        for criterion in rubric.criteria:
            assert criterion.name.zh and criterion.name.en and criterion.guidance.zh
            assert criterion.max_score == criterion.weight  # points out of the weight: the total is their sum
    startup = default_rubric("startup-preliminary")
    assert [c.id for c in startup.criteria] == ["technology", "business_model", "market", "team"]
    assert startup.criterion("technology").weight == 35 and startup.criterion("team").weight == 25
    assert default_rubric("enterprise-final").criterion("roadshow").weight == 20


@pytest.mark.parametrize(("source", "reason"), [
    ("name: x\nversion: 1\ngroup: enterprise\nround: preliminary\ncriteria: []\n", "at least one criterion"),
    ("name: x\nversion: 1\ngroup: nobody\nround: preliminary\ncriteria: []\n", "group must be"),
    ("base: enterprise-preliminary\nname: x\noverride: {technology: {weight: 40, max_score: 40}}\n", "not 100"),
    ("base: enterprise-preliminary\nname: x\noverride: {nothing: {weight: 1}}\n", "unknown criterion"),
    ("base: enterprise-preliminary\nname: x\nadd: [{id: technology, name: a, weight: 0, max_score: 1}]\n",
     "weight must be positive"),
    ("name: [unclosed\n", "not YAML"),
    ("- a list\n", "a mapping"),
    ("base: no-such-rubric\nname: x\n", "not a default rubric"),
])
def test_bad_rubrics_are_refused_with_a_reason(source: str, reason: str) -> None:
    with pytest.raises(RubricError, match=reason):
        parse_rubric(source)


def test_a_contest_rubric_builds_on_a_default() -> None:
    rubric = parse_rubric("base: enterprise-preliminary\nname: luzhou-2026\nversion: 2\n"
                          "override: {technology: {weight: 35, max_score: 35}, finance: {weight: 10, max_score: 10}}\n")
    assert rubric.name == "luzhou-2026" and rubric.version == 2 and rubric.group == "enterprise"
    assert rubric.criterion("technology").weight == 35 and rubric.criterion("finance").max_score == 10
    assert rubric.criterion("technology").evidence.keywords == default_for("enterprise").criterion(
        "technology").evidence.keywords


def test_the_command_line_contract(tmp_path: Path) -> None:
    """``amreview prefill FILE --json``: the shape as written, spans into ``amreview parse FILE --json``'s text."""
    plan = tmp_path / "商业计划书.pdf"
    plan.write_bytes(render_pdf(_without(make_plan(4, 33, 16, "startup"), ("财务",))))
    parsed = _run("parse", str(plan), "--json", cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    text = json.loads(parsed.stdout)["text"]
    result = _run("prefill", str(plan), "--group", "startup", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"criteria", "summary"}
    assert [c["id"] for c in payload["criteria"]] == ["technology", "business_model", "market", "team"]
    for criterion in payload["criteria"]:
        assert set(criterion) == {"id", "name", "weight", "summary", "facts", "questions"}
        assert len(criterion["summary"]) >= 2
        for item in criterion["summary"]:
            assert set(item) == {"text", "page", "span"}
            assert text[item["span"][0]:item["span"][1]] == item["text"]
    for item in payload["summary"]:
        assert text[item["span"][0]:item["span"][1]] == item["text"]
    by_rubric = _run("prefill", str(plan), "--rubric", "startup-final", "--json", cwd=tmp_path)
    assert [c["id"] for c in json.loads(by_rubric.stdout)["criteria"]][-1] == "roadshow"


@pytest.mark.parametrize(("args", "reason"), [
    (["missing.pdf", "--json"], "no such file"),
    (["plan.pdf", "--rubric", "nope", "--json"], "no rubric 'nope'"),
    (["plan.pdf", "--group", "nobody", "--json"], "--group must be"),
    (["plan.pdf", "--rubric", "startup-preliminary", "--group", "enterprise", "--json"], "is for the startup group"),
    (["broken.pdf", "--json"], "refused"),
])
def test_the_command_refuses_bad_input_with_one_line(tmp_path: Path, args: list[str], reason: str) -> None:
    (tmp_path / "plan.pdf").write_bytes(render_pdf(make_plan(1, 2, 4)))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a pdf")
    result = _run("prefill", *args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
