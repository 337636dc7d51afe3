"""The integrity service: every submission's business plan indexed, its suspicious pairs found, cases kept.

When a plan is parsed (or a submission's record changes) ``check_submission``:

1. fingerprints the plan (MinHash over its grams minus common text) and posts its sampled grams,
   in the database (the fingerprint) and in the on-disk indexes of the data directory;
2. finds candidates three ways — similar documents (LSH), shared passages (the passage index),
   shared entities (USCC, company key or trade name, core member hash, patent number) — and
   never compares all pairs;
3. aligns the plan with each candidate's text and links their entities, judges each pair
   (``similarity.cases``) and stores the suspicious ones;
4. regroups the suspicious pairs into cases, keeping each case's id and findings when it grows.

The eligibility rule ``repeat_and_copying`` reads the cases through ``integrity_result``, registered
with the rules when this module loads.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session, selectinload

from api.jobs import QUEUED, RUNNING, Job, create_job
from ingest.database import session_scope
from ingest.document import Document
from ingest.identity import mask_id_numbers
from ingest.models import DocumentRecord
from ingest.names import normalise_company, trade_name
from ingest.settings import load_settings
from review import qualify
from review.eligibility import rules
from review.eligibility.model import RuleResult, failed, passed, skipped, unknown
from review.models import Submission, SubmissionFile
from review.qualify import registration_of, submitted_files
from review.registrations import Registration
from review.segments.fit import plan_document
from similarity import common as common_text
from similarity.align import align
from similarity.cases import PairEvidence, clusters, covered, judge
from similarity.diff import differences
from similarity.entities import Entry, links
from similarity.lsh import BandIndex
from similarity.minhash import jaccard, signature
from similarity.models import (
    COMPARE,
    CORPUS,
    DECIDED,
    FALSE_ALARM,
    FINDINGS,
    IGNORE,
    OPEN,
    REFERENCE_KINDS,
    EntityKey,
    Fingerprint,
    IntegrityCase,
    IntegrityFinding,
    IntegrityPair,
    ReferenceText,
)
from similarity.postings import PostingIndex, sampled
from similarity.units import shingles, units

REBUILD_FROM, REBUILD_GROWTH = 10, 1.5
MAX_CANDIDATES = 30  # the strongest candidates aligned per check; more would be one project's whole cluster
MIN_SHARED_GRAMS = 3  # sampled grams two texts share before they are aligned
MIN_RESEMBLANCE = 0.1  # estimated; below, LSH band collisions are chance
_LOCK_KEY = 0x616D7276  # "amrv": integrity's advisory lock
_lock = threading.Lock()  # one index writer per process; SQLite serialises processes


@dataclass(frozen=True)
class Text:
    """A compared text: a submission's plan or a reference text, with its grams minus common text."""

    key: str
    text: str
    document_id: int | None = None
    document: Document | None = None  # for page numbers; None for a reference text

    def page_of(self, offset: int) -> int | None:
        return self.document.page_of(offset) if self.document is not None else None

    def shingles(self, common: np.ndarray) -> np.ndarray:
        return shingles(self.text, common)


def index_dir() -> Path:
    return load_settings().data_dir / "similarity"


def common_grams() -> np.ndarray:
    return common_text.load(index_dir() / "common.npy")


@contextmanager
def _indexes() -> Iterator[tuple[BandIndex, PostingIndex]]:
    with _lock, BandIndex(index_dir() / "bands.sqlite") as bands, \
            PostingIndex(index_dir() / "passages.sqlite") as postings:
        yield bands, postings


# ------------------------------------------------------------------------------------------- texts and entries

def submission_key(submission_id: int) -> str:
    return f"s:{submission_id}"


def reference_key(reference_id: int) -> str:
    return f"r:{reference_id}"


_linked = SubmissionFile.document_id == DocumentRecord.id


