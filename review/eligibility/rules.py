"""The eligibility rules of the contest notice, one plain function each.

Every rule is ``rule(registration, context, params) -> RuleResult`` and decides nothing it cannot
show: where the data is missing or doubtful it says ``unknown`` so a person looks, and where a rule
does not apply it says so (``skipped``, or ``pass`` with "not applicable" where the notice exempts
the case, e.g. a maker team without a company). ``params`` come from the rule configuration
(``review/data/rules.yaml`` merged with the contest's overrides).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from ingest.codes import check_uscc
from ingest.facts import Fact
from ingest.names import company_similarity, normalise_company, normalise_person, trade_name
from review.eligibility.model import (
    PENDING,
    Evidence,
    RuleContext,
    RuleResult,
    SubmittedFile,
    fact_evidence,
    failed,
    field_evidence,
    file_evidence,
    passed,
    skipped,
    unknown,
)
from review.registrations import CREDIT_FLAGS, Registration
from review.sme import load_standard

Params = Mapping[str, Any]
Rule = Callable[[Registration, RuleContext, Params], RuleResult]
SegmentClassifier = Callable[[Registration, list[SubmittedFile] | None], RuleResult]
IntegritySource = Callable[[Registration], RuleResult]
_NO_DOCUMENTS = "no documents supplied"


def _no_facts(ctx: RuleContext) -> str:
    """Why a rule has no facts to read: no files, no readable file, or no fact extraction."""
    if not ctx.files:
        return "no documents registered"
    if not any(f.readable for f in ctx.files):
        return "no readable document"
    return "fact extraction not available"


def _is_maker_team(registration: Registration) -> bool:
    """A team entering without a company: no USCC and no registration date."""
    applicant = registration.applicant
    return applicant.kind == "team" and not applicant.uscc and applicant.registered_on is None


# ------------------------------------------------------------------------------------------- 1 startup_age


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def startup_age(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Start-ups: registered on/after ``earliest`` and less than ``max_age_years`` old at ``reference_date``."""
    if registration.group != "startup":
        return skipped("applies to the startup group only")
    if _is_maker_team(registration):
        return passed("maker team without a company: not applicable")
    registered = registration.applicant.registered_on
    evidence = [field_evidence("applicant.registered_on", registered)]
    if registered is None:
        return unknown("company registration date missing", evidence)
    reference, earliest = params["reference_date"], params["earliest"]
    if registered > reference:
        return unknown(f"registered after the reference date {reference.isoformat()}", evidence)
    if registered < earliest:
        return failed(f"registered before {earliest.isoformat()}", evidence)
    limit = _years_before(reference, params["max_age_years"])
    if registered <= limit:
        reason = f"{params['max_age_years']} years old or more on {reference.isoformat()} (registered ≤ {limit})"
        near = (limit - registered).days < params["borderline_days"]
        return unknown(f"borderline: {reason}", evidence) if near else failed(reason, evidence)
    return passed(f"registered {registered.isoformat()}: under {params['max_age_years']} years old", evidence)


# ------------------------------------------------------------------------------------------- 2 sme_size


