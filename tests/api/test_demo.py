"""The demo contest: submissions in several segments, documents parsed, loading twice is harmless."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.demo.load import DEMO_CONTEST, load_demo
from ingest.database import session_scope
from ingest.models import PARSED, DocumentRecord
from review.models import Contest, Submission
from similarity.models import IntegrityCase, ReferenceText

pytestmark = pytest.mark.storage


def test_demo_loads_once(data_dir: Path) -> None:
    first = load_demo(plan_count=3, scanned=0)
    assert first == {"contest": DEMO_CONTEST["name"], "submissions": 3, "planted": 2, "parsed": 5}
    with session_scope() as session:
        contest = session.scalar(select(Contest).where(Contest.name == DEMO_CONTEST["name"]))
        assert (contest.kind, contest.edition, contest.year) == ("thematic", 11, 2026)
        planted = session.scalars(select(Submission).where(Submission.contest_id != contest.id)).all()
        assert sorted(s.code for s in planted) == ["SC11-E-0002", "SC11-E-0003"]  # the copied pair
        submissions = session.scalars(select(Submission).where(Submission.contest_id == contest.id)
                                      .order_by(Submission.code)).all()
        assert len({s.code for s in submissions}) == 3
        assert all(s.code.startswith(("AM11-E-", "AM11-S-")) for s in submissions)
        assert len({s.segment for s in submissions}) >= 2
        # every demo entry arrives with its registration and, its plan parsed, a verdict with every rule
        assert all(s.verdict in ("eligible", "needs_review", "ineligible") for s in submissions)
        assert all({r["rule"] for r in s.checks} >= {"sme_size", "documents_complete"} for s in submissions)
        assert all(m.id_hash and "*" in (m.id_masked or "") for s in submissions for m in s.members)
        assert all("id_number" not in str(s.registration) for s in submissions)
        records = session.scalars(select(DocumentRecord)).all()
        assert all(r.status == PARSED and r.page_count and r.page_count >= 5 for r in records)
        assert {r.media_type for r in records} >= {"application/pdf"}
        text = records[0].content["text"]
        assert "商业计划书" in text and submissions[0].applicant in text

    second = load_demo(plan_count=3, scanned=0)
    assert second["parsed"] == 0
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 5
        assert session.scalar(select(func.count()).select_from(DocumentRecord)) == 5
        assert session.scalar(select(func.count()).select_from(ReferenceText)) == 70  # the corpus, once


def test_demo_can_leave_parsing_to_the_server(data_dir: Path) -> None:
    summary = load_demo(plan_count=2, scanned=0, wait=False)
    assert summary["queued"] == 4
    with session_scope() as session:
        assert {r.status for r in session.scalars(select(DocumentRecord))} == {"queued"}


def test_the_integrity_cases_planted_in_the_demo_are_found(data_dir: Path) -> None:
    load_demo(plan_count=5, scanned=0)  # plan 5 is entered again in the regional contest; two firms share text
    with session_scope() as session:
        codes = {s.id: s.code for s in session.scalars(select(Submission))}
        cases = {frozenset(codes[int(k[2:])] for k in c.members): c.kind
                 for c in session.scalars(select(IntegrityCase)) if c.members}
        verdicts = {s.code: s.verdict for s in session.scalars(select(Submission))}
    assert cases == {frozenset({"AM11-E-0005", "SC11-E-0001"}): "repeat",
                     frozenset({"SC11-E-0002", "SC11-E-0003"}): "copying"}
    assert all(verdicts[code] != "eligible" for members in cases for code in members)
