"""The files a registration names, found under a folder, parsed, and their facts extracted.

A registration's file names come from outside: ``../x``, absolute paths and links out of the
folder are refused (an error on that file, reported by ``documents_complete``), never opened.
Fact extraction may not be available (``extract_facts`` raising ``NotImplementedError``): the files
then carry no facts and the rules that need facts say unknown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from ingest.document import Document
from ingest.facts import Fact
from review.eligibility.model import SubmittedFile
from review.registrations import Registration

log = logging.getLogger(__name__)
Parse = Callable[[Path], list[Any]]  # path -> list of ingest.parse.ParseResult


class UnsafePath(ValueError):
    """A file name that would leave the folder."""


def resolve_file(base: Path, name: str) -> Path:
    """``base / name`` if it stays inside ``base`` (after following links); raises ``UnsafePath``."""
    clean = name.replace("\\", "/")
    parts = PurePosixPath(clean).parts
    if not clean or "\x00" in clean or clean.startswith("/") or re.match(r"^[A-Za-z]:", clean) or ".." in parts:
        raise UnsafePath(f"unsafe file name {name!r}")
    root = base.resolve()
    path = (root / clean).resolve()
    if not path.is_relative_to(root):
        raise UnsafePath(f"{name!r} leads out of the files folder")
    return path


def extract(document: Document) -> list[Fact] | None:
    """The document's facts; None when extraction is unavailable or fails (logged)."""
    from ingest.facts import extract_facts

    try:
        return extract_facts(document)
    except NotImplementedError:
        return None
    except Exception:  # extraction is heuristic: its failure must not stop the check
        log.exception("fact extraction failed on %s", document.filename)
        return None


def _default_parse(path: Path) -> list[Any]:
    from ingest.parse import parse_path

    return parse_path(path)


def load_file(base: Path, name: str, parse: Parse | None = None) -> SubmittedFile:
    """One named file: resolved safely, parsed (every member of a ZIP), facts extracted."""
    try:
        path = resolve_file(base, name)
    except UnsafePath as exc:
        return SubmittedFile(name, error=str(exc), error_code="unsafe_path")
    if not path.is_file():
        return SubmittedFile(name, error="file not found", error_code="missing")
    try:
        results = (parse or _default_parse)(path)
    except OSError as exc:
        return SubmittedFile(name, error=f"unreadable: {exc.strerror or exc}", error_code="unreadable")
    refused = [r for r in results if r.error is not None]
    documents = [r.document for r in results if r.document is not None]
    if refused and not documents:
        return SubmittedFile(name, error=f"refused ({refused[0].error.code}): {refused[0].error.reason}",
                             error_code=refused[0].error.code)
    extracted = [extract(doc) for doc in documents]
    facts = None if all(f is None for f in extracted) else [fact for f in extracted for fact in f or []]
    return SubmittedFile(name, documents=documents, facts=facts)


def load_files(registration: Registration, base: Path, parse: Parse | None = None,
               cache: dict[str, SubmittedFile] | None = None) -> list[SubmittedFile]:
    """The registration's files under ``base``; ``cache`` shares parses between registrations."""
    files = []
    for name in registration.files:
        if cache is not None and name in cache:
            files.append(cache[name])
            continue
        loaded = load_file(base, name, parse)
        if cache is not None:
            cache[name] = loaded
        files.append(loaded)
    return files
