"""The `amreview` command line.

Contract: with ``--json``/``--jsonl`` only JSON goes to stdout (progress and logs go to
stderr); a refused single file exits non-zero with a one-line reason on stderr; input
files are only ever read.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.console import emit as _emit
from api.console import fail as _fail
from api.integrity.cli import integrity_app
from api.scorecards.cli import choose_rubric, prefill_results, rubrics_app
from api.segments.cli import classify_file, classify_jsonl, segments_app

app = typer.Typer(help="amreview: document processing and review for the Maker China AM contest.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="User accounts and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(segments_app, name="segments")
app.add_typer(integrity_app, name="integrity")
app.add_typer(rubrics_app, name="rubrics")

_ACCEPTED = {".pdf", ".docx", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".zip"}


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the accepted files inside given folders (sorted, recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _ACCEPTED))
        else:
            files.append(path)
    return files


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="files or folders to parse")],
    as_json: Annotated[bool, typer.Option("--json", help="print one Document as JSON")] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="print one JSON line per document")] = False,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a usable text layer")] = True,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox",
                                          help="parse in a child process under time and memory limits")] = True,
) -> None:
    """Parse PDF, DOCX, image and ZIP files into the Document model."""
    from ingest.parse import ParseResult

    files = _expand(paths)
    if not files:
        _fail("no files to parse")
    if as_json and (len(files) > 1 or paths[0].is_dir()):
        _fail("--json takes one file; use --jsonl for several")
    run = _parser(ocr, sandbox)
    if as_jsonl or not as_json:
        _parse_many(files, run, as_jsonl)
        return
    if not files[0].is_file():
        _fail(f"{files[0]}: no such file")
    results: list[ParseResult] = run(files[0])
    if len(results) == 1:
        result = results[0]
        if result.error is not None:
            _fail(f"{files[0]}: refused ({result.error.code}): {result.error.reason}")
        _emit(result.as_dict())
        return
    _emit({"file": str(files[0]), "members": [r.as_dict() for r in results]})


def _parser(ocr: bool, sandbox: bool):  # type: ignore[no-untyped-def]
    from ingest.limits import DEFAULT_LIMITS
    from ingest.parse import ParseResult, iter_parse, parse_path
    from ingest.sandbox import SandboxedParser

    if not sandbox:
        return lambda path: parse_path(path, ocr=ocr)
    parser = SandboxedParser()

    def run(path: Path) -> list[ParseResult]:
        if path.stat().st_size > DEFAULT_LIMITS.max_bytes:
            return parse_path(path, ocr=ocr)  # refused by size without being read
        results = parser.parse(path.read_bytes(), str(path), ocr=ocr)
        return results if results else list(iter_parse(b"", str(path)))

    return run


def _parse_one(path: Path, ocr: bool, sandbox: bool) -> list:  # type: ignore[type-arg]
    """One file's parse results (a ZIP: one per member); a missing, unreadable or refused file ends the command."""
    if not path.is_file():
        _fail(f"{path}: no such file")
    try:
        results = _parser(ocr, sandbox)(path)
    except OSError as exc:
        _fail(f"{path}: unreadable: {exc.strerror or exc}")
    if len(results) == 1 and results[0].error is not None:
        _fail(f"{path}: refused ({results[0].error.code}): {results[0].error.reason}")
    return results


def _parse_many(files: list[Path], run, as_jsonl: bool) -> None:  # type: ignore[no-untyped-def]
    from ingest.errors import Refused
    from ingest.parse import ParseResult

    with typer.progressbar(files, label="parsing", file=sys.stderr) as progress:
        for path in progress:
            try:
                results = run(path) if path.exists() else [
                    ParseResult(str(path), error=Refused("missing", "no such file"))]
            except OSError as exc:
                results = [ParseResult(str(path), error=Refused("unreadable", str(exc)))]
            for result in results:
                if as_jsonl:
                    _emit(result.as_dict())
                else:
                    _summarise(result)