def _plan_text(session: Session, submission: Submission) -> Text | None:
    """The submission's business plan (the longest readable document, preferring plan-like names)."""
    key = submission_key(submission.id)
    if submission.registration is not None:
        plan = plan_document(submitted_files(session, submission, registration_of(submission)))
        if plan is None:
            return None
        record_id = session.scalar(select(SubmissionFile.document_id).where(
            SubmissionFile.submission_id == submission.id, SubmissionFile.name == plan[0]))
        return Text(key, plan[1].text, record_id, plan[1])
    records = session.scalars(select(DocumentRecord).join(SubmissionFile, _linked).where(
        SubmissionFile.submission_id == submission.id, DocumentRecord.content.is_not(None)))
    documents = [(Document.model_validate(r.content), r.id) for r in records]
    if not documents:
        return None
    document, record_id = max(documents, key=lambda item: len(item[0].text))
    return Text(key, document.text, record_id, document)


def _text_of(session: Session, key: str) -> Text | None:
    kind, _, number = key.partition(":")
    if kind == "r":
        reference = session.get(ReferenceText, int(number))
        return Text(key, reference.text) if reference is not None else None
    submission = session.get(Submission, int(number))
    return _plan_text(session, submission) if submission is not None else None


def _patents(session: Session, submission: Submission) -> frozenset[str]:
    facts = session.scalars(select(DocumentRecord.facts).join(SubmissionFile, _linked)
                            .where(SubmissionFile.submission_id == submission.id))
    return frozenset(f["value"] for row in facts for f in row or [] if f.get("kind") == "patent" and f.get("value"))


def entry_of(session: Session, submission: Submission) -> Entry:
    contest = submission.contest
    return Entry(key=submission_key(submission.id), code=submission.code, contest=contest.name,
                 contest_kind=contest.kind, edition=contest.edition, applicant=submission.applicant,
                 project=submission.project, uscc=submission.uscc,
                 people=frozenset(m.id_hash for m in submission.members if m.id_hash and m.core),
                 patents=_patents(session, submission))


def _entity_keys(entry: Entry) -> set[tuple[str, str]]:
    company = normalise_company(entry.applicant)
    keys = {("company", company), ("trade", trade_name(company))} if company else set()
    if entry.uscc:
        keys.add(("uscc", entry.uscc))
    keys |= {("person", person) for person in entry.people}
    keys |= {("patent", number) for number in entry.patents}
    return {(kind, value[:300]) for kind, value in keys if value}


# ------------------------------------------------------------------------------------------- checking

def _load(session: Session, submission_id: int) -> Submission | None:
    return session.scalar(select(Submission).options(selectinload(Submission.members), selectinload(Submission.contest))
                          .where(Submission.id == submission_id))


def _store_fingerprint(session: Session, text: Text, shingles: np.ndarray, sig: np.ndarray) -> None:
    kind, _, number = text.key.partition(":")
    row = session.get(Fingerprint, text.key) or Fingerprint(key=text.key)
    row.submission_id = int(number) if kind == "s" else None
    row.reference_id = int(number) if kind == "r" else None
    row.document_id = text.document_id
    row.signature, row.shingles = sig.tobytes(), len(shingles)
    session.add(row)


