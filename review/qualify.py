"""Eligibility checks of stored submissions: the rules' inputs loaded from the database, verdicts stored.

The command line checks files on disk; the service checks what it has stored. Both run the same
rules (``review.eligibility``) over the same inputs: the registration, its files' Documents and
facts, the past ranking lists, and every start-up team of the same edition.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ingest.database import session_scope, utcnow
from ingest.document import Document
from ingest.errors import Refused
from ingest.facts import Fact
from ingest.models import PARSED, QUEUED, REFUSED, DocumentRecord
from ingest.names import normalise_company
from ingest.settings import load_settings
from review.eligibility import CheckOutcome, SubmittedFile, check_batch, load_config, load_teams
from review.eligibility.model import PENDING
from review.eligibility.rules import PLAN_NAME
from review.models import Contest, PastListEntry, Submission, SubmissionFile
from review.registrations import Member, Registration, RegistrationFileError, read_registrations
from review.segments import service as segment_service
from review.segments.fit import PLAN_MIN_CHARS, plan_document, segment_fit_rule
from review.segments.models import SegmentCorrection
from review.service import documents_of
from review.toplists import PastListError, PastListIndex, load_past_entries, read_past_list


def read_registrations_bytes(data: bytes, filename: str) -> tuple[list[Registration], list[str]]:
    """Registrations of an uploaded file, ID numbers already hashed and masked; bad rows as error lines.

    A file that yields no registration at all is refused as a whole.
    """
    try:
        result = read_registrations(data, filename, key=load_settings().secret_key())
    except (RegistrationFileError, UnicodeDecodeError) as exc:
        raise Refused("bad_registrations", f"cannot read the registrations file: {exc}") from None
    errors = [str(error) for error in result.errors]
    if not result.registrations:
        raise Refused("bad_registrations", "no registration could be read" + (f": {errors[0]}" if errors else ""))
    return result.registrations, errors


def import_past_list(session: Session, data: bytes, filename: str, *, year: int | None, group: str | None,
                     mapping: dict[str, str | int] | None = None) -> dict:  # type: ignore[type-arg]
    """Store a past ranking list (``mapping``: columns named explicitly); importing it again replaces it."""
    try:
        result = read_past_list(data, filename, year=year, group=group, mapping=mapping)
    except (PastListError, UnicodeDecodeError) as exc:
        raise Refused("bad_past_list", str(exc)) from None
    if not result.entries:
        raise Refused("bad_past_list", "no row could be read" + (f": {result.errors[0]}" if result.errors else ""))
    names = {(e.list_name, e.year) for e in result.entries}
    for list_name, list_year in names:
        for old in session.scalars(select(PastListEntry).where(PastListEntry.list_name == list_name,
                                                               PastListEntry.year == list_year)):
            session.delete(old)
    session.add_all(PastListEntry(list_name=e.list_name, group=e.group, year=e.year, rank=e.rank, project=e.project,
                                  applicant=e.applicant, region=e.region, source=e.source,
                                  applicant_key=e.applicant_key or normalise_company(e.applicant))
                    for e in result.entries)
    session.flush()
    return {"imported": len(result.entries), "list_name": result.list_name, "group": result.group or "",
            "year": result.year or 0, "errors": result.errors}


def submission_documents(session: Session, submission: Submission) -> list[DocumentRecord]:
    """The submission's documents: its files, and the members of any ZIP bundle among them."""
    documents = documents_of(select(Submission.id).where(Submission.id == submission.id))
    return sorted(session.scalars(documents), key=lambda record: record.id)


def business_plan(session: Session, submission: Submission) -> tuple[DocumentRecord, Document] | None:
    """The submission's business plan: its longest parsed document, preferring files named like a plan."""
    parsed = [r for r in submission_documents(session, submission) if r.status == PARSED and r.content]
    documents = [(r, Document.model_validate(r.content)) for r in parsed]
    documents = [(r, d) for r, d in documents if len(d.text) >= PLAN_MIN_CHARS]
    if not documents:
        return None
    return max(documents, key=lambda pair: (bool(PLAN_NAME.search(pair[0].filename)), len(pair[1].text)))


def registration_of(submission: Submission) -> Registration:
    """The stored registration, its team from the stored members (hash and mask only)."""
    data = dict(submission.registration or {})
    data["team"] = [Member(name=m.name, role=m.role, core=m.core, id_hash=m.id_hash, id_masked=m.id_masked,
                           id_valid=m.id_valid) for m in submission.members]
    return Registration.model_validate(data)


def _submitted(name: str, records: list[DocumentRecord]) -> SubmittedFile:
    """What became of one named file: not sent, still queued, refused, or its documents and facts."""
    if not records:
        return SubmittedFile(name, error="the file was not sent with the registration", error_code="missing")
    if any(r.status == QUEUED for r in records):
        return SubmittedFile(name, error="the file is still being read", error_code=PENDING)
    parsed = [r for r in records if r.status == PARSED and r.content]
    if not parsed:
        refused = next((r for r in records if r.status == REFUSED), records[0])
        return SubmittedFile(name, error=refused.error_reason or "unreadable", error_code=refused.error_code)
    facts = [Fact.from_json(f) for r in parsed for f in r.facts or []]
    return SubmittedFile(name, documents=[Document.model_validate(r.content) for r in parsed], facts=facts)


