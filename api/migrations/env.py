"""Alembic environment: every domain's models share one metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import api.audit.models
import api.auth.models
import api.documents.models
import api.jobs  # noqa: F401
import ingest.models  # noqa: F401
import review.models
import review.segments.models  # noqa: F401
import scorecards.models  # noqa: F401
import similarity.models  # noqa: F401
from ingest.database import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        # SQLite cannot ALTER most things in place: batch mode rebuilds tables when needed.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