def _index(session: Session, text: Text, common: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fingerprint and post ``text``; returns its shingles, signature and posted grams."""
    shingles = text.shingles(common)
    sig = signature(shingles)
    posted = sampled(shingles)
    _store_fingerprint(session, text, shingles, sig)
    with _indexes() as (bands, postings):
        bands.add(text.key, sig)
        postings.add(text.key, posted)
    return shingles, sig, posted


def _unindex(session: Session, key: str) -> None:
    session.execute(delete(Fingerprint).where(Fingerprint.key == key))
    with _indexes() as (bands, postings):
        bands.remove(key)
        postings.remove(key)


def _document_frequency_limit(postings: PostingIndex) -> int:
    return max(common_text.MIN_DOCUMENTS, int(common_text.MIN_SHARE * postings.documents()))


def _text_candidates(key: str, sig: np.ndarray, posted: np.ndarray) -> dict[str, float]:
    with _indexes() as (bands, postings):
        found = {k: est for k, est in bands.candidates(sig, exclude=key) if est >= MIN_RESEMBLANCE}
        shared = postings.candidates(posted, min_shared=MIN_SHARED_GRAMS, exclude=[key],
                                     max_frequency=_document_frequency_limit(postings))
    for other, count in shared:
        found[other] = max(found.get(other, 0.0), min(1.0, count / max(1, len(posted))))
    return found


def _entity_candidates(session: Session, submission_id: int, keys: set[tuple[str, str]]) -> set[str]:
    if not keys:
        return set()
    clauses = [(EntityKey.kind == kind) & (EntityKey.value == value) for kind, value in keys]
    rows = session.scalars(select(EntityKey.submission_id)
                           .where(or_(*clauses), EntityKey.submission_id != submission_id))
    return {submission_key(i) for i in rows}


def _store_entities(session: Session, submission_id: int, keys: set[tuple[str, str]]) -> None:
    session.execute(delete(EntityKey).where(EntityKey.submission_id == submission_id))
    session.add_all(EntityKey(submission_id=submission_id, kind=kind, value=value) for kind, value in sorted(keys))


def compare(a: Text, b: Text, common: np.ndarray, shingles_a: np.ndarray | None = None) -> PairEvidence:
    """Content evidence of two texts (``a.key < b.key``): resemblance, shared passages, each one's share."""
    shingles_a = a.shingles(common) if shingles_a is None else shingles_a
    matches = align(a.text, b.text, common=common)
    passages = [{"a": list(m.source), "b": list(m.suspicious), "score": round(m.score, 4)} for m in matches]
    return PairEvidence(a.key, b.key, resemblance=jaccard(shingles_a, b.shingles(common)),
                        a_share=covered([m.source for m in matches]) / max(1, len(a.text)),
                        b_share=covered([m.suspicious for m in matches]) / max(1, len(b.text)),
                        passages=passages)


def _evidence(session: Session, mine: Text | None, my_entry: Entry | None, shingles: np.ndarray | None,
              other_key: str, common: np.ndarray) -> tuple[PairEvidence, Text | None] | None:
    other = _text_of(session, other_key)
    other_entry = None
    if other_key.startswith("s:"):
        other_submission = _load(session, int(other_key[2:]))
        other_entry = entry_of(session, other_submission) if other_submission is not None else None
    if mine is None or other is None:
        if my_entry is None or other_entry is None:
            return None
        a, b = sorted([my_entry.key, other_entry.key])
        evidence = PairEvidence(a, b)
    else:
        first, second = (mine, other) if mine.key < other.key else (other, mine)
        evidence = compare(first, second, common, shingles if first is mine else None)
    if my_entry is not None and other_entry is not None:
        evidence.links = links(my_entry, other_entry)
    return evidence, other


def _store_pair(session: Session, evidence: PairEvidence, documents: dict[str, int | None]) -> bool:
    judgement = judge(evidence)
    row = session.scalar(select(IntegrityPair).where(IntegrityPair.a == evidence.a, IntegrityPair.b == evidence.b))
    if judgement.kind is None:
        if row is not None:
            session.delete(row)
        return False
    row = row or IntegrityPair(a=evidence.a, b=evidence.b)
    row.kind, row.score = judgement.kind, round(judgement.score, 4)
    row.resemblance, row.a_share, row.b_share = (round(evidence.resemblance, 4), round(evidence.a_share, 4),
                                                 round(evidence.b_share, 4))
    row.passages, row.links = evidence.passages, [link.to_json() for link in evidence.links]
    row.a_document_id, row.b_document_id = documents.get(evidence.a), documents.get(evidence.b)
    session.add(row)
    return True


def index_text(session: Session, mine: Text | None, key: str, entry: Entry | None, common: np.ndarray) -> None:
    """Store what the indexes hold of one text (or remove it) and its entity keys."""
    if mine is not None:
        _index(session, mine, common)
    else:
        _unindex(session, key)
    if entry is not None:
        _store_entities(session, int(key[2:]), _entity_keys(entry))


def _candidates(session: Session, mine: Text | None, key: str, entry: Entry | None,
                common: np.ndarray) -> tuple[list[str], np.ndarray | None]:
    """The keys to compare with, strongest text candidates first, then entries sharing an entity; and the shingles."""
    if mine is None:
        strongest, shingles = [], None
    else:
        shingles = mine.shingles(common)
        found = _text_candidates(key, signature(shingles), sampled(shingles))
        strongest = sorted(found, key=lambda k: -found[k])[:MAX_CANDIDATES]
    if entry is not None:  # entries sharing an entity are compared however little text they share
        shared = _entity_candidates(session, int(key[2:]), _entity_keys(entry))
        strongest += sorted(shared - set(strongest))[:MAX_CANDIDATES]
    return strongest, shingles


def check_text(session: Session, mine: Text | None, key: str, entry: Entry | None = None, *,
               indexed: bool = False, compared: frozenset[str] = frozenset()) -> set[str]:
    """Index one text and (re)compute every pair it is in; returns the keys of the pairs' other sides.

    ``indexed``: the text is in the indexes already (a rebuild indexes everything first);
    ``compared``: keys whose pairs with this text were computed already, from their side.
    """
    common = common_grams()
    if not indexed:
        index_text(session, mine, key, entry, common)
    strongest, shingles = _candidates(session, mine, key, entry, common)
    old = session.scalars(select(IntegrityPair).where(or_(IntegrityPair.a == key, IntegrityPair.b == key)))
    for row in old:
        other_side = row.b if row.a == key else row.a
        if other_side not in strongest and other_side not in compared:
            session.delete(row)
    involved = set()
    for other_key in strongest:
        found = None if other_key in compared else _evidence(session, mine, entry, shingles, other_key, common)
        if found is None:
            continue
        evidence, other = found
        documents = {key: mine.document_id if mine else None, other_key: other.document_id if other else None}
        if _store_pair(session, evidence, documents):
            involved.add(other_key)
    session.flush()
    return involved


def _check_one(session: Session, submission_id: int) -> None:
    submission = _load(session, submission_id)
    key = submission_key(submission_id)
    if submission is None:
        _unindex(session, key)
        return
    check_text(session, _plan_text(session, submission), key, entry_of(session, submission))


def exclusive(session: Session) -> None:
    """Hold integrity's lock until the transaction ends: one check or rebuild at a time across workers.

    Two workers checking two plans of one case at once would each insert their pair and open a case
    for it. PostgreSQL gives a transaction-scoped advisory lock; SQLite allows one writer anyway.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def check_submissions(submission_ids: list[int]) -> set[int]:
    """Check each submission in turn (one transaction); returns every submission whose cases changed."""
    with session_scope() as session:
        exclusive(session)
        for submission_id in submission_ids:
            _check_one(session, submission_id)
        affected = regroup(session) | set(submission_ids)  # once: the cases of all of them together
    return affected


def check_document(document_id: int) -> set[int]:
    """After a parse: check every submission the document belongs to; returns the submissions to re-check."""
    with session_scope() as session:
        ids = qualify.submissions_of_document(session, document_id)
    return check_submissions(ids)


# ------------------------------------------------------------------------------------------- cases

def _evidence_of(row: IntegrityPair) -> PairEvidence:
    from similarity.entities import Link

    return PairEvidence(row.a, row.b, row.resemblance, row.a_share, row.b_share, row.passages,
                        [Link(str(x["kind"]), str(x["detail"]), float(x["strength"])) for x in row.links])


def _members_of(keys: list[str]) -> set[int]:
    return {int(k[2:]) for k in keys if k.startswith("s:")}


def regroup(session: Session) -> set[int]:
    """Cases rebuilt from the stored pairs; a case keeps its id (and findings) when its members overlap.

    Returns the submissions in any case that changed, so their eligibility is checked again.
    """
    session.flush()
    pairs = list(session.scalars(select(IntegrityPair)))
    by_key = {(p.a, p.b): p for p in pairs}
    existing = list(session.scalars(select(IntegrityCase)))
    taken: set[int] = set()
    changed: set[int] = set()
    for cluster in clusters([_evidence_of(p) for p in pairs]):
        members = set(cluster.members)
        case = max((c for c in existing if c.id not in taken and members & set(c.members)),
                   key=lambda c: len(members & set(c.members)), default=None)
        if case is None:
            case = IntegrityCase(kind=cluster.kind, score=0.0, members=[], status=OPEN)
            session.add(case)
            session.flush()
        taken.add(case.id)
        if set(case.members) != members or case.kind != cluster.kind or abs(case.score - cluster.score) > 1e-4:
            changed |= _members_of(list(members | set(case.members)))
        case.kind, case.score, case.members = cluster.kind, round(cluster.score, 4), sorted(members)
        for evidence, _ in cluster.pairs:
            by_key[(evidence.a, evidence.b)].case_id = case.id
    for case in existing:
        if case.id not in taken:
            changed |= _members_of(case.members)
            has_findings = session.scalar(select(IntegrityFinding.id).where(IntegrityFinding.case_id == case.id))
            if has_findings is None:
                session.delete(case)
            else:
                case.members, case.score = [], 0.0  # nothing suspicious left; the findings stay on record
    session.flush()
    return changed


def record_finding(session: Session, case: IntegrityCase, finding: str, comment: str, at_fault: list[str],
                   user_id: int | None) -> IntegrityFinding:
    """An officer's decision; ``at_fault`` (default: every submission of the case) is what it holds against."""
    if finding not in FINDINGS:
        raise ValueError(f"finding must be one of {', '.join(FINDINGS)}")
    members = [k for k in case.members if k.startswith("s:")]
    unknown_keys = sorted(set(at_fault) - set(members))
    if unknown_keys:
        raise ValueError(f"not members of case {case.id}: {', '.join(unknown_keys)}")
    row = IntegrityFinding(case_id=case.id, user_id=user_id, finding=finding, comment=comment,
                           members=list(case.members), at_fault=[] if finding == FALSE_ALARM else at_fault or members)
    session.add(row)
    case.status, case.finding = DECIDED, finding
    session.flush()
    return row


# ------------------------------------------------------------------------------------------- reference texts

def add_reference(session: Session, kind: str, title: str, text: str, source: str,
                  user_id: int | None) -> ReferenceText:
    """Store a reference text; one to check submissions against is compared with every one now.

    Text to ignore, and corpus text, change what is common: they take effect with the next ``rebuild``.
    """
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REFERENCE_KINDS)}")
    if not units(text).ids.size:
        raise ValueError("the text has no words or characters to compare")
    reference = ReferenceText(kind=kind, title=title, text=text, source=source, user_id=user_id)
    session.add(reference)
    session.flush()
    if kind == COMPARE:
        exclusive(session)
        check_text(session, Text(reference_key(reference.id), text), reference_key(reference.id))
        regroup(session)
    return reference


