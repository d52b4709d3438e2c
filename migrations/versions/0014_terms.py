"""The term plan's application round: terms, priority classes, applications and their
sections (issue 11).

Revision ID: 0014
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("applications_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applications_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("starts_on < ends_on", name=op.f("ck_term_dates")),
        sa.CheckConstraint("applications_from < applications_until",
                           name=op.f("ck_term_application_period")),
        sa.CheckConstraint("status IN ('draft', 'open', 'allocating', 'published', 'closed')",
                           name=op.f("ck_term_status")),
        sa.ForeignKeyConstraint(["centre_id"], ["centre.id"], name=op.f("fk_term_centre_id_centre")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term")),
    )
    op.create_index(op.f("ix_term_centre_id"), "term", ["centre_id"])
    op.create_table(
        "priority_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.CheckConstraint("rank BETWEEN 1 AND 20", name=op.f("ck_priority_class_rank_range")),
        sa.ForeignKeyConstraint(["centre_id"], ["centre.id"],
                                name=op.f("fk_priority_class_centre_id_centre")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_class")),
        sa.UniqueConstraint("centre_id", "rank", name=op.f("uq_priority_class_centre_id")),
    )
    op.create_index(op.f("ix_priority_class_centre_id"), "priority_class", ["centre_id"])
    op.create_table(
        "term_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("non_profit", sa.Boolean(), nullable=False),
        sa.Column("from_district", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('submitted', 'withdrawn')",
                           name=op.f("ck_term_application_status")),
        sa.ForeignKeyConstraint(["applicant_id"], ["person.id"], ondelete="SET NULL",
                                name=op.f("fk_term_application_applicant_id_person")),
        sa.ForeignKeyConstraint(["group_id"], ["organisation.id"],
                                name=op.f("fk_term_application_group_id_organisation")),
        sa.ForeignKeyConstraint(["term_id"], ["term.id"], ondelete="CASCADE",
                                name=op.f("fk_term_application_term_id_term")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_application")),
    )
    op.create_index(op.f("ix_term_application_term_id"), "term_application", ["term_id"])
    op.create_index(op.f("ix_term_application_group_id"), "term_application", ["group_id"])
    op.create_table(
        "term_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("theme", sa.String(length=30), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("age_groups", sa.JSON(), nullable=False),
        sa.Column("expected_people", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("staffed", sa.Boolean(), nullable=False),
        sa.Column("self_managed", sa.Boolean(), nullable=False),
        sa.Column("min_minutes", sa.Integer(), nullable=False),
        sa.Column("max_minutes", sa.Integer(), nullable=False),
        sa.Column("meetings_per_week", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("month_weeks", sa.JSON(), nullable=False),
        sa.Column("allowed_windows", sa.JSON(), nullable=False),
        sa.Column("preferred_windows", sa.JSON(), nullable=False),
        sa.Column("room_ids", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("min_minutes > 0 AND min_minutes <= max_minutes",
                           name=op.f("ck_term_section_duration")),
        sa.CheckConstraint("max_minutes <= 720", name=op.f("ck_term_section_max_duration")),
        sa.CheckConstraint("meetings_per_week BETWEEN 1 AND 3",
                           name=op.f("ck_term_section_meetings")),
        sa.CheckConstraint("expected_people > 0", name=op.f("ck_term_section_people")),
        sa.CheckConstraint("frequency IN ('weekly', 'fortnightly', 'monthly')",
                           name=op.f("ck_term_section_frequency")),
        sa.CheckConstraint("status IN ('requested', 'rejected', 'allocated', 'refused')",
                           name=op.f("ck_term_section_status")),
        sa.ForeignKeyConstraint(["application_id"], ["term_application.id"], ondelete="CASCADE",
                                name=op.f("fk_term_section_application_id_term_application")),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"],
                                name=op.f("fk_term_section_offer_id_offer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_section")),
    )
    op.create_index(op.f("ix_term_section_application_id"), "term_section", ["application_id"])


def downgrade() -> None:
    op.drop_table("term_section")
    op.drop_table("term_application")
    op.drop_table("priority_class")
    op.drop_table("term")
