"""cancelled_by: who cancelled a booked appointment (or moved it by rebooking)

appointment_requests.cancelled_by_id (users, SET NULL, indexed like every foreign key). Appointments cancelled
before this revision get the user the audit log names for their cancellation (appointment_cancelled, or
appointment_rebooked for one moved elsewhere), the latest such event; none found leaves it empty.

Revision ID: 0012_cancelled_by
Revises: 0011_service_policy
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_cancelled_by'
down_revision = '0011_service_policy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointment_requests_cancelled_by_id'), ['cancelled_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointment_requests_cancelled_by_id_users'), 'users',
                                    ['cancelled_by_id'], ['id'], ondelete='SET NULL')
    # The audit log already says who: the latest cancel (or rebook) event of each cancelled appointment.
    op.execute(
        "UPDATE appointment_requests SET cancelled_by_id = ("
        " SELECT e.user_id FROM audit_events e"
        " WHERE e.object_type = 'AppointmentRequest' AND e.object_id = appointment_requests.id"
        " AND e.action IN ('appointment_cancelled', 'appointment_rebooked')"
        " AND e.user_id IN (SELECT id FROM users)"
        " ORDER BY e.id DESC LIMIT 1)"
        " WHERE cancelled_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointment_requests_cancelled_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appointment_requests_cancelled_by_id'))
        batch_op.drop_column('cancelled_by_id')