def learn_common(session: Session) -> np.ndarray:
    """Common text: document frequency over the stored plans and the corpus texts, plus all text to ignore."""
    plans = [t.text for s in session.scalars(select(Submission)) if (t := _plan_text(session, s)) is not None]
    corpus = list(session.scalars(select(ReferenceText.text).where(ReferenceText.kind == CORPUS)))
    learned = common_text.learn(common_text.text_grams(text) for text in plans + corpus)
    ignored = [common_text.text_grams(text) for text in session.scalars(
        select(ReferenceText.text).where(ReferenceText.kind == IGNORE))]
    combined = common_text.combine(learned, *ignored)
    common_text.save(index_dir() / "common.npy", combined)
    _learned_from().write_text(json.dumps({"plans": len(plans), "corpus": len(corpus)}), encoding="utf-8")
    return combined


def _learned_from() -> Path:
    return index_dir() / "common.json"


def rebuild_due(session: Session) -> bool:
    """Whether the plans have grown by half since common text was last learned (and are at least ten).

    Template text is only recognisable once several plans share it; relearning each time the
    collection grows by half keeps it current at a cost that grows with the logarithm of its size.
    """
    plans = session.scalar(select(func.count()).select_from(Fingerprint).where(Fingerprint.submission_id.is_not(None)))
    learned = json.loads(_learned_from().read_text(encoding="utf-8"))["plans"] if _learned_from().exists() else 0
    return bool(plans) and plans >= REBUILD_FROM and plans >= REBUILD_GROWTH * learned