def _summarise(result) -> None:  # type: ignore[no-untyped-def]
    if result.error is not None:
        typer.echo(f"{result.name}: refused ({result.error.code}): {result.error.reason}")
        return
    doc = result.document
    typer.echo(f"{result.name}: {doc.media_type}, {len(doc.pages)} pages ({len(doc.ocr_pages)} OCR), "
               f"{len(doc.blocks)} blocks, {len(doc.tables)} tables, {len(doc.text)} characters")


@app.command()
def facts(
    path: Annotated[Path, typer.Argument(help="a PDF, DOCX, image or ZIP file")],
    as_json: Annotated[bool, typer.Option("--json", help="print {\"facts\": [...]} as JSON")] = False,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a usable text layer")] = True,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox",
                                          help="parse in a child process under time and memory limits")] = True,
) -> None:
    """Extract facts (company, USCC, dates, money, head count, people, patents…) with their pages and spans."""
    from ingest.facts import extract_facts

    results = _parse_one(path, ocr, sandbox)
    found = [(r.name, [f.to_json() for f in extract_facts(r.document)] if r.document else None, r) for r in results]
    if as_json:
        _emit({"facts": found[0][1]} if len(found) == 1 else {"file": str(path), "members": [
            {"file": name, "facts": items} if items is not None else r.as_dict() for name, items, r in found]})
        return
    for name, items, result in found:
        if items is None:
            typer.echo(f"{name}: refused ({result.error.code}): {result.error.reason}")
        for item in items or []:
            typer.echo(f"{name} p.{item['page']} {item['kind']}: {item['value']} «{item['text']}»")


@app.command()
def prefill(
    path: Annotated[Path, typer.Argument(help="a business plan: PDF, DOCX, image (or a ZIP of them)")],
    rubric: Annotated[str | None, typer.Option("--rubric", help="a default rubric's name or a rubric YAML file")]
    = None,
    group: Annotated[str | None, typer.Option("--group", help="enterprise or startup: that group's default rubric")]
    = None,
    round_: Annotated[str, typer.Option("--round", help="preliminary or final (with --group)")] = "preliminary",
    lang: Annotated[str, typer.Option("--lang", help="zh or en: criterion names and questions")] = "zh",
    as_json: Annotated[bool, typer.Option("--json", help='print {"criteria": [...], "summary": [...]}')] = False,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a usable text layer")] = True,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox",
                                          help="parse in a child process under time and memory limits")] = True,
) -> None:
    """Pre-fill a scorecard: per criterion, cited sentences (page and span), facts and suggested questions."""
    if group is not None and group not in ("enterprise", "startup"):
        _fail("--group must be enterprise or startup")
    if round_ not in ("preliminary", "final") or lang not in ("zh", "en"):
        _fail("--round must be preliminary or final, --lang zh or en")
    chosen = choose_rubric(rubric, group, round_)
    prefill_results(path, _parse_one(path, ocr, sandbox), chosen, lang, as_json)


@app.command()
def classify(
    path: Annotated[Path | None, typer.Argument(help="a PDF, DOCX (or ZIP of them) to classify")] = None,
    jsonl: Annotated[Path | None, typer.Option("--jsonl", help='JSON Lines {"id", "text"}: one result line each')]
    = None,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a usable text layer")] = True,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox",
                                          help="parse in a child process under time and memory limits")] = True,
) -> None:
    """Sort texts or a document into the seven segments: scores for all, primary, secondary, evidence."""
    if (path is None) == (jsonl is None):
        _fail("give a FILE or --jsonl IN.jsonl")
    source = jsonl or path
    assert source is not None
    if not source.is_file():
        _fail(f"{source}: no such file")
    if jsonl is not None:
        classify_jsonl(jsonl)
    else:
        classify_file(source, _parser(ocr, sandbox))


