"""qualification review: registration fields on submissions, team members, past lists, decisions, facts

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("contests", sa.Column("rules", sa.JSON(), nullable=True))
    op.add_column("documents", sa.Column("facts", sa.JSON(), nullable=True))
    op.add_column("submission_files", sa.Column("name", sa.String(length=512), nullable=True))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("uscc", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("applicant_key", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("registration", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("risk", sa.Float(), nullable=True))
        batch.add_column(sa.Column("checks", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("decision", sa.String(length=16), nullable=True))
        batch.create_index("ix_submissions_uscc", ["uscc"])
        batch.create_index("ix_submissions_applicant_key", ["applicant_key"])
        batch.create_index("ix_submissions_verdict", ["verdict"])
        batch.create_index("ix_submissions_decision", ["decision"])
    op.create_table(
        "team_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("core", sa.Boolean(), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=True),
        sa.Column("id_masked", sa.String(length=32), nullable=True),
        sa.Column("id_valid", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_members_submission_id", "team_members", ["submission_id"])
    op.create_index("ix_team_members_id_hash", "team_members", ["id_hash"])
    op.create_table(
        "past_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=100), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("project", sa.String(length=300), nullable=True),
        sa.Column("applicant", sa.String(length=300), nullable=True),
        sa.Column("applicant_key", sa.String(length=300), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_past_list_entries_year", "past_list_entries", ["year"])
    op.create_index("ix_past_list_entries_applicant_key", "past_list_entries", ["applicant_key"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_review_decisions_submission_id", "review_decisions", ["submission_id"])


def downgrade() -> None:
    op.drop_table("review_decisions")
    op.drop_table("past_list_entries")
    op.drop_table("team_members")
    with op.batch_alter_table("submissions") as batch:
        for index in ("decision", "verdict", "applicant_key", "uscc"):
            batch.drop_index(f"ix_submissions_{index}")
        for column in ("decision", "checked_at", "checks", "risk", "verdict", "registration", "applicant_key", "uscc"):
            batch.drop_column(column)
    op.drop_column("submission_files", "name")
    op.drop_column("documents", "facts")
    op.drop_column("contests", "rules")