def queue_rebuild(session: Session) -> tuple[str, bool]:
    """A rebuild job, or the one already waiting or running (one at a time); and whether it is new."""
    pending = session.scalar(select(Job.id).where(Job.kind == "integrity_rebuild",
                                                  Job.status.in_((QUEUED, RUNNING))).limit(1))
    if pending is not None:
        return pending, False
    return create_job(session, "integrity_rebuild", {}).id, True


def rebuild(session: Session) -> dict[str, int]:
    """Learn common text again and re-check everything: what an admin runs after adding text to ignore."""
    exclusive(session)
    common = learn_common(session)
    session.execute(delete(IntegrityPair))
    submissions = list(session.scalars(select(Submission.id)))
    references = list(session.scalars(select(ReferenceText).where(ReferenceText.kind == COMPARE)))
    texts = [(Text(reference_key(r.id), r.text), reference_key(r.id), None) for r in references]
    for submission_id in submissions:
        submission = _load(session, submission_id)
        assert submission is not None
        texts.append((_plan_text(session, submission), submission_key(submission_id), entry_of(session, submission)))
    for text, key, entry in texts:  # first every fingerprint with the new common text, so candidates are right
        index_text(session, text, key, entry, common)
    compared: set[str] = set()
    for text, key, entry in texts:  # then each pair once, from the side checked first
        check_text(session, text, key, entry, indexed=True, compared=frozenset(compared))
        compared.add(key)
    affected = regroup(session) | set(submissions)
    cases = sum(1 for case in session.scalars(select(IntegrityCase)) if case.members)
    return {"submissions": len(submissions), "references": len(references), "common_grams": len(common),
            "cases": cases, "affected": sorted(affected)}


