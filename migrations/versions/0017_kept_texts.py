"""kept_texts: text typed on a form whose session had ended, kept for its typist only

The sign-in page used to carry the text itself in hidden fields, so whoever signed in next on that browser (or
read the page's source) saw it. Now it carries a random key; the text waits here, bound to the user the form was
shown to and to the form's path, for 30 minutes, and is deleted when shown, when someone else signs in with the
key, or when its typist signs out.

Revision ID: 0017_kept_texts
Revises: 0016_closure_created_by_index
Create Date: 2026-11-30 19:15:00
"""
from alembic import op
import sqlalchemy as sa

import caseload.models.types


revision = '0017_kept_texts'
down_revision = '0016_closure_created_by_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'kept_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=2000), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('created_at', caseload.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash', name='uq_kept_texts_key_hash'),
    )
    op.create_index('ix_kept_texts_user_id', 'kept_texts', ['user_id'])
    op.create_index('ix_kept_texts_created_at', 'kept_texts', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_kept_texts_created_at', table_name='kept_texts')
    op.drop_index('ix_kept_texts_user_id', table_name='kept_texts')
    op.drop_table('kept_texts')
