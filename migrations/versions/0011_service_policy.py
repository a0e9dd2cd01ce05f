"""service_policy: the service's booking rules set by an administrator (the late-cancellation window)

One row, created with the defaults on first use (services/desk/policy.py): late_cancel_hours, the hours before
an appointment's start inside which a cancellation is recorded as late (24 by default).

Revision ID: 0011_service_policy
Revises: 0010_fk_indexes
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa

import caseload.models.types


revision = '0011_service_policy'
down_revision = '0010_fk_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('late_cancel_hours', sa.Integer(), nullable=False),
    sa.Column('updated_at', caseload.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_service_policy_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_policy'))
    )
    with op.batch_alter_table('service_policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_policy_updated_by_id'), ['updated_by_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_policy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_policy_updated_by_id'))
    op.drop_table('service_policy')