# ------------------------------------------------------------------------------------------- eligibility

def _codes(session: Session, keys: list[str]) -> list[str]:
    ids = _members_of(keys)
    codes = dict(session.execute(select(Submission.id, Submission.code).where(Submission.id.in_(ids))).all())
    named = [codes.get(int(k[2:]), k) if k.startswith("s:") else f"reference {k[2:]}" for k in keys]
    return sorted(named)


def case_result(session: Session, submission_id: int) -> RuleResult:
    """The ``repeat_and_copying`` result of a submission from the cases it is in."""
    key = submission_key(submission_id)
    case_ids = set(session.scalars(select(IntegrityPair.case_id).where(
        or_(IntegrityPair.a == key, IntegrityPair.b == key), IntegrityPair.case_id.is_not(None))))
    confirmed, suspected, cleared = [], [], []
    for case in session.scalars(select(IntegrityCase).where(IntegrityCase.id.in_(case_ids)).order_by(IntegrityCase.id)):
        finding = session.scalar(select(IntegrityFinding).where(IntegrityFinding.case_id == case.id)
                                 .order_by(IntegrityFinding.id.desc()))
        others = _codes(session, [k for k in case.members if k != key])
        evidence = {"source": "integrity", "case": case.id, "kind": case.kind, "score": case.score, "with": others}
        if finding is None or key not in finding.members:
            suspected.append(evidence)
        elif finding.finding != FALSE_ALARM and key in finding.at_fault:
            confirmed.append({**evidence, "finding": finding.finding})
        else:
            cleared.append({**evidence, "finding": finding.finding})
    if confirmed:
        first = confirmed[0]
        return failed(f"integrity case {first['case']}: {first['finding']} with {', '.join(first['with'])}", confirmed)
    if suspected:
        first = suspected[0]
        return unknown(f"suspected {first['kind']} with {', '.join(first['with'])} (case {first['case']}, "
                       f"score {first['score']:.2f}): an integrity officer decides", suspected)
    if cleared:
        return passed("integrity cases cleared by an officer", cleared)
    return passed("no repeat entry or copied text found")


def integrity_result(registration: Registration) -> RuleResult:
    with session_scope() as session:
        submission_id = session.scalar(select(Submission.id).where(Submission.code == registration.id))
        if submission_id is None:
            return skipped("not a stored submission: nothing to compare it with")
        return case_result(session, submission_id)


rules.register_integrity_source(integrity_result)