@app.command()
def align(
    source: Annotated[Path | None, typer.Argument(help="the source text (UTF-8)")] = None,
    suspicious: Annotated[Path | None, typer.Argument(help="the suspicious text (UTF-8)")] = None,
    pairs: Annotated[Path | None, typer.Option("--pairs", help='JSON Lines {"id", "source", "suspicious"}')] = None,
    as_json: Annotated[bool, typer.Option("--json", help='print {"matches": [...]}')] = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="with --pairs: one line per pair")] = False,
) -> None:
    """The passages a suspicious text shares with a source: character ranges of each, with a score."""
    from similarity.cli import align_files, align_pairs

    if pairs is not None:
        if not pairs.is_file():
            _fail(f"{pairs}: no such file")
        align_pairs(pairs)
        return
    if source is None or suspicious is None:
        _fail("give SOURCE and SUSPICIOUS, or --pairs PAIRS.jsonl")
    for path in (source, suspicious):
        if not path.is_file():
            _fail(f"{path}: no such file")
    try:
        result = align_files(source, suspicious)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"unreadable: {exc}")
    if as_json or as_jsonl:
        _emit(result)
        return
    for match in result["matches"]:
        typer.echo(f"source {match['source']} ~ suspicious {match['suspicious']} ({match['score']:.2f})")


