"""Generated registrations: each agrees with its document except where a violation is injected, and
each injected violation is really there.

The benchmark's figures are only as good as this ground truth, so every entry of a full default set
is checked against its own invariants (identifiers, company, dates, figures, team), using the plan's
text rather than the generator's internals. Only two documents are rendered, to keep the tests fast.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from api.demo.plans import fmt_date, fmt_money, make_plan
from api.demo.registrations import (
    CLEAN_VARIANTS,
    DEADLINE,
    RULES,
    STARTUP_EARLIEST,
    VARIANTS,
    VIOLATIONS,
    Entry,
    EvaluationSet,
    build_set,
    find_section,
    past_list_title,
    plan_revenue,
    plan_staff,
    plan_team,
    registration_for,
)
from ingest.codes import check_uscc
from ingest.identity import is_valid_id_number


@pytest.fixture(scope="module")
def evaluation() -> EvaluationSet:
    return build_set()


def _of(evaluation: EvaluationSet, violation: str | None) -> list[Entry]:
    return [e for e in evaluation.entries if e.violation == violation]


def _is_large_industrial(applicant: dict) -> bool:
    """The 工业 row of the SME standard: large only when both large bounds are reached."""
    return applicant["employees"] >= 1000 and applicant["revenue_10k_cny"] >= 40000


def _under_two_years(registered_on: date) -> bool:
    return registered_on >= STARTUP_EARLIEST and registered_on > date(DEADLINE.year - 2, DEADLINE.month, DEADLINE.day)


def _past_rows(evaluation: EvaluationSet) -> dict[str, list[list[str]]]:
    return {name: list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            for name, data in evaluation.past_lists.items()}


def test_set_covers_groups_segments_formats_and_every_violation(evaluation: EvaluationSet) -> None:
    entries = evaluation.entries
    assert len(entries) >= 200
    assert len({e.id for e in entries}) == len(entries)
    assert {e.registration["group"] for e in entries} == {"enterprise", "startup"}
    assert {e.registration["segment"] for e in entries} == set(range(1, 8))
    assert {e.file_format for e in entries} == {"pdf", "docx"}
    assert len(_of(evaluation, None)) >= 30
    for violation in VIOLATIONS:
        found = _of(evaluation, violation)
        assert len(found) >= 15, violation
        assert {e.variant for e in found} == set(VARIANTS[violation]) or violation == "registration_consistent"
    assert {e.variant for e in _of(evaluation, None)} == set(CLEAN_VARIANTS)
    assert any(e.registration["applicant"]["kind"] == "team" for e in entries)
    assert all(set(e.expect) == set(RULES) for e in entries)


def test_registration_agrees_with_its_document(evaluation: EvaluationSet) -> None:
    """Company, USCC, date, headcount, revenue and core team as the document states them, unless injected."""
    for entry in evaluation.entries:
        applicant, text = entry.registration["applicant"], entry.document.source_text()
        changed = entry.variant if entry.violation == "registration_consistent" else None
        if entry.violation == "documents_complete" and entry.variant == "not_a_plan":
            assert applicant["name"] in text and "财务分析" not in text
            continue
        assert (applicant["name"] in text) == (changed != "name"), entry.id
        if applicant["kind"] == "team":
            assert applicant["uscc"] is None and applicant["registered_on"] is None
            continue
        assert (applicant["uscc"] in text) == (changed != "uscc"), entry.id
        stated = fmt_date(date.fromisoformat(applicant["registered_on"]))
        assert (f"成立于{stated}" in text) == (changed != "registered_on"), entry.id
        assert (applicant["employees"] == plan_staff(entry.document)) == (changed != "employees"), entry.id
        assert (applicant["revenue_10k_cny"] == plan_revenue(entry.document)) == (changed != "revenue"), entry.id
        core = [m["name"] for m in entry.registration["team"] if m["core"]]
        assert core == [row[0] for row in plan_team(entry.document)], entry.id


def test_identifiers_are_valid_unless_injected(evaluation: EvaluationSet) -> None:
    owners: dict[str, set[str]] = {}
    for entry in evaluation.entries:
        uscc = entry.registration["applicant"]["uscc"]
        if uscc is not None:
            check = check_uscc(uscc)
            injected = entry.violation == "uscc_valid"
            assert check.well_formed and check.org_check_ok, entry.id
            if entry.variant == "check_char":
                assert not check.check_ok
            else:
                assert check.check_ok, entry.id
                assert check.enterprise != (injected and entry.variant == "not_91"), entry.id
        for member in entry.registration["team"]:
            assert is_valid_id_number(member["id_number"]), entry.id
            owners.setdefault(member["id_number"], set()).add(entry.id)
    shared = {number: ids for number, ids in owners.items() if len(ids) > 1}
    pairs = _of(evaluation, "one_team_per_person")
    assert len(shared) == len(pairs) // 2
    assert set().union(*shared.values()) == {e.id for e in pairs}


def test_enterprise_figures_are_sme_unless_injected(evaluation: EvaluationSet) -> None:
    for entry in evaluation.entries:
        applicant = entry.registration["applicant"]
        if entry.registration["group"] != "enterprise" or applicant["employees"] is None:
            continue
        assert _is_large_industrial(applicant) == (entry.violation == "sme_size"), entry.id
        if entry.violation == "sme_size":
            assert applicant["industry"] == "工业"
        if entry.variant == "sme_medium":
            assert applicant["employees"] >= 1000 and applicant["revenue_10k_cny"] < 40000


def test_large_company_document_scales_every_figure(evaluation: EvaluationSet) -> None:
    """The 公司简介 and 财务分析 amounts are rewritten from the scaled table, so text and table agree."""
    for entry in _of(evaluation, "sme_size"):
        revenue = entry.registration["applicant"]["revenue_10k_cny"]
        intro = find_section(entry.document, "公司简介")
        history = find_section(entry.document, "经营情况")
        assert intro is not None and history is not None
        assert f"营业收入{fmt_money(revenue)}" in intro.paragraphs[0], entry.id
        assert f"增长至{fmt_money(revenue)}" in history.paragraphs[0], entry.id
        assert f"员工{entry.registration['applicant']['employees']}人" in entry.document.source_text()


def test_startup_ages_and_team_sizes(evaluation: EvaluationSet) -> None:
    for entry in evaluation.entries:
        registration = entry.registration
        core = sum(m["core"] for m in registration["team"])
        assert (core >= 8) == (entry.violation == "core_team_size"), entry.id
        assert core <= 10
        if registration["group"] != "startup" or registration["applicant"]["kind"] == "team":
            continue
        registered_on = date.fromisoformat(registration["applicant"]["registered_on"])
        assert _under_two_years(registered_on) != (entry.violation == "startup_age"), entry.id
    variants = {e.variant: e for e in _of(evaluation, "startup_age")}
    assert variants["dec_31_2023"].registration["applicant"]["registered_on"] == "2023-12-31"
    assert variants["exactly_two_years"].registration["applicant"]["registered_on"] == "2024-06-30"


def test_shared_members_and_namesakes(evaluation: EvaluationSet) -> None:
    """A shared member is one person (same ID) in two teams; a namesake has the name but another ID."""
    for variant, same_id in (("shared", True), ("namesake", False)):
        entries = [e for e in evaluation.entries if e.variant == variant]
        assert len(entries) >= 2 and len(entries) % 2 == 0
        for first, second in zip(entries[::2], entries[1::2], strict=True):
            people = {m["name"]: m["id_number"] for m in first.registration["team"]}
            common = [m for m in second.registration["team"] if m["name"] in people]
            assert len(common) == 1, second.id
            assert (common[0]["id_number"] == people[common[0]["name"]]) == same_id
            assert common[0]["name"] in [row[0] for row in plan_team(second.document)]
    extra = [e for e in evaluation.entries if e.variant == "non_core_extra"]
    assert extra and all(any(not m["core"] for m in e.registration["team"]) for e in extra)


def test_other_violations_are_present(evaluation: EvaluationSet) -> None:
    for entry in evaluation.entries:
        registration, violation = entry.registration, entry.violation
        assert (registration["applicant"]["credit_flags"] == ["abnormal_operation"]) == (violation == "credit_record")
        if registration["group"] == "enterprise":
            assert registration["on_market"] == (violation != "on_market"), entry.id
        patents = find_section(entry.document, "专利清单")
        if violation == "ip_ownership":
            assert patents is not None
            table = patents.tables[0]
            assert table[0][-1] == "专利权人"
            assert any(row[-1] != entry.plan.company for row in table[1:])
        elif patents is not None and patents.tables[0][0][-1] == "专利权人":
            assert entry.variant == "holder_self"
            assert all(row[-1] == entry.plan.company for row in patents.tables[0][1:])
        copyrights = find_section(entry.document, "软件著作权")
        if copyrights is not None and copyrights.tables[0][0][-1] == "著作权人":
            assert all(row[-1] == entry.plan.company for row in copyrights.tables[0][1:])
        names = registration["files"]
        if violation == "documents_complete":
            assert entry.variant in ("no_files", "not_a_plan") or entry.file_problem == entry.variant
            assert bool(names) == (entry.variant != "no_files")
        else:
            assert len(names) == 1 and names[0].startswith(entry.id) and entry.file_problem is None


def test_past_lists_name_the_injected_companies(evaluation: EvaluationSet) -> None:
    lists = _past_rows(evaluation)
    for name, rows in lists.items():
        year = int(name[:4])
        assert rows[0][0] == name.removesuffix(".csv") and rows[1] == ["序号", "参赛主体", "项目名称", "推荐赛区"]
        assert rows[0][0] in {past_list_title(year, "enterprise"), past_list_title(year, "startup")}
    listed = {(int(name[:4]), row[1]) for name, rows in lists.items() for row in rows[2:]}
    for entry in evaluation.entries:
        company = entry.registration["applicant"]["name"]
        on_recent = [year for year, listed_name in listed if listed_name == company and year >= 2023]
        if entry.violation == "past_top_lists":
            (listing,) = entry.listings
            assert (listing.year, listing.name) in listed and 2023 <= listing.year <= 2025
            assert (listing.name == company) == (entry.variant == "exact"), entry.id
            if entry.variant != "exact":  # a variant, yet the same core name
                core = re.sub(r"[（(].*?[)）]|股份", "", listing.name)[-6:]
                assert core[:2] in company
        else:
            assert not on_recent, entry.id
    old = [e for e in evaluation.entries if e.variant == "old_list"]
    assert old and all((2022, e.registration["applicant"]["name"]) in listed for e in old)


def test_same_seed_same_set() -> None:
    first, second = build_set(40, seed=3), build_set(40, seed=3)
    assert [e.registration for e in first.entries] == [e.registration for e in second.entries]
    assert first.past_lists == second.past_lists
    assert [e.registration for e in build_set(40, seed=4).entries] != [e.registration for e in first.entries]


def test_registration_for_rejects_unknown_violations() -> None:
    plan = make_plan(2, 5, group="enterprise")
    with pytest.raises(ValueError, match="unknown violation"):
        registration_for(plan, "AM11-E-0001", violation="plagiarism")
    with pytest.raises(ValueError, match="not a variant"):
        registration_for(plan, "AM11-E-0001", violation="sme_size", variant="tiny")
    assert registration_for(plan, "AM11-E-0001", seed=1).registration == registration_for(
        plan, "AM11-E-0001", seed=1).registration


def test_rendered_files(evaluation: EvaluationSet) -> None:
    """One PDF and one DOCX render; broken files are what they claim to be."""
    pdf = next(e for e in _of(evaluation, "ip_ownership") if e.file_format == "pdf")
    docx = next(e for e in _of(evaluation, None) if e.file_format == "docx")
    for entry, magic in ((pdf, b"%PDF"), (docx, b"PK\x03\x04")):
        (data,) = entry.files().values()
        assert data.startswith(magic) and len(data) > 20000
    broken = {e.variant: e for e in _of(evaluation, "documents_complete")}
    assert broken["missing"].files() == {} and broken["no_files"].files() == {}
    assert list(broken["one_byte"].files().values()) == [b"%"]
    (corrupt,) = broken["corrupt"].files().values()
    assert len(corrupt) > 1000
