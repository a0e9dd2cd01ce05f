"""service_policy.min_notice_hours: the booking desk's minimum notice (2 hours by default)

The desk's offers (pages, API, series) and bookings start no sooner than this many hours from now; without it
a new client's first meeting was offered for the slot that had just begun.

Revision ID: 0014_min_notice
Revises: 0013_edit_versions
Create Date: 2026-11-30 16:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_min_notice'
down_revision = '0013_edit_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_notice_hours', sa.Integer(), server_default='2', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('service_policy', schema=None) as batch_op:
        batch_op.drop_column('min_notice_hours')
