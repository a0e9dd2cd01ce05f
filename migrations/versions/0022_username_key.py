"""users.username_key: usernames that look alike are unique in the database (models.name_keys)

values.name_key (stripped, without ZWNJ/ZWJ, folded over all of Unicode) of each username, under a unique index:
users.create_user checked for a look-alike before writing, so two creates at the same moment of "alice" and
"Alice" both went through, and sign-in compared lower(username), which on SQLite and a C-locale PostgreSQL folds
A-Z only. Existing rows are filled here in Python, as 0021 filled teams.name_key: where usernames stored before
already look alike, the first (lowest id) gets its key and the later ones keep NULL (UNIQUE admits many NULLs on
both databases), so the upgrade never fails on old data; `flask check-names` lists those accounts. Sign-in still
reaches such an account by its exact spelling (users.by_username).

Revision ID: 0022_username_key
Revises: 0021_name_keys
Create Date: 2026-12-01 04:30:00
"""
from alembic import op
import sqlalchemy as sa

from caseload.values import name_key


revision = '0022_username_key'
down_revision = '0021_name_keys'
branch_labels = None
depends_on = None


def _fill() -> None:
    """Set username_key of each user to name_key(username), for the first (by id) of each look-alike group only."""
    conn = op.get_bind()
    taken, keys = set(), []
    for row_id, username in conn.execute(sa.text("SELECT id, username FROM users ORDER BY id")):
        key = name_key(username)
        if key not in taken:
            taken.add(key)
            keys.append({"id": row_id, "key": key})
    if keys:
        conn.execute(sa.text("UPDATE users SET username_key = :key WHERE id = :id"), keys)


def upgrade() -> None:
    # Plain ADD COLUMN and a unique index: no batch copy of users, which on SQLite would drop the table under the
    # many rows that refer to it (foreign keys are on).
    op.add_column('users', sa.Column('username_key', sa.String(length=128), nullable=True))
    _fill()
    op.create_index('uq_users_username_key', 'users', ['username_key'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_users_username_key', table_name='users')
    # Plain DROP COLUMN (SQLite 3.35 and later), for the same reason as the upgrade's ADD COLUMN.
    op.drop_column('users', 'username_key')
