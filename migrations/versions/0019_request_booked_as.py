"""booked_as: the desk booking that took the place of a request the planner did not place

appointment_requests.booked_as_id (appointment_requests, SET NULL, indexed like every foreign key). A planning
request the published plan left unplaced (its times passed, no one free) is booked at the desk with "Book this
request": the request is withdrawn (cancelled_at) and points at the booking, so the client's page stops listing it
as waiting and says where it went.

Revision ID: 0019_request_booked_as
Revises: 0018_closure_unique_days
Create Date: 2026-11-30 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_request_booked_as'
down_revision = '0018_closure_unique_days'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_as_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointment_requests_booked_as_id'), ['booked_as_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointment_requests_booked_as_id_appointment_requests'),
                                    'appointment_requests', ['booked_as_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointment_requests_booked_as_id_appointment_requests'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appointment_requests_booked_as_id'))
        batch_op.drop_column('booked_as_id')
