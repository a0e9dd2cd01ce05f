"""versions on absences and advisors: an edit made from an old copy is a 409, not a lost change

Revision ID: 0008_absence_advisor_versions
Revises: 0007_week_protected_targets
Create Date: 2026-11-29 18:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_absence_advisor_versions'
down_revision = '0007_week_protected_targets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('absences', 'advisors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    for table in ('advisors', 'absences'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version_id')
