"""planning jobs carry a heartbeat and the token of the run that claimed them

Revision ID: 0004_job_heartbeat
Revises: 0003_rate_limits
"""
from alembic import op
import sqlalchemy as sa
import caseload.models.types


revision = '0004_job_heartbeat'
down_revision = '0003_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', caseload.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('heartbeat_at')
