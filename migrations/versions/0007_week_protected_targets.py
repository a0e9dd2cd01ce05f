"""one week's protected-time target for an advisor, overriding the standing target for that week

Revision ID: 0007_week_protected_targets
Revises: 0006_booking_series
Create Date: 2026-11-29 17:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_week_protected_targets'
down_revision = '0006_booking_series'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('week_protected_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['advisors.id'], name=op.f('fk_week_protected_targets_advisor_id_advisors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_week_protected_targets')),
    sa.UniqueConstraint('advisor_id', 'week_start', name='one_target_per_advisor_week')
    )
    with op.batch_alter_table('week_protected_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_week_protected_targets_advisor_id'), ['advisor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('week_protected_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_week_protected_targets_advisor_id'))
    op.drop_table('week_protected_targets')
