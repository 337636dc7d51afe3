"""``amreview prefill``: a pre-filled scorecard of one business plan, and ``amreview rubrics``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from api.console import emit, fail

rubrics_app = typer.Typer(help="Scoring rubrics: list the defaults, check a rubric file.", no_args_is_help=True)


def choose_rubric(name: str | None, group: str | None, round_: str):  # type: ignore[no-untyped-def]
    """The rubric a command asked for: a default by name, a YAML file, or the group's default."""
    from scorecards.rubrics import RubricError, default_for, default_rubric, parse_rubric

    try:
        if name is None:
            return default_for(group or "enterprise", round_)
        path = Path(name)
        rubric = (parse_rubric(path.read_text(encoding="utf-8")) if path.suffix in (".yaml", ".yml")
                  else default_rubric(name))
    except (RubricError, OSError, UnicodeDecodeError) as exc:
        fail(f"rubric {name}: {exc}")
    if group is not None and rubric.group != group:
        fail(f"rubric {rubric.name} is for the {rubric.group} group, not {group}")
    return rubric


def prefill_results(path: Path, results: list, rubric, lang: str, as_json: bool) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Print the pre-fill of each parsed result (one document, or each member of a ZIP)."""
    from scorecards.prefill import prefill, rewriter_from_env

    rewriter = rewriter_from_env(lang)
    filled = [(r, prefill(r.document, rubric, lang=lang, rewriter=rewriter) if r.document else None)
              for r in results]
    if as_json:
        if len(filled) == 1:
            emit(_payload(filled[0][1], rewriter is not None))
        else:
            emit({"file": str(path), "members": [
                {"file": r.name, **_payload(p, rewriter is not None)} if p else r.as_dict() for r, p in filled]})
        return
    for result, card in filled:
        _print(result, card, lang)


def _payload(card, with_rewrites: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    payload = card.to_json()
    if with_rewrites:  # only when an LLM is configured: the contract's shape is otherwise exactly as written
        for item, criterion in zip(payload["criteria"], card.criteria, strict=True):
            item["rewrite"] = [{"text": c.text, "cites": list(c.cites)} for c in criterion.rewrite]
    return payload


def _print(result, card, lang: str) -> None:  # type: ignore[no-untyped-def]
    if card is None:
        typer.echo(f"{result.name}: refused ({result.error.code}): {result.error.reason}")
        return
    typer.echo(f"{result.name}: {card.rubric.title(lang)} ({card.rubric.name} v{card.rubric.version})")
    for criterion in card.criteria:
        typer.echo(f"\n{criterion.criterion.name(lang)} ({criterion.criterion.weight:g})")
        for cited in criterion.summary:
            typer.echo(f"  p.{cited.page}: {cited.text}")
        for fact in criterion.facts:
            typer.echo(f"  · p.{fact.page} {fact.kind}: {fact.value}")
        for question in criterion.questions:
            typer.echo(f"  ? {question}")


@rubrics_app.command("list")
def rubrics_list() -> None:
    """The shipped rubrics: name, group, round, criteria and weights."""
    from scorecards.rubrics import default_names, default_rubric

    for name in default_names():
        rubric = default_rubric(name)
        weights = ", ".join(f"{c.id} {c.weight:g}" for c in rubric.criteria)
        typer.echo(f"{name} v{rubric.version} ({rubric.group}, {rubric.round}): {weights}")


@rubrics_app.command("check")
def rubrics_check(path: Path) -> None:
    """Check a rubric YAML file; print it resolved (base merged) as JSON."""
    from scorecards.rubrics import RubricError, parse_rubric

    try:
        rubric = parse_rubric(path.read_text(encoding="utf-8"))
    except (RubricError, OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: {exc}")
    emit({"name": rubric.name, "version": rubric.version, "group": rubric.group, "round": rubric.round,
          "criteria": [{"id": c.id, "name": c.name.zh, "weight": c.weight, "min_score": c.min_score,
                        "max_score": c.max_score} for c in rubric.criteria]})
