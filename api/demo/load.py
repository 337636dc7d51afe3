"""Load the demo contest: a thematic contest with generated plans in all seven segments.

Each plan becomes a submission with its registration record (consistent with the plan,
a few with one injected eligibility problem so the qualification queue shows every
verdict) and its business plan as a PDF (two-column market section on some), a DOCX
(half without heading styles, like WPS files), or a scanned PDF that needs OCR. Loading
twice changes nothing: contest, submissions and documents are found by their natural
keys (name/year, registration code, SHA-256).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from sqlalchemy import select

from api.auth.service import create_user, find_user
from api.demo.plans import Plan, demo_plans
from api.demo.registrations import registration_for
from api.demo.render import render_docx, render_pdf, render_scanned_pdf
from api.demo.repeats import corpus_texts, planted_entries
from api.jobs import InlineRunner, create_job
from api.migrate import upgrade
from ingest.database import session_scope
from ingest.service import accept_upload
from ingest.settings import load_settings
from review.intake import store_registration
from review.models import GROUPS, Contest, Submission, SubmissionFile
from review.registrations import Registration, protect_ids
from review.service import assign
from similarity.models import CORPUS, ReferenceText

DEMO_CONTEST = {"kind": "thematic", "name": "增材制造专题赛", "edition": 11, "year": 2026, "region": "四川泸州"}
# Problems injected into some demo registrations (by plan index), one rule each.
DEMO_VIOLATIONS = {3: "credit_record", 5: "core_team_size", 6: "sme_size", 9: "startup_age",
                   10: "registration_consistent"}
_GROUPS_OF = {"core_team_size": ("startup",), "startup_age": ("startup",), "sme_size": ("enterprise",)}
# One account per role; passwords are random per installation and written to CREDENTIALS.
DEMO_USERS = (("admin", "admin", "系统管理员"), ("reviewer", "reviewer", "王审查"), ("judge1", "judge", "李评委"),
              ("judge2", "judge", "赵评委"), ("judge3", "judge", "钱评委"), ("judge4", "judge", "孙评委"),
              ("judge5", "judge", "周评委"), ("integrity", "integrity", "陈诚信"))
# The panel's expertise: judge2 and judge5 are finance and investment experts, the others industry experts.
JUDGE_PROFILES = {"judge1": ("industry", [1, 4]), "judge2": ("finance", []), "judge3": ("industry", [2, 5]),
                  "judge4": ("industry", [3, 6, 7]), "judge5": ("finance", [])}
CREDENTIALS = "demo-credentials.txt"


def load_demo(plan_count: int = 14, scanned: int = 2, *, wait: bool = True,
              progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Create the demo contest and its documents; returns counts for the caller to print.

    With ``wait`` the documents are parsed now; without it their parse jobs stay queued for
    the server, which resumes queued jobs when it starts (the web page shows them finish).
    """
    import api.tasks  # noqa: F401  (registers the parse handler)

    upgrade()
    plans = demo_plans(count=plan_count)
    _contest(DEMO_CONTEST)
    job_ids: list[str] = []
    key = load_settings().secret_key()
    for index, plan in enumerate(plans):
        code = _code(plan, index)
        entry = registration_for(plan, code, seed=7, violation=_violation(plan, index), contest=DEMO_CONTEST)
        filename, data = _render(entry.document, index, scanned)
        registration = protect_ids(Registration.model_validate({**entry.registration, "files": [filename]}), key)
        progress(f"demo: {filename} ({len(data) // 1024} KB)")
        job_ids.extend(_submission(registration, filename, data))
    for planted in planted_entries(plans):
        _contest(planted.contest)
        entry = registration_for(planted.plan, planted.code, seed=7, contest=planted.contest)
        filename = f"{planted.code}-{planted.plan.company}-商业计划书.pdf"
        registration = protect_ids(Registration.model_validate({**entry.registration, "files": [filename]}), key)
        progress(f"demo: {filename} (planted: {planted.kind})")
        job_ids.extend(_submission(registration, filename, render_pdf(entry.document)))
    _people(len(plans))
    load_corpus()
    parses = len(job_ids)
    with session_scope() as session:  # after the parses: learn the template text, then compare all
        job_ids.append(create_job(session, "integrity_rebuild", {}).id)
    if wait:
        runner = InlineRunner()
        for number, job_id in enumerate(job_ids, 1):
            progress(f"demo: parsing {number}/{len(job_ids)}")
            runner.submit(job_id)
    return {"contest": DEMO_CONTEST["name"], "submissions": len(plans),
            "planted": len(planted_entries(plans)), "parsed" if wait else "queued": parses}


