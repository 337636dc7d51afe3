"""Registrations into the database: contests found or created, submissions upserted, files attached.

An import is a batch: every registration that can be stored is stored, each one that cannot
is reported with its reason, and nothing is half-written (each registration is one savepoint).
Raw ID numbers never reach the database: members arrive with a keyed hash and a mask.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.archive import open_zip, read_member, safe_member_name
from ingest.errors import Refused
from ingest.limits import DEFAULT_LIMITS
from ingest.models import DocumentRecord
from ingest.names import normalise_company
from review.models import Contest, Submission, SubmissionFile, TeamMember
from review.registrations import Registration

# Called with each newly stored document, to queue its parse (the api layer owns the job queue).
OnNewDocument = Callable[[Session, DocumentRecord], None]
# Stores bytes and returns (record, created): ``ingest.service.accept_upload``.
Accept = Callable[[Session, bytes, str], tuple[DocumentRecord, bool]]


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    files: int = 0
    submission_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one readable line per registration or file refused

    def to_json(self) -> dict:  # type: ignore[type-arg]
        return {"created": self.created, "updated": self.updated, "files": self.files,
                "submissions": self.submission_ids, "errors": self.errors}


class FileBundle:
    """The files named by registrations: members of an uploaded ZIP, matched by path or bare name."""

    def __init__(self, data: bytes | None = None) -> None:
        self._archive: zipfile.ZipFile | None = open_zip(data, DEFAULT_LIMITS, "file bundle") if data else None
        self._names: dict[str, str] = {}
        for info in self._archive.infolist() if self._archive else []:
            if info.is_dir():
                continue
            try:
                name = safe_member_name(info.filename)
            except Refused:
                continue  # a traversal name (../x, /etc/x) is never matched, so never read
            self._names.setdefault(name, info.filename)
            self._names.setdefault(posixpath.basename(name), info.filename)

    def read(self, name: str) -> bytes | None:
        """The member the registration's file name points at, or None (also for a name leaving the bundle)."""
        try:
            wanted = safe_member_name(name)
        except Refused:
            return None
        member = self._names.get(wanted) or self._names.get(posixpath.basename(wanted))
        if self._archive is None or member is None:
            return None
        return read_member(self._archive, member, DEFAULT_LIMITS)


def contest_for(session: Session, registration: Registration) -> Contest:
    ref = registration.contest
    contest = session.scalar(select(Contest).where(Contest.name == ref.name, Contest.edition == ref.edition,
                                                   Contest.year == ref.year))
    if contest is None:
        contest = Contest(kind=ref.kind, name=ref.name, edition=ref.edition, year=ref.year, region=ref.region)
        session.add(contest)
        session.flush()
    return contest


def store_registration(session: Session, registration: Registration) -> tuple[Submission, bool]:
    """Insert or update the submission of a registration (by its registration number); members replaced."""
    contest = contest_for(session, registration)
    submission = session.scalar(select(Submission).where(Submission.code == registration.id))
    created = submission is None
    if submission is None:
        submission = Submission(code=registration.id)
        session.add(submission)
    applicant = registration.applicant
    submission.contest_id = contest.id
    submission.group = registration.group
    submission.segment = registration.segment
    submission.project = registration.project
    submission.applicant = applicant.name
    submission.uscc = applicant.uscc
    submission.applicant_key = normalise_company(applicant.name) or None
    submission.registration = registration.public_dict()
    submission.verdict = submission.risk = submission.checks = submission.checked_at = None  # stale: re-check
    submission.members.clear()
    session.flush()
    for position, member in enumerate(registration.team):
        submission.members.append(TeamMember(position=position, name=member.name, role=member.role,
                                             core=member.core, id_hash=member.id_hash,
                                             id_masked=member.id_masked, id_valid=member.id_valid))
    session.flush()
    return submission, created


def attach_files(session: Session, submission: Submission, registration: Registration, bundle: FileBundle,
                 accept: Accept, on_new: OnNewDocument) -> tuple[int, list[str]]:
    """Store each file the registration names that the bundle holds; returns (stored, refusals)."""
    stored, refusals = 0, []
    for name in registration.files:
        data = bundle.read(name)
        if data is None:
            continue  # missing: the documents_complete rule reports it
        try:
            record, created = accept(session, data, posixpath.basename(name))
        except Refused as refusal:
            refusals.append(f"{registration.id} {name}: {refusal.reason}")
            continue
        if created:
            on_new(session, record)
        link = session.get(SubmissionFile, (submission.id, record.id))
        if link is None:
            session.add(SubmissionFile(submission_id=submission.id, document_id=record.id, name=name))
        else:
            link.name = name
        stored += 1
    session.flush()
    return stored, refusals


def import_batch(session: Session, registrations: list[Registration], bundle: FileBundle, accept: Accept,
                 on_new: OnNewDocument) -> ImportSummary:
    """Store every registration (each in its own savepoint) with its files."""
    summary = ImportSummary()
    for registration in registrations:
        try:
            with session.begin_nested():
                submission, created = store_registration(session, registration)
                stored, refusals = attach_files(session, submission, registration, bundle, accept, on_new)
        except (ValueError, Refused) as exc:
            summary.errors.append(f"{registration.id}: {exc}")
            continue
        summary.created += created
        summary.updated += not created
        summary.files += stored
        summary.errors.extend(refusals)
        summary.submission_ids.append(submission.id)
    return summary
