"""booking desk series: "every 1/2/4 weeks, N times" booked at once; each appointment request knows its series

Revision ID: 0006_booking_series
Revises: 0005_booking_desk
Create Date: 2026-11-29 17:30:00
"""
from alembic import op
import sqlalchemy as sa
import caseload.models.types


revision = '0006_booking_series'
down_revision = '0005_booking_desk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('every_weeks', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', caseload.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('count BETWEEN 2 AND 53', name=op.f('ck_booking_series_count_range')),
    sa.CheckConstraint('every_weeks IN (1, 2, 4)', name=op.f('ck_booking_series_every_weeks_allowed')),
    sa.ForeignKeyConstraint(['advisor_id'], ['advisors.id'], name=op.f('fk_booking_series_advisor_id_advisors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_booking_series_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_booking_series_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_booking_series_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('series_index', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_appointment_requests_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appointment_requests_series_id_booking_series'), 'booking_series', ['series_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointment_requests_series_id_booking_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appointment_requests_series_id'))
        batch_op.drop_column('series_index')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_team_id'))
        batch_op.drop_index(batch_op.f('ix_booking_series_client_id'))

    op.drop_table('booking_series')
