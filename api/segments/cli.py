"""``amreview classify`` and ``amreview segments evaluate|retrain|restore``.

Contract (``--jsonl``): one output line per input line, in order, even for a line that is not JSON
or has no text (it gets ``{"id", "error"}``), so outputs can be zipped with inputs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from api.console import emit as _emit
from api.console import fail as _fail

segments_app = typer.Typer(help="The seven-segment classifier: evaluate, retrain, restore.", no_args_is_help=True)
BATCH = 256


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, object or None, error) for every non-blank line."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: not JSON ({exc.msg})"
                continue
            yield (number, row, "") if isinstance(row, dict) else (number, None, f"line {number}: not an object")


def classify_jsonl(path: Path) -> None:
    from review.segments.service import classifier

    model = classifier()
    batch: list[tuple[Any, str | None, str]] = []  # (id, text or None, error)

    def flush() -> None:
        texts = [text for _, text, _ in batch if text is not None]
        results = iter(model.classify_texts(texts))
        for ident, text, error in batch:
            _emit({"id": ident, **next(results).to_json()} if text is not None else {"id": ident, "error": error})
        batch.clear()

    for number, row, error in _lines(path):
        if row is None:
            batch.append((None, None, error))
        elif not isinstance(row.get("text"), str):
            batch.append((row.get("id"), None, f"line {number}: no text"))
        else:
            batch.append((row.get("id"), row["text"], ""))
        if len(batch) >= BATCH:
            flush()
    flush()


def classify_file(path: Path, parse) -> None:  # type: ignore[no-untyped-def]
    """A PDF/DOCX (or each document of a ZIP): one line each, spans into the text ``amreview parse`` prints."""
    from review.segments.service import classifier

    try:
        results = parse(path)
    except OSError as exc:
        _fail(f"{path}: unreadable: {exc.strerror or exc}")
    if len(results) == 1 and results[0].error is not None:
        _fail(f"{path}: refused ({results[0].error.code}): {results[0].error.reason}")
    model = classifier()
    for result in results:
        if result.document is None:
            _emit({"id": result.name, "error": f"refused ({result.error.code}): {result.error.reason}"})
        else:
            _emit({"id": result.name, **model.classify_document(result.document).to_json()})


def _labelled(path: Path) -> tuple[list[str], list[int], list[str]]:
    from review.segments.catalogue import SEGMENT_IDS
    from review.segments.classifier import language

    texts, labels, languages = [], [], []
    for number, row, error in _lines(path):
        if row is None:
            _fail(f"{path}: {error}")
        if not isinstance(row.get("text"), str) or row.get("segment") not in SEGMENT_IDS:
            _fail(f"{path}: line {number}: needs a text and a segment 1–7")
        texts.append(row["text"])
        labels.append(SEGMENT_IDS.index(row["segment"]))
        languages.append(row.get("lang") or language(row["text"]))
    if not texts:
        _fail(f"{path}: no labelled texts")
    return texts, labels, languages


@segments_app.command("evaluate")
def evaluate(
    path: Annotated[Path, typer.Argument(help='labelled texts, JSON Lines {"text", "segment"}')],
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Macro-F1, accuracy, top-2 accuracy and the confusion matrix, overall and per language."""
    import numpy as np

    from review.segments.evaluate import figures_by_language
    from review.segments.service import classifier

    if not path.is_file():
        _fail(f"{path}: no such file")
    texts, labels, languages = _labelled(path)
    results = classifier().classify_texts(texts)
    probabilities = np.array([[dict(r.scores)[s] for s in range(1, 8)] for r in results])
    report = figures_by_language(np.array(labels), probabilities, languages)
    if as_json:
        _emit({lang: f.summary() for lang, f in report.items()})
        return
    for lang, figures in report.items():
        typer.echo(figures.render(f"[{lang}] ") + "\n")


@segments_app.command("retrain")
def retrain(
    force: Annotated[bool, typer.Option("--force", help="replace the live model even if it cross-validates worse")]
    = False,
) -> None:
    """Rebuild the model from the shipped corpus and every stored correction; the live one is kept as previous."""
    from review.segments.service import retrain as run

    report = run(force=force)
    card = report.card
    typer.echo(f"trained on {card['examples']} texts ({card['corrections']} corrections); cross-validated:")
    for lang, figures in card["cross_validated"].items():
        old = ((report.previous or {}).get("cross_validated") or {}).get(lang)
        was = f"  (live: macro-F1 {old['macro_f1']:.3f}, top-2 {old['top2']:.3f})" if old else ""
        typer.echo(f"  {lang}: {figures['count']} texts, macro-F1 {figures['macro_f1']:.3f}, accuracy "
                   f"{figures['accuracy']:.3f}, top-2 {figures['top2']:.3f}{was}")
    typer.echo(report.reason)
    if not report.replaced:
        raise typer.Exit(1)


@segments_app.command("restore")
def restore() -> None:
    """Make the previous model live again (and the live one previous)."""
    from ingest.settings import load_settings
    from review.segments import store

    if not store.restore_previous(store.model_dir(load_settings().data_dir)):
        _fail("there is no previous model")
    typer.echo("amreview: the previous segment model is live again", err=True)
