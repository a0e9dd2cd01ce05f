"""edit_version on users, teams, skills and appointment types: an admin form opened before another's save is a 409

Each counts the saves of its row's edit form (models.versioning.claim_edit). Without it an administrator's form
opened before a colleague deactivated an account switched it on again when saved (every field is posted).

Revision ID: 0013_edit_versions
Revises: 0012_cancelled_by
Create Date: 2026-11-30 16:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_edit_versions'
down_revision = '0012_cancelled_by'
branch_labels = None
depends_on = None

TABLES = ('users', 'teams', 'skills', 'appointment_types')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('edit_version')
