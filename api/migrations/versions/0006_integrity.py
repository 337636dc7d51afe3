"""integrity: fingerprints, reference texts, entity keys, pairs, cases, findings

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrity_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finding", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("integrity_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrity_cases_score"), ["score"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrity_cases_status"), ["status"], unique=False)

    op.create_table(
        "integrity_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("finding", sa.String(length=24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("at_fault", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["integrity_cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("integrity_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrity_findings_case_id"), ["case_id"], unique=False)

    op.create_table(
        "integrity_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a", sa.String(length=32), nullable=False),
        sa.Column("b", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("resemblance", sa.Float(), nullable=False),
        sa.Column("a_share", sa.Float(), nullable=False),
        sa.Column("b_share", sa.Float(), nullable=False),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("a_document_id", sa.Integer(), nullable=True),
        sa.Column("b_document_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["a_document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["b_document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_id"], ["integrity_cases.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("a", "b"),
    )
    with op.batch_alter_table("integrity_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrity_pairs_a"), ["a"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrity_pairs_b"), ["b"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrity_pairs_case_id"), ["case_id"], unique=False)

    op.create_table(
        "similarity_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "integrity_entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("integrity_entities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrity_entities_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_integrity_entities_value"), ["value"], unique=False)

    op.create_table(
        "similarity_fingerprints",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("reference_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("shingles", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reference_id"], ["similarity_references.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("similarity_fingerprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similarity_fingerprints_reference_id"), ["reference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similarity_fingerprints_submission_id"), ["submission_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("similarity_fingerprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similarity_fingerprints_submission_id"))
        batch_op.drop_index(batch_op.f("ix_similarity_fingerprints_reference_id"))

    op.drop_table("similarity_fingerprints")
    with op.batch_alter_table("integrity_entities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_entities_value"))
        batch_op.drop_index(batch_op.f("ix_integrity_entities_submission_id"))

    op.drop_table("integrity_entities")
    op.drop_table("similarity_references")
    with op.batch_alter_table("integrity_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_pairs_case_id"))
        batch_op.drop_index(batch_op.f("ix_integrity_pairs_b"))
        batch_op.drop_index(batch_op.f("ix_integrity_pairs_a"))

    op.drop_table("integrity_pairs")
    with op.batch_alter_table("integrity_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_findings_case_id"))

    op.drop_table("integrity_findings")
    with op.batch_alter_table("integrity_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_cases_status"))
        batch_op.drop_index(batch_op.f("ix_integrity_cases_score"))

    op.drop_table("integrity_cases")