# ------------------------------------------------------------------------------------------- what the pages show

def describe_members(session: Session, keys: list[str]) -> list[dict]:
    """Each member of a case as shown: registration number, applicant, project, contest and year."""
    ids = _members_of(keys)
    submissions = {s.id: s for s in session.scalars(select(Submission).options(selectinload(Submission.contest))
                                                    .where(Submission.id.in_(ids)))}
    references = {r.id: r for r in session.scalars(select(ReferenceText).where(ReferenceText.id.in_(
        [int(k[2:]) for k in keys if k.startswith("r:")])))}
    shown = []
    for key in keys:
        number = int(key[2:])
        if key.startswith("s:") and number in submissions:
            s = submissions[number]
            shown.append({"key": key, "submission_id": s.id, "code": s.code, "applicant": s.applicant,
                          "project": s.project, "contest": s.contest.name, "contest_kind": s.contest.kind,
                          "year": s.contest.year, "verdict": s.verdict})
        elif key.startswith("r:") and number in references:
            r = references[number]
            shown.append({"key": key, "reference_id": r.id, "code": f"R-{r.id}", "applicant": r.source or "—",
                          "project": r.title, "contest": "reference", "contest_kind": "reference", "year": None,
                          "verdict": None})
    return shown


def _passage(a: Text, b: Text, passage: dict) -> dict:
    (a0, a1), (b0, b1) = passage["a"], passage["b"]
    diff = differences(a.text, (a0, a1), b.text, (b0, b1))
    return {"a": [a0, a1], "b": [b0, b1], "score": passage["score"], "a_page": a.page_of(a0), "b_page": b.page_of(b0),
            "a_pieces": [(mask_id_numbers(a.text[s:e]), same) for s, e, same in diff.source],
            "b_pieces": [(mask_id_numbers(b.text[s:e]), same) for s, e, same in diff.suspicious]}


def case_detail(session: Session, case: IntegrityCase) -> dict:
    """Everything the case view shows: members, each pair's reasons and passages side by side, findings."""
    members = describe_members(session, case.members)
    codes = {m["key"]: m["code"] for m in members}
    texts: dict[str, Text | None] = {}
    pairs = []
    for row in session.scalars(select(IntegrityPair).where(IntegrityPair.case_id == case.id)
                               .order_by(IntegrityPair.score.desc())):
        for key in (row.a, row.b):
            if key not in texts:
                texts[key] = _text_of(session, key)
        a, b = texts[row.a], texts[row.b]
        passages = [_passage(a, b, p) for p in row.passages] if a is not None and b is not None else []
        pairs.append({"a": row.a, "b": row.b, "a_code": codes.get(row.a, row.a), "b_code": codes.get(row.b, row.b),
                      "kind": row.kind, "score": row.score, "resemblance": row.resemblance, "a_share": row.a_share,
                      "b_share": row.b_share, "links": row.links, "passages": passages})
    findings = [{"id": f.id, "finding": f.finding, "comment": f.comment, "user_id": f.user_id,
                 "at_fault": [codes.get(k, k) for k in f.at_fault], "at": f.created_at.isoformat(timespec="seconds")}
                for f in session.scalars(select(IntegrityFinding).where(IntegrityFinding.case_id == case.id)
                                         .order_by(IntegrityFinding.id.desc()))]
    return {"id": case.id, "kind": case.kind, "score": case.score, "status": case.status, "finding": case.finding,
            "members": members, "pairs": pairs, "findings": findings}


def list_cases(session: Session, *, kind: str | None = None, status: str | None = None, limit: int = 100,
               offset: int = 0) -> list[dict]:
    """Cases with members, most suspicious first."""
    query = select(IntegrityCase).order_by(IntegrityCase.score.desc(), IntegrityCase.id)
    if kind:
        query = query.where(IntegrityCase.kind == kind)
    if status:
        query = query.where(IntegrityCase.status == status)
    cases = [c for c in session.scalars(query) if c.members][offset:offset + limit]
    return [{"id": c.id, "kind": c.kind, "score": c.score, "status": c.status, "finding": c.finding,
             "members": describe_members(session, c.members)} for c in cases]