def documents_by_name(session: Session, submission: Submission, records: list[DocumentRecord] | None = None,
                      names: list[str] | None = None) -> dict[str, list[DocumentRecord]]:
    """The stored documents behind each file name the registration gives (a ZIP: its members)."""
    records = records if records is not None else submission_documents(session, submission)
    names = names if names is not None else list((submission.registration or {}).get("files", []))
    links = dict(session.execute(select(SubmissionFile.name, SubmissionFile.document_id)
                                 .where(SubmissionFile.submission_id == submission.id)).all())
    by_id = {r.id: r for r in records}
    found: dict[str, list[DocumentRecord]] = {}
    for name in names:
        record = by_id.get(links.get(name, -1))
        if record is None:  # linked without a name (a file attached on its own): by file name
            bare = name.replace("\\", "/").rsplit("/", 1)[-1]
            record = next((r for r in records if r.filename == bare), None)
        matched = [] if record is None else [record]
        if record is not None and record.media_type == "application/zip":
            matched = [r for r in records if r.parent_id == record.id] or matched
        found[name] = matched
    return found


def submitted_files(session: Session, submission: Submission, registration: Registration) -> list[SubmittedFile]:
    """One entry per file the registration names: what became of it."""
    named = documents_by_name(session, submission, names=registration.files)
    return [_submitted(name, named[name]) for name in registration.files]


def check_stored(submission_ids: list[int]) -> dict[str, str]:
    """Check the submissions and store each verdict; returns verdict by registration number.

    Submissions are checked contest by contest (each contest has its own rule configuration),
    all against every stored start-up team of their edition and every stored past list.
    """
    verdicts: dict[str, str] = {}
    with session_scope() as session:
        submissions = list(session.scalars(select(Submission).options(selectinload(Submission.members),
                                                                      selectinload(Submission.contest))
                                           .where(Submission.id.in_(submission_ids)).order_by(Submission.code)))
        # entered without a registration record (added by hand, or old demo data): nothing to check
        submissions = [s for s in submissions if s.registration is not None]
        registrations = {s.id: registration_of(s) for s in submissions}
        teams = load_teams(session, {r.contest.edition for r in registrations.values()})
        past = PastListIndex(load_past_entries(session))
        fit = segment_fit_rule(segment_service.classifier, reviewed_segments(session, submissions))
        for contest, batch in _by_contest(submissions).items():
            files = {registrations[s.id].id: submitted_files(session, s, registrations[s.id]) for s in batch}
            outcomes = check_batch([registrations[s.id] for s in batch], config=load_config(contest.rules),
                                   files=files, past_lists=past, other_teams=teams, segment_classifier=fit)
            for submission, outcome in zip(batch, outcomes, strict=True):
                _store(submission, outcome)
                verdicts[submission.code] = outcome.verdict
    return verdicts


def latest_corrections(session: Session, submission_ids: list[int]) -> dict[int, SegmentCorrection]:
    """The segment correction a reviewer made last on each of these submissions, by submission id."""
    rows = session.scalars(select(SegmentCorrection).where(SegmentCorrection.submission_id.in_(submission_ids))
                           .order_by(SegmentCorrection.id))
    return {row.submission_id: row for row in rows if row.submission_id is not None}


def reviewed_segments(session: Session, submissions: list[Submission]) -> dict[str, int]:
    """The segment a reviewer last set for each submission, by registration number."""
    latest = latest_corrections(session, [s.id for s in submissions])
    return {s.code: latest[s.id].segment for s in submissions if s.id in latest}


def correct_segment(session: Session, submission: Submission, segment: int, user_id: int | None,
                    note: str = "") -> SegmentCorrection:
    """A reviewer's segment for a submission, kept with the text the classifier read (to retrain on)."""
    registration = registration_of(submission)
    plan = plan_document(submitted_files(session, submission, registration))
    text = segment_service.training_text(plan[1]) if plan else registration.project
    return segment_service.record_correction(session, segment, text, submission_id=submission.id, user_id=user_id,
                                             predicted=_predicted(submission), note=note)


def _predicted(submission: Submission) -> int | None:
    """The classifier's primary segment at the submission's latest check."""
    for result in submission.checks or []:
        if result.get("rule") == "segment_fit":
            summary = next((e for e in result.get("evidence", []) if e.get("source") == "classifier"), None)
            return summary["primary"] if summary else None
    return None


def _by_contest(submissions: list[Submission]) -> dict[Contest, list[Submission]]:
    grouped: dict[Contest, list[Submission]] = {}
    for submission in submissions:
        grouped.setdefault(submission.contest, []).append(submission)
    return grouped


def _store(submission: Submission, outcome: CheckOutcome) -> None:
    payload = outcome.to_json()
    submission.verdict, submission.risk = outcome.verdict, outcome.risk
    submission.checks, submission.checked_at = payload["rules"], utcnow()


def submissions_of_document(session: Session, document_id: int) -> list[int]:
    """The submissions a document belongs to, directly or as a member of a ZIP bundle."""
    parent = session.scalar(select(DocumentRecord.parent_id).where(DocumentRecord.id == document_id))
    ids = [document_id] + ([parent] if parent else [])
    return sorted(set(session.scalars(select(SubmissionFile.submission_id).where(SubmissionFile.document_id.in_(ids)))))
