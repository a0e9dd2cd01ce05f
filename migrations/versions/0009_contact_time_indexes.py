"""indexes: contacts by time (reports, last contact per client) and handover notes by advisor

Revision ID: 0009_contact_time_indexes
Revises: 0008_absence_advisor_versions
Create Date: 2026-11-29 20:45:00
"""
from alembic import op


revision = '0009_contact_time_indexes'
down_revision = '0008_absence_advisor_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index('ix_contacts_client_id_occurred_at', ['client_id', 'occurred_at'], unique=False)
    with op.batch_alter_table('handover_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_notes_from_advisor_id'), ['from_advisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_notes_to_advisor_id'), ['to_advisor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handover_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_notes_to_advisor_id'))
        batch_op.drop_index(batch_op.f('ix_handover_notes_from_advisor_id'))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_client_id_occurred_at')
        batch_op.drop_index(batch_op.f('ix_contacts_occurred_at'))
