"""closure_days: one closure per (day, team) and per (day, whole service), kept by the database

services/closures refuses a duplicate it can see; two requests closing the same day at the same moment could
both pass that check. Partial unique indexes (a NULL team_id is never equal in SQL, so the whole service's
days need their own) make the second insert fail, which the service answers as a duplicate (the API's 409).
Twins already saved are removed first, keeping the earliest (same day, same scope: nothing is lost).

Revision ID: 0018_closure_unique_days
Revises: 0017_kept_texts
Create Date: 2026-11-30 19:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_closure_unique_days'
down_revision = '0017_kept_texts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM closure_days WHERE id NOT IN (SELECT MIN(id) FROM closure_days "
               "GROUP BY day, COALESCE(team_id, 0))")
    op.create_index('uq_closure_days_team_day', 'closure_days', ['day', 'team_id'], unique=True,
                    sqlite_where=sa.text('team_id IS NOT NULL'), postgresql_where=sa.text('team_id IS NOT NULL'))
    op.create_index('uq_closure_days_service_day', 'closure_days', ['day'], unique=True,
                    sqlite_where=sa.text('team_id IS NULL'), postgresql_where=sa.text('team_id IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_closure_days_service_day', table_name='closure_days')
    op.drop_index('uq_closure_days_team_day', table_name='closure_days')
