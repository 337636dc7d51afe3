"""What every command prints: JSON on stdout, a one-line reason on stderr and exit code 2 on refusal."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(reason: str) -> NoReturn:
    typer.echo(f"amreview: {reason}", err=True)
    raise typer.Exit(2)
