"""client references are unique per team, not across teams

Revision ID: 0002_client_ref_per_team
Revises: 0001_initial_schema
Create Date: 2026-11-29 14:30:00

A leader creating client S0001 in team north was told it "already exists" when S0001 belonged to team
south: the old unique constraint on clients.reference alone leaked other teams' references.
"""
from alembic import op


revision = '0002_client_ref_per_team'
down_revision = '0001_initial_schema'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode rebuilds the table on SQLite (which cannot drop a constraint in place); on PostgreSQL
    # it issues plain ALTER TABLE statements.
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint('uq_clients_reference', type_='unique')
        batch_op.create_unique_constraint('uq_clients_team_id_reference', ['team_id', 'reference'])


def downgrade() -> None:
    # Fails (and changes nothing) if two teams hold the same reference by then: rename one first.
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint('uq_clients_team_id_reference', type_='unique')
        batch_op.create_unique_constraint('uq_clients_reference', ['reference'])
