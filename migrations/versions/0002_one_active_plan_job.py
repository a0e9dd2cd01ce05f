"""one active planning job per team and week (partial unique index)

Revision ID: 0002_one_active_plan_job
Revises: 0002_client_ref_per_team
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_one_active_plan_job'
down_revision = '0002_client_ref_per_team'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    # Before the index existed two runs of one week could both be active: keep the newest, fail the others.
    op.execute(sa.text(
        "UPDATE solve_jobs SET status = 'failed', "
        "message = 'Stopped: another planning run of this week was started at the same moment.' "
        f"WHERE {ACTIVE} AND id < (SELECT max(newer.id) FROM solve_jobs newer WHERE newer.team_id = solve_jobs.team_id "
        f"AND newer.week_start = solve_jobs.week_start AND newer.{ACTIVE})"))
    op.create_index('uq_solve_jobs_one_active_per_week', 'solve_jobs', ['team_id', 'week_start'], unique=True,
                    sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))


def downgrade() -> None:
    op.drop_index('uq_solve_jobs_one_active_per_week', table_name='solve_jobs')