@app.command()
def dedup(
    docs: Annotated[Path, typer.Argument(help='JSON Lines {"id", "text"}, UTF-8')],
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help='print one {"a", "b", "similarity"} line per pair')]
    = False,
    threshold: Annotated[float, typer.Option("--threshold", help="least exact Jaccard resemblance, in (0, 1]")]
    = 0.5,
) -> None:
    """Near-duplicate pairs among many texts: MinHash LSH candidates, each verified exactly."""
    from similarity.cli import dedup_file
    from similarity.dedup import DedupError

    if not 0 < threshold <= 1:
        _fail(f"--threshold must be in (0, 1], not {threshold}")
    if not docs.is_file():
        _fail(f"{docs}: no such file")
    try:
        dedup_file(docs, threshold)  # the same JSON lines with or without --jsonl: they are the readable form too
    except DedupError as exc:
        _fail(str(exc))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Serve the web pages and the REST API (AMREVIEW_DATA_DIR, AMREVIEW_DATABASE_URL honoured)."""
    import uvicorn

    from api.app import create_app

    typer.echo(f"amreview: serving on http://{host}:{port}/ (data in {_data_dir()})", err=True)
    # Keep-alive longer than a reverse proxy's idle timeout (nginx: 60 s), so the server never
    # closes a connection the proxy or a browser is about to reuse.
    uvicorn.run(create_app(), host=host, port=port, log_level="info", timeout_keep_alive=65)


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="RQ worker name (default: amreview-HOST-PID)")] = None,
    burst: Annotated[bool, typer.Option("--burst", help="quit once the queue is empty")] = False,
) -> None:
    """Run background jobs from Redis (AMREVIEW_REDIS_URL) and recover jobs whose worker died."""
    from ingest.settings import load_settings

    if not load_settings().redis_url:
        _fail("AMREVIEW_REDIS_URL is not set: a worker takes its jobs from Redis")
    from api.worker import run_worker

    typer.echo(f"amreview: worker on {load_settings().redis_url} (data in {_data_dir()})", err=True)
    run_worker(name, burst=burst)


@app.command()
def demo(
    plans: Annotated[int, typer.Option(help="business plans to generate (two per segment by default)")] = 14,
    scanned: Annotated[int, typer.Option(help="how many of them are scanned PDFs (OCR)")] = 2,
    wait: Annotated[bool, typer.Option("--wait/--no-wait",
                                       help="parse now, or leave the jobs queued for `amreview serve`")] = True,
) -> None:
    """Load the demo contest: generated Chinese business plans as PDF, DOCX and scans."""
    from api.demo.load import load_demo

    summary = load_demo(plan_count=plans, scanned=scanned, wait=wait, progress=lambda m: typer.echo(m, err=True))
    typer.echo(json.dumps(summary, ensure_ascii=False))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest revision."""
    from api.migrate import upgrade

    upgrade()
    typer.echo("amreview: database schema is up to date", err=True)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="the user name to sign in with")],
    role: Annotated[str, typer.Option(help="admin, reviewer, judge or integrity")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="read the password from standard input")] = False,
    display_name: Annotated[str, typer.Option(help="the person's name as shown in the pages")] = "",
) -> None:
    """Create a user account (the password is read from stdin, never from the command line)."""
    from api.audit.service import record
    from api.auth.service import AuthError, create_user
    from api.migrate import upgrade
    from ingest.database import session_scope

    if not password_stdin:
        _fail("pass --password-stdin and give the password on standard input")
    password = sys.stdin.readline().rstrip("\r\n")
    upgrade()
    try:
        with session_scope() as session:
            user = create_user(session, name, role, password, display_name)
            record(session, None, "user_created", "user", user.id, username="cli", username_created=user.username,
                   role=user.role)
    except AuthError as refusal:
        _fail(refusal.message)
    typer.echo(f"amreview: user {name} ({role}) created", err=True)


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="the user to issue a token for")],
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Print a new API token for the user on stdout (shown this once; stored only hashed)."""
    from api.audit.service import record
    from api.auth.service import find_user, issue_token
    from api.migrate import upgrade
    from ingest.database import session_scope

    upgrade()
    with session_scope() as session:
        user = find_user(session, name)
        if user is None or not user.active:
            _fail(f"no active user {name}")
            return
        token, plaintext = issue_token(session, user, label)
        record(session, None, "token_created", "token", token.id, username="cli", owner=user.username)
    sys.stdout.write(plaintext + "\n")


@users_app.command("list")
def users_list() -> None:
    """List the accounts as JSON lines."""
    from sqlalchemy import select

    from api.auth.models import User
    from api.migrate import upgrade
    from ingest.database import session_scope

    upgrade()
    with session_scope() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            _emit({"username": user.username, "role": user.role, "active": user.active,
                   "display_name": user.display_name})


@app.command()
def check(
    registrations: Annotated[Path, typer.Argument(help="registrations: JSON Lines, CSV or XLSX")],
    more_lists: Annotated[list[Path] | None, typer.Argument(hidden=True, show_default=False,
                                                            help="more past lists after --past-lists")] = None,
    files: Annotated[Path | None, typer.Option("--files", help="folder the registrations' files are in")] = None,
    past_lists: Annotated[list[Path] | None, typer.Option("--past-lists",
                                                          help="past 500强/300强 lists, CSV or XLSX")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="rule overrides, YAML or JSON")] = None,
    database: Annotated[bool, typer.Option("--db/--no-db",
                                           help="also compare with the teams and lists in the database")] = True,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="print one JSON line per registration")] = False,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR pages without a usable text layer")] = True,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox", help="parse files in a child process")] = True,
) -> None:
    """Check registrations against the eligibility rules: one verdict per registration."""
    from review.eligibility import check_batch

    if more_lists and not past_lists:
        _fail("one registrations file; several past lists go after --past-lists")
    overrides = _check_overrides(rules)
    regs = _check_registrations(registrations)
    entries = _check_past_lists([*(past_lists or []), *(more_lists or [])])
    teams, stored_entries, contest_rules = _check_database(regs) if database else ([], [], {})
    config_for = _check_configs(overrides, contest_rules)
    files_for = _check_files(files, ocr, sandbox) if files is not None else None
    for outcome in check_batch(regs, config=config_for, files=files_for, past_lists=[*stored_entries, *entries],
                               other_teams=teams):
        payload = outcome.to_json()
        if as_jsonl:
            _emit(payload)
        else:
            problems = [f"{r['rule']} {r['status']}" for r in payload["rules"] if r["status"] in ("fail", "unknown")]
            typer.echo(f"{outcome.id}: {outcome.verdict} (risk {outcome.risk}){': ' if problems else ''}"
                       f"{', '.join(problems)}")


def _check_overrides(path: Path | None) -> dict | None:  # type: ignore[type-arg]
    import yaml

    from review.eligibility import ConfigError, load_config

    if path is None:
        return None
    try:
        overrides = yaml.safe_load(path.read_text(encoding="utf-8"))
        load_config(overrides)
    except (OSError, yaml.YAMLError, ConfigError) as exc:
        _fail(f"{path}: {exc}")
    return overrides


def _check_registrations(path: Path) -> list:  # type: ignore[type-arg]
    from ingest.settings import load_settings
    from review.registrations import RegistrationFileError, read_registrations

    try:
        result = read_registrations(path, key=load_settings().secret_key())
    except (OSError, RegistrationFileError) as exc:
        _fail(f"{path}: {exc.strerror if isinstance(exc, OSError) else exc}")
    for error in result.errors:
        typer.echo(f"amreview: {path}: {error}", err=True)
    return result.registrations


def _check_past_lists(paths: list[Path]) -> list:  # type: ignore[type-arg]
    from review.toplists import PastListError, read_past_list

    entries = []
    for path in paths:
        try:
            result = read_past_list(path)
        except (OSError, PastListError) as exc:
            _fail(f"{path}: {exc.strerror if isinstance(exc, OSError) else exc}")
        for error in result.errors:
            typer.echo(f"amreview: {path}: {error}", err=True)
        entries.extend(result.entries)
    return entries


def _check_database(regs: list) -> tuple[list, list, dict]:  # type: ignore[type-arg]
    """Stored teams of the same editions, stored past lists and contests' rules; nothing if there is no database."""
    from sqlalchemy.exc import SQLAlchemyError

    from ingest.database import database_url, session_scope
    from review.eligibility import load_teams
    from review.eligibility.config import load_contest_rules
    from review.toplists import load_past_entries

    url = database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return [], [], {}  # no database yet: never create one just to look
    try:
        with session_scope() as session:
            teams = load_teams(session, {r.contest.edition for r in regs})
            return teams, load_past_entries(session), load_contest_rules(session)
    except SQLAlchemyError as exc:
        typer.echo(f"amreview: database not used ({type(exc).__name__}); checking the input alone", err=True)
        return [], [], {}


