"""closure_days.created_by_id: index the foreign key to users

Deleting a user sets created_by_id NULL on their closures (ON DELETE SET NULL); without an index that is a full
scan of closure_days for each deleted user.

Revision ID: 0016_closure_created_by_index
Revises: 0015_closure_days
Create Date: 2026-11-30 18:00:00
"""
from alembic import op


revision = '0016_closure_created_by_index'
down_revision = '0015_closure_days'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_closure_days_created_by_id', 'closure_days', ['created_by_id'])


def downgrade() -> None:
    op.drop_index('ix_closure_days_created_by_id', table_name='closure_days')