def _people(submissions: int) -> None:
    """Demo accounts (new passwords only for accounts that do not exist yet) and judge assignments.

    judge1 judges the first half of the projects and has declared a conflict with one of
    them; judge2 judges the rest. Then the five judges' panel is planned for each group (five
    unconflicted judges per project where there are enough), as an administrator would.
    """
    path = load_settings().data_dir / CREDENTIALS
    lines: list[str] = []
    with session_scope() as session:
        for username, role, name in DEMO_USERS:
            if find_user(session, username) is None:
                password = secrets.token_urlsafe(12)
                create_user(session, username, role, password, name)
                lines.append(f"{username}\t{role}\t{password}")
        session.flush()
        judges = [find_user(session, "judge1"), find_user(session, "judge2")]
        codes = list(session.scalars(select(Submission).join(Contest).where(
            Contest.name == DEMO_CONTEST["name"], Contest.year == DEMO_CONTEST["year"]).order_by(Submission.code)))
        codes = codes[:submissions]
        half = max(1, len(codes) // 2)
        for index, submission in enumerate(codes):
            judge = judges[0] if index < half else judges[1]
            assert judge is not None
            conflict = "申报单位为本人曾任职单位" if index == 1 else None
            assign(session, submission, judge.id, conflict)
        _panels(session)
    if lines:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as stream:
            stream.write("\n".join(lines) + "\n")


def _panels(session) -> None:  # type: ignore[no-untyped-def]
    from scorecards.models import JudgeProfile
    from scorecards.service import plan_panel

    judges = []
    for username, (expertise, segments) in JUDGE_PROFILES.items():
        user = find_user(session, username)
        assert user is not None
        if session.get(JudgeProfile, user.id) is None:
            session.add(JudgeProfile(user_id=user.id, expertise=expertise, segments=segments, city="成都"))
        judges.append((user.id, user.display_name))
    session.flush()
    contest_id = session.scalar(select(Contest.id).where(Contest.name == DEMO_CONTEST["name"],
                                                         Contest.year == DEMO_CONTEST["year"]))
    for group in ("enterprise", "startup"):
        plan_panel(session, contest_id, group, "preliminary", judges, per_project=5)


def _render(plan: Plan, index: int, scanned: int) -> tuple[str, bytes]:
    stem = f"{index + 1:02d}-{plan.company}-商业计划书"
    if index == 0 and scanned:  # a plan sent in as a scan: the OCR path is part of the demo
        return f"{stem}-扫描件.pdf", render_scanned_pdf(render_pdf(plan, font="wqy"), dpi=150)
    if index < scanned:  # a signed, scanned cover and declaration in front of a text plan
        return f"{stem}-签章版.pdf", render_scanned_pdf(render_pdf(plan, font="wqy"), dpi=150, pages=[1, 2])
    if index % 3 == 2:
        return f"{stem}.docx", render_docx(plan, heading_styles=index % 2 == 0)
    return f"{stem}.pdf", render_pdf(plan, two_column_pages=index % 4 == 1)


def load_corpus() -> None:
    """Past years' plans as corpus texts, once: they teach integrity which text every plan shares."""
    with session_scope() as session:
        if session.scalar(select(ReferenceText.id).where(ReferenceText.kind == CORPUS).limit(1)) is None:
            session.add_all(ReferenceText(kind=CORPUS, title=f"往届计划书样本 {n}", source="演示数据", text=text)
                            for n, text in enumerate(corpus_texts(), 1))


def _contest(spec: dict) -> int:
    with session_scope() as session:
        contest = session.scalar(select(Contest).where(Contest.name == spec["name"], Contest.year == spec["year"]))
        if contest is None:
            contest = Contest(**spec)
            session.add(contest)
            session.flush()
        return contest.id


def _code(plan: Plan, index: int) -> str:
    return f"AM11-{'E' if plan.group == 'enterprise' else 'S'}-{index + 1:04d}"


def _violation(plan: Plan, index: int) -> str | None:
    """The problem to inject into this plan's registration, if its group can have it."""
    violation = DEMO_VIOLATIONS.get(index)
    return None if violation is None or plan.group not in _GROUPS_OF.get(violation, GROUPS) else violation


def _submission(registration: Registration, filename: str, data: bytes) -> list[str]:
    """Store the plan's file and its registration (once); returns the parse job to run, if any.

    The parse job also checks the submission's eligibility when it finishes.
    """
    with session_scope() as session:
        record, created = accept_upload(session, data, filename)
        submission = session.scalar(select(Submission).where(Submission.code == registration.id))
        if submission is None:
            submission, _ = store_registration(session, registration)
        if session.get(SubmissionFile, (submission.id, record.id)) is None:
            session.add(SubmissionFile(submission_id=submission.id, document_id=record.id, name=filename))
        return [create_job(session, "parse_document", {"document_id": record.id}).id] if created else []
