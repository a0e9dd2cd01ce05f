"""closure_days: bank holidays and office closures (the whole service or one team)

A closed day gives the affected advisors no working time, so planning and the booking desk place nothing on it.

Revision ID: 0015_closure_days
Revises: 0014_min_notice
Create Date: 2026-11-30 17:10:00
"""
from alembic import op
import sqlalchemy as sa

import caseload.models.types


revision = '0015_closure_days'
down_revision = '0014_min_notice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'closure_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=120), nullable=False),
        sa.Column('created_at', caseload.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_closure_days_day', 'closure_days', ['day'])
    op.create_index('ix_closure_days_team_id', 'closure_days', ['team_id'])


def downgrade() -> None:
    op.drop_index('ix_closure_days_team_id', table_name='closure_days')
    op.drop_index('ix_closure_days_day', table_name='closure_days')
    op.drop_table('closure_days')
