"""``amreview integrity rebuild|cases``: relearn common text and compare everything; list the cases.

``rebuild`` is what the admin's button queues, run in this process: after loading reference texts by
hand, after restoring a database (the on-disk index is derived data), or to rebuild a lost index.
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.console import emit

integrity_app = typer.Typer(help="Repeat entries and copying: rebuild the index, list the cases.",
                            no_args_is_help=True)


@integrity_app.command("rebuild")
def rebuild_command() -> None:
    """Learn common text, fingerprint and compare every plan and reference text again; print a summary."""
    from api.integrity import service
    from api.migrate import upgrade
    from ingest.database import session_scope
    from review import qualify

    upgrade()
    with session_scope() as session:
        report = service.rebuild(session)
    affected = report.pop("affected")
    qualify.check_stored(affected)
    emit({**report, "checked": len(affected)})


@integrity_app.command("cases")
def cases_command(kind: Annotated[str | None, typer.Option(help="repeat, copying, reference or mixed")] = None,
                  limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100) -> None:
    """The cases, most suspicious first, one JSON line each (members by registration number)."""
    from api.integrity import service
    from api.migrate import upgrade
    from ingest.database import session_scope

    upgrade()
    with session_scope() as session:
        for case in service.list_cases(session, kind=kind, limit=limit):
            emit({"id": case["id"], "kind": case["kind"], "score": case["score"], "status": case["status"],
                  "finding": case["finding"], "members": [m["code"] for m in case["members"]]})
