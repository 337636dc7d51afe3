"""scorecards: judge profiles, conflicts, scorecards, round entries, rubric versions

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judge_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=True),
        sa.Column("uscc", sa.String(length=32), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("segments", sa.JSON(), nullable=True),
        sa.Column("expertise", sa.String(length=16), nullable=False),
        sa.Column("declared", sa.JSON(), nullable=True),
        sa.Column("max_load", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "rubric_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contest_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=16), nullable=False),
        sa.Column("round", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contest_id"], ["contests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contest_id", "name", "version", name="uq_rubric_contest_name_version"),
    )
    with op.batch_alter_table("rubric_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rubric_versions_contest_id"), ["contest_id"], unique=False)

    op.create_table(
        "judge_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["judge_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("judge_id", "submission_id", "kind", name="uq_conflict_judge_entry_kind"),
    )
    with op.batch_alter_table("judge_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judge_conflicts_judge_id"), ["judge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_judge_conflicts_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "round_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "round", name="uq_round_entry"),
    )
    with op.batch_alter_table("round_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_entries_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("judge_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=16), nullable=False),
        sa.Column("rubric", sa.String(length=64), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["judge_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "judge_id", "round", name="uq_scorecard_entry_judge_round"),
    )
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecards_judge_id"), ["judge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecards_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecards_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecards_submission_id"))
        batch_op.drop_index(batch_op.f("ix_scorecards_status"))
        batch_op.drop_index(batch_op.f("ix_scorecards_judge_id"))

    op.drop_table("scorecards")
    with op.batch_alter_table("round_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_entries_submission_id"))

    op.drop_table("round_entries")
    with op.batch_alter_table("judge_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judge_conflicts_submission_id"))
        batch_op.drop_index(batch_op.f("ix_judge_conflicts_judge_id"))

    op.drop_table("judge_conflicts")
    with op.batch_alter_table("rubric_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rubric_versions_contest_id"))

    op.drop_table("rubric_versions")
    op.drop_table("judge_profiles")