def _check_configs(overrides: dict | None, contest_rules: dict):  # type: ignore[no-untyped-def, type-arg]
    """Each registration's configuration: defaults, its contest's stored rules, then --rules."""
    from review.eligibility import ConfigError, load_config

    cache: dict = {}  # type: ignore[type-arg]

    def config_for(registration):  # type: ignore[no-untyped-def]
        key = (registration.contest.name, registration.contest.edition, registration.contest.year)
        if key not in cache:
            try:
                cache[key] = load_config(contest_rules.get(key), overrides)
            except ConfigError as exc:
                typer.echo(f"amreview: contest {key[0]} rules ignored: {exc}", err=True)
                cache[key] = load_config(overrides)
        return cache[key]

    return config_for


def _check_files(folder: Path, ocr: bool, sandbox: bool):  # type: ignore[no-untyped-def]
    from review.eligibility.documents import load_files

    if not folder.is_dir():
        _fail(f"{folder}: no such folder")
    parse, cache = _parser(ocr, sandbox), {}
    return lambda registration: load_files(registration, folder, parse, cache)


def _data_dir() -> str:
    from ingest.settings import load_settings

    return str(load_settings().data_dir)


def main() -> None:
    logging.basicConfig(level=os.environ.get("AMREVIEW_LOG_LEVEL", "WARNING"), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