def sme_size(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Enterprise group: small, medium or micro under the configured SME standard (large fails)."""
    if registration.group != "enterprise":
        return skipped("applies to the enterprise group only")
    applicant = registration.applicant
    evidence = [field_evidence("applicant.industry", applicant.industry),
                field_evidence("applicant.employees", applicant.employees),
                field_evidence("applicant.revenue_10k_cny", applicant.revenue_10k_cny),
                field_evidence("applicant.assets_10k_cny", applicant.assets_10k_cny)]
    standard = load_standard(params["standard"])
    result = standard.classify(applicant.industry, employees=applicant.employees,
                               revenue_10k_cny=applicant.revenue_10k_cny, assets_10k_cny=applicant.assets_10k_cny)
    if result.size is None:
        return unknown(result.reason, evidence)
    if result.size == 1:
        return failed(f"large enterprise under {standard.standard_id}: {result.reason}", evidence)
    return passed(f"{result.size_name} enterprise: {result.reason}", evidence)


# ------------------------------------------------------------------------------------------- 3 uscc_valid


def uscc_valid(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """A company's USCC: well formed, right check character, an enterprise's (91…) code."""
    code = registration.applicant.uscc
    if not code:
        if _is_maker_team(registration):
            return passed("maker team without a company: not applicable")
        return unknown("USCC missing", [field_evidence("applicant.uscc", None)])
    check = check_uscc(code)
    evidence = [field_evidence("applicant.uscc", check.code)]
    if not check.well_formed:
        return failed(f"not a USCC: {check.problem}", evidence)
    if not check.check_ok or not check.org_check_ok:
        return unknown(f"possible typo: {check.problem}", evidence)
    if not check.enterprise:
        kind = "an individual business (个体工商户)" if check.code.startswith("92") else "not an enterprise"
        return unknown(f"prefix {check.code[:2]} is {kind}; enterprises have 91", evidence)
    return passed("valid enterprise USCC", evidence)


# ------------------------------------------------------------------------------------------- 4 registration_consistent


def _within(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-9)


Comparison = tuple[bool, list[Evidence]] | None


def _compare(label: str, field: str, registered: Any, facts: list[tuple[str, Fact]],
             agrees: Callable[[Fact], bool]) -> Comparison:
    """None when nothing to compare; else (agreed, evidence of both sides)."""
    if registered is None or not facts:
        return None
    agreeing = [(file, fact) for file, fact in facts if agrees(fact)]
    shown = agreeing[:1] if agreeing else facts[:3]
    side = "agrees" if agreeing else "differs"
    return bool(agreeing), [field_evidence(field, registered),
                            *(fact_evidence(file, fact, check=label, comparison=side) for file, fact in shown)]


def _latest_revenue(facts: list[tuple[str, Fact]]) -> list[tuple[str, Fact]]:
    actual = [(f, fact) for f, fact in facts if not fact.attributes.get("forecast")
              and isinstance(fact.value, int | float)]
    years = [fact.attributes.get("year") for _, fact in actual if isinstance(fact.attributes.get("year"), int)]
    if not years:
        return actual
    return [(f, fact) for f, fact in actual if fact.attributes.get("year") == max(years)]


def _of(ctx: RuleContext, kind: str) -> list[tuple[str, Fact]]:
    return ctx.facts(kind) or []


def _name_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    applicant = registration.applicant
    if applicant.kind == "team":
        return None  # a team's name is informal: documents name it in many ways
    return _compare("company name", "applicant.name", applicant.name, _of(ctx, "company_name"),
                    lambda fact: company_similarity(applicant.name, str(fact.value)) >= params["name_threshold"])


def _uscc_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    uscc = registration.applicant.uscc
    facts = [item for item in _of(ctx, "uscc") if item[1].valid is not False]
    return _compare("USCC", "applicant.uscc", uscc, facts, lambda fact: str(fact.value).upper() == uscc)


def _date_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    registered = registration.applicant.registered_on
    return _compare("registration date", "applicant.registered_on", registered, _of(ctx, "registered_on"),
                    lambda fact: str(fact.value) == str(registered))


def _headcount_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    employees = registration.applicant.employees
    return _compare("headcount", "applicant.employees", employees, _of(ctx, "employees"),
                    lambda fact: isinstance(fact.value, int | float) and employees is not None
                    and _within(fact.value, employees, params["employees_tolerance"]))


def _revenue_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    revenue = registration.applicant.revenue_10k_cny
    return _compare("revenue", "applicant.revenue_10k_cny", revenue, _latest_revenue(_of(ctx, "revenue_cny")),
                    lambda fact: revenue is not None and _within(fact.value / 10000, revenue,
                                                                 params["revenue_tolerance"]))


def _team_check(registration: Registration, ctx: RuleContext, params: Params) -> Comparison:
    """The registered core members appear among the people the documents name (most of them, at least).

    For a maker team this is the one thing to compare: it has no company name, code or figures.
    """
    core = [m for m in registration.team if m.core]
    people = _of(ctx, "person")
    if not core or not people:
        return None
    named = {normalise_person(str(fact.value)) for _, fact in people}
    found = [m.name for m in core if normalise_person(m.name) in named]
    agreed = len(found) >= params["team_share"] * len(core)
    missing = [m.name for m in core if m.name not in found]
    evidence = [field_evidence("team", [m.name for m in core]), *(
        fact_evidence(file, fact, check="core team", comparison="agrees") for file, fact in people
        if normalise_person(str(fact.value)) in {normalise_person(n) for n in found})][:8]
    if missing:
        evidence.append({"source": "registration", "field": "team", "value": missing,
                         "note": "registered core members the documents do not name"})
    return agreed, evidence


_CONSISTENCY = (("company name", _name_check), ("USCC", _uscc_check), ("registration date", _date_check),
                ("headcount", _headcount_check), ("revenue", _revenue_check), ("core team", _team_check))


def _consistency_checks(registration: Registration, ctx: RuleContext,
                        params: Params) -> list[tuple[str, tuple[bool, list[Evidence]]]]:
    compared = [(label, check(registration, ctx, params)) for label, check in _CONSISTENCY]
    return [(label, outcome) for label, outcome in compared if outcome is not None]


def registration_consistent(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Facts in the documents agree with the registration: name, USCC, date, headcount, latest revenue."""
    if ctx.files is None:
        return skipped(_NO_DOCUMENTS)
    if ctx.facts() is None:
        return unknown(_no_facts(ctx))
    compared = _consistency_checks(registration, ctx, params)
    if not compared:
        return unknown("the documents state none of the registered facts")
    differing = [label for label, (agreed, _) in compared if not agreed]
    evidence = [item for _, (_, items) in compared for item in items]
    if differing:
        # Facts are machine-extracted: by default a difference goes to a person (on_disagreement: unknown).
        outcome = failed if params["on_disagreement"] == "fail" else unknown
        return outcome(f"documents differ from the registration: {', '.join(differing)}", evidence)
    return passed(f"documents agree: {', '.join(label for label, _ in compared)}", evidence)


# ------------------------------------------------------------------------------------------- 5 core_team_size


def core_team_size(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """At most ``max_core`` core members (the award certificate's limit) in the configured groups."""
    if registration.group not in params["groups"]:
        return skipped(f"applies to the {' and '.join(params['groups'])} group only")
    core = [m for m in registration.team if m.core]
    evidence = [field_evidence("team.core", len(core))]
    if not core:
        return unknown("no core members listed", evidence)
    if len(core) > params["max_core"]:
        return failed(f"{len(core)} core members, more than {params['max_core']}", evidence)
    return passed(f"{len(core)} core members (at most {params['max_core']})", evidence)


# ------------------------------------------------------------------------------------------- 6 one_team_per_person


def _member_evidence(registration_id: str, name: str, masked: str | None, **extra: Any) -> Evidence:
    return {"source": "registration", "field": "team", "registration": registration_id,
            "value": {"name": name, "id_masked": masked}, **extra}


def one_team_per_person(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """No core member of this start-up team is a core member of another team of the same edition."""
    if registration.group != "startup":
        return skipped("applies to the startup group only")
    core = [m for m in registration.team if m.core]
    if not core:
        return unknown("no core members listed")
    if ctx.members is None:
        return skipped("no other teams to compare with")
    edition, same, maybe = registration.contest.edition, [], []
    for member in core:
        by_id = ctx.members.same_id(edition, member.id_hash, registration.id) if member.id_hash else []
        by_name = [hit for hit in ctx.members.same_name(edition, member.name, registration.id)
                   if not (member.id_hash and hit[1].id_hash)]
        same += [_member_evidence(team.registration_id, member.name, member.id_masked, match="id_number")
                 for team, _ in by_id]
        maybe += [_member_evidence(team.registration_id, other.name, other.id_masked, match="name only")
                  for team, other in by_name]
    if same:
        teams = sorted({item["registration"] for item in same})
        return failed(f"a core member is also a core member of {', '.join(teams)}", same)
    if maybe:
        teams = sorted({item["registration"] for item in maybe})
        return unknown(f"same name as a core member of {', '.join(teams)} (no ID number to confirm)", maybe)
    without = sum(1 for m in core if not m.id_hash)
    note = f"; {without} without ID number, compared by name" if without else ""
    return passed(f"no core member in another team of edition {edition}{note}")


# ------------------------------------------------------------------------------------------- 7 past_top_lists


def _past_evidence(match: Any) -> Evidence:
    entry = match.entry
    return {"source": "past_list", "list": entry.list_name, "year": entry.year, "rank": entry.rank,
            "project": entry.project, "applicant": entry.applicant, "file": entry.source,
            "company_score": round(match.company_score, 1), "project_score": round(match.project_score, 1)}


def past_top_lists(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Not in the national top lists (企业组500强 / 创业组300强) of the previous ``window_years`` years."""
    if ctx.past_lists is None or not len(ctx.past_lists):
        return skipped("no past lists loaded")
    year = registration.contest.year
    years = [y for y in range(year - params["window_years"], year) if y in ctx.past_lists.years]
    span = f"{year - params['window_years']}–{year - 1}"
    if not years:
        return skipped(f"no past lists loaded for {span}")
    matches = ctx.past_lists.search(registration.applicant.name, registration.project, years,
                                    strong=params["strong"], weak=params["weak"])
    evidence = [_past_evidence(m) for m in matches[:5]]
    if matches and matches[0].strength == "strong":
        entry = matches[0].entry
        return failed(f"listed in {entry.list_name} (rank {entry.rank or '?'})", evidence)
    if matches:
        best = matches[0]
        which = "project and applicant" if min(best.company_score, best.project_score) >= params["weak"] else (
            "project, not the applicant" if best.project_score >= best.company_score else "applicant, not the project")
        return unknown(f"{which} resemble {best.entry.list_name} rank {best.entry.rank or '?'}", evidence)
    return passed(f"not found in the lists of {', '.join(map(str, years))}")


# ------------------------------------------------------------------------------------------- 8 credit_record


def credit_record(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """No abnormal-operation, serious-violation or dishonesty record."""
    flags = registration.applicant.credit_flags
    evidence = [field_evidence("applicant.credit_flags", flags)]
    known = [f for f in flags if f in CREDIT_FLAGS]
    if known:
        return failed(f"credit record: {', '.join(known)}", evidence)
    if flags:
        return unknown(f"unrecognised credit entries: {', '.join(flags)}", evidence)
    return passed("no credit flags", evidence)


# ------------------------------------------------------------------------------------------- 9 on_market


def _sales(ctx: RuleContext) -> list[tuple[str, Fact]] | None:
    facts = ctx.facts("revenue_cny")
    if facts is None:
        return None
    return [(f, fact) for f, fact in facts if not fact.attributes.get("forecast")
            and isinstance(fact.value, int | float) and fact.value > 0]


def on_market(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Enterprise group: the project is already on the market (the field, else revenue in the documents)."""
    if registration.group != "enterprise":
        return skipped("applies to the enterprise group only")
    field = [field_evidence("on_market", registration.on_market)]
    if registration.on_market:
        return passed("registered as on the market", field)
    sales = _sales(ctx) if ctx.files is not None else None
    sales_evidence = [fact_evidence(f, fact) for f, fact in (sales or [])[:3]]
    if registration.on_market is False:
        if sales:
            return unknown("registered as not on the market, but the documents show revenue", field + sales_evidence)
        return failed("registered as not on the market", field)
    if sales:
        return passed("not stated; the documents show revenue", field + sales_evidence)
    if ctx.files is None:
        return unknown("not stated, and no documents to check", field)
    return unknown("not stated, and the documents show no revenue", field)


# ------------------------------------------------------------------------------------------- 10 ip_ownership

_HOLDER_SEPARATORS = re.compile(r"[;；,，、/|\n]+")


def _holder_owns(holder: str, registration: Registration, threshold: float) -> bool:
    if company_similarity(holder, registration.applicant.name) >= threshold:
        return True
    core = {normalise_person(m.name) for m in registration.team if m.core}
    return normalise_person(holder) in core


def _ip_status(fact: Fact, registration: Registration, threshold: float) -> tuple[str, str]:
    holder = fact.attributes.get("holder")
    if not holder:
        return "unknown", "holder not stated"
    holders = [h.strip() for h in _HOLDER_SEPARATORS.split(str(holder)) if h.strip()]
    owned = [h for h in holders if _holder_owns(h, registration, threshold)]
    if not owned:
        return "fail", f"held by {holder}"
    if len(owned) < len(holders):
        return "unknown", f"held jointly with {', '.join(h for h in holders if h not in owned)}"
    return "pass", "held by the applicant"


_OWNERSHIP_VERB = re.compile(r"拥有|申请|取得|获得|获授权|持有|权属清晰|归[^。；\n]{0,8}所有")
_IP_WORD = re.compile(r"专利|著作权|软著|知识产权")
_SENTENCE = re.compile(r"[^。；！？\n]+")


def _ownership_claim(registration: Registration, files: list[SubmittedFile]) -> Evidence | None:
    """A sentence of the documents in which the applicant says it holds its IP ("公司拥有发明专利5项")."""
    own = trade_name(normalise_company(registration.applicant.name))
    subjects = ("公司", "本公司", "我公司", "企业", "团队", "本团队", *((own,) if len(own) >= 2 else ()))
    for file in files:
        for document in file.documents:
            for sentence in _SENTENCE.finditer(document.text):
                text = sentence[0]
                if _IP_WORD.search(text) and _OWNERSHIP_VERB.search(text) and any(w in text for w in subjects):
                    page = document.page_of(sentence.start())
                    return {"source": "document", "file": file.name, "page": page,
                            "span": [sentence.start(), sentence.end()], "text": text.strip()}
    return None


def ip_ownership(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Patents and software copyrights named in the documents are held by the applicant (or its core members).

    An item whose holder the documents do not state is the applicant's claim when the plan says so
    in a sentence ("公司累计申请专利12项…知识产权权属清晰"); without one, a person looks.
    """
    if ctx.files is None:
        return skipped(_NO_DOCUMENTS)
    facts = ctx.facts("patent", "software_copyright")
    if facts is None:
        return unknown(_no_facts(ctx))
    if not facts:
        return passed("no patents or software copyrights named in the documents")
    judged = [(file, fact, *_ip_status(fact, registration, params["holder_threshold"])) for file, fact in facts]
    evidence = [fact_evidence(file, fact, holder=fact.attributes.get("holder"), finding=note)
                for file, fact, status, note in judged if status != "pass"][:10]
    failing = [j for j in judged if j[2] == "fail"]
    if failing:
        return failed(f"{len(failing)} of {len(judged)} IP items held by others", evidence)
    unclear = [j for j in judged if j[2] == "unknown"]
    if not unclear:
        return passed(f"all {len(judged)} IP items held by the applicant")
    claim = _ownership_claim(registration, ctx.files or [])
    if claim is not None and all(j[3] == "holder not stated" for j in unclear):
        return passed(f"{len(unclear)} of {len(judged)} IP items state no holder; the plan states the applicant "
                      "holds its IP", [claim])
    return unknown(f"holder unclear for {len(unclear)} of {len(judged)} IP items", evidence)


# ------------------------------------------------------------------------------------------- 11 documents_complete

PLAN_NAME = re.compile(r"商业计划|计划书|business.?plan|\bbp\b|plan", re.IGNORECASE)  # a file named like a plan


def _titles(file: SubmittedFile) -> list[str]:
    """Section titles; without detected headings, the document's short lines stand in for them."""
    titles = [s.title for doc in file.documents for s in doc.sections]
    if titles:
        return titles
    return [line.strip() for doc in file.documents for line in doc.text.splitlines() if 0 < len(line.strip()) <= 30]


def _plan_file(files: list[SubmittedFile]) -> SubmittedFile:
    return next((f for f in files if PLAN_NAME.search(f.name)), files[0])


def _file_problems(files: list[SubmittedFile]) -> list[Evidence]:
    problems = []
    for file in files:
        if file.error is not None:
            problems.append(file_evidence(file.name, file.error))
        elif not file.readable:
            problems.append(file_evidence(file.name, "no text could be read"))
    return problems


def documents_complete(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """The business plan is there and readable, with the sections a business plan is expected to have."""
    if ctx.files is None:
        return skipped(_NO_DOCUMENTS)
    if not ctx.files:
        return failed("no business plan among the registered files", [field_evidence("files", registration.files)])
    problems = _file_problems(ctx.files)
    if problems and len(problems) == sum(f.error_code == PENDING for f in ctx.files):
        # not read yet: the parse job checks the submission again when it is done
        return unknown(f"{len(problems)} file(s) still being read", problems)
    if problems:
        return failed(f"{len(problems)} file(s) missing or unreadable", problems)
    plan = _plan_file(ctx.files)
    expected = {k: v for k, v in params["sections"].items()
                if registration.group == "enterprise" or k not in params["enterprise_only"]}
    titles = _titles(plan)
    found = {key for key, words in expected.items() if any(w in t for t in titles for w in words)}
    missing = [key for key in expected if key not in found]
    evidence = [file_evidence(plan.name, f"missing section: {key}") for key in missing]
    if not found:
        return failed(f"{plan.name} has none of the sections of a business plan", evidence)
    if len(missing) > params["max_missing"]:
        return unknown(f"{plan.name}: sections not found: {', '.join(missing)}", evidence)
    note = f" (not found: {', '.join(missing)})" if missing else ""
    return passed(f"{plan.name}: {len(found)} of {len(expected)} expected sections{note}", evidence)


# ------------------------------------------------------------------------------------------- 12 segment_fit

_segment_classifier: SegmentClassifier | None = None


def register_segment_classifier(classifier: SegmentClassifier | None) -> None:
    """Plug in the segment classifier (``classifier(registration, files) -> RuleResult``); None removes it."""
    global _segment_classifier
    _segment_classifier = classifier


def segment_fit(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """The declared segment fits the project (delegated to a registered classifier)."""
    classifier = ctx.segment_classifier or _segment_classifier
    if classifier is None:
        return skipped("segment classifier not available")
    return classifier(registration, ctx.files)


# ------------------------------------------------------------------------------------------- 13 repeat_and_copying

_integrity_source: IntegritySource | None = None


def register_integrity_source(source: IntegritySource | None) -> None:
    """Plug in the integrity cases (``source(registration) -> RuleResult``); None removes it.

    The cases live with the integrity service, above this package: it registers itself when loaded.
    """
    global _integrity_source
    _integrity_source = source


def repeat_and_copying(registration: Registration, ctx: RuleContext, params: Params) -> RuleResult:
    """Not a repeat entry of a project entered elsewhere, not copied (contest rules: one contest per project)."""
    if _integrity_source is None:
        return skipped("integrity checks not available")
    return _integrity_source(registration)


RULES: dict[str, Rule] = {
    "startup_age": startup_age,
    "sme_size": sme_size,
    "uscc_valid": uscc_valid,
    "registration_consistent": registration_consistent,
    "core_team_size": core_team_size,
    "one_team_per_person": one_team_per_person,
    "past_top_lists": past_top_lists,
    "credit_record": credit_record,
    "on_market": on_market,
    "ip_ownership": ip_ownership,
    "documents_complete": documents_complete,
    "segment_fit": segment_fit,
    "repeat_and_copying": repeat_and_copying,
}
