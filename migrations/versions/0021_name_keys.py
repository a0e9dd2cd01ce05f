"""clients.reference_key and teams.name_key: look-alike names unique in the database (models.name_keys)

values.name_key (stripped, without ZWNJ/ZWJ, folded over all of Unicode) of each client's reference and each
team's name, under unique indexes on (team_id, reference_key) and (name_key): a check before writing let two saves at
the same moment of "S1" and "s1" both through. Existing rows are filled here in Python (SQLite's lower(), and a
C-locale PostgreSQL's, fold A-Z only). Where rows stored before already look alike, the first (lowest id) gets
its key and the later ones keep NULL (UNIQUE admits many NULLs on both databases), so the upgrade never fails on
old data; `flask check-names` lists those rows, their key unset, to be retyped by hand.

Revision ID: 0021_name_keys
Revises: 0020_plan_made_by
Create Date: 2026-12-01 02:10:00
"""
from alembic import op
import sqlalchemy as sa

from caseload.values import name_key


revision = '0021_name_keys'
down_revision = '0020_plan_made_by'
branch_labels = None
depends_on = None


def _fill(table: str, group: str | None, source: str, key: str) -> None:
    """Set `key` of each row of `table` to name_key(`source`), the first row (by id) of a look-alike group within
    `group` (a column, or None: the whole table) only; the others keep NULL."""
    conn = op.get_bind()
    group_sql = group or "0"
    rows = conn.execute(sa.text(f"SELECT id, {group_sql}, {source} FROM {table} ORDER BY id"))
    taken, keys = set(), []
    for row_id, scope, value in rows:
        if value is None:
            continue
        pair = (scope, name_key(value))
        if pair not in taken:
            taken.add(pair)
            keys.append({"id": row_id, "key": pair[1]})
    if keys:
        conn.execute(sa.text(f"UPDATE {table} SET {key} = :key WHERE id = :id"), keys)


def upgrade() -> None:
    # Plain ADD COLUMN and unique indexes: no batch copy of the tables, which on SQLite would drop teams under the
    # rows that refer to it (foreign keys are on).
    op.add_column('clients', sa.Column('reference_key', sa.String(length=80), nullable=True))
    op.add_column('teams', sa.Column('name_key', sa.String(length=128), nullable=True))
    _fill('clients', 'team_id', 'reference', 'reference_key')
    _fill('teams', None, 'name', 'name_key')
    op.create_index('uq_clients_team_id_reference_key', 'clients', ['team_id', 'reference_key'], unique=True)
    op.create_index('uq_teams_name_key', 'teams', ['name_key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_teams_name_key', table_name='teams')
    op.drop_index('uq_clients_team_id_reference_key', table_name='clients')
    # Plain DROP COLUMN (SQLite 3.35 and later), for the same reason as the upgrade's ADD COLUMN.
    op.drop_column('teams', 'name_key')
    op.drop_column('clients', 'reference_key')
