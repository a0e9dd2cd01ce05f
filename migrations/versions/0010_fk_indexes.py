"""indexes on every foreign key column that had none (deleting a user, advisor, plan or skill no longer scans)

ON DELETE SET NULL / CASCADE (and the checks of plain foreign keys) look up the referencing rows by the
foreign key column; without an index that is a whole-table scan per deleted row (contacts.advisor_id when
an advisor is removed, appointment_requests.booked_by_id when a user is). tests/test_indexes.py asserts
that every foreign key column leads an index, the primary key or a unique constraint.

Revision ID: 0010_fk_indexes
Revises: 0009_contact_time_indexes
Create Date: 2026-11-29 23:50:00
"""
from alembic import op


revision = '0010_fk_indexes'
down_revision = '0009_contact_time_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('advisor_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisor_skills_skill_id'), ['skill_id'], unique=False)
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_requests_attendance_by_id'), ['attendance_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_requests_pinned_advisor_id'), ['pinned_advisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_requests_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_requests_type_id'), ['type_id'], unique=False)
    with op.batch_alter_table('appointment_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_types_skill_id'), ['skill_id'], unique=False)
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_advisor_id'), ['advisor_id'], unique=False)
    with op.batch_alter_table('client_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_notes_author_id'), ['author_id'], unique=False)
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clients_need_id'), ['need_id'], unique=False)
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_advisor_id'), ['advisor_id'], unique=False)
    with op.batch_alter_table('handover_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_notes_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_notes_plan_item_id'), ['plan_item_id'], unique=False)
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_based_on_id'), ['based_on_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_published_by_id'), ['published_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_created_by_id'), ['created_by_id'], unique=False)
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solve_jobs_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_solve_jobs_previous_plan_id'), ['previous_plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_solve_jobs_created_by_id'), ['created_by_id'], unique=False)
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_leader_id'), ['leader_id'], unique=False)
    with op.batch_alter_table('weight_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_profiles_updated_by_id'), ['updated_by_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('weight_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_profiles_updated_by_id'))
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_leader_id'))
    with op.batch_alter_table('solve_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solve_jobs_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_solve_jobs_previous_plan_id'))
        batch_op.drop_index(batch_op.f('ix_solve_jobs_plan_id'))
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_plans_published_by_id'))
        batch_op.drop_index(batch_op.f('ix_plans_based_on_id'))
    with op.batch_alter_table('handover_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_notes_plan_item_id'))
        batch_op.drop_index(batch_op.f('ix_handover_notes_author_id'))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_advisor_id'))
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clients_need_id'))
    with op.batch_alter_table('client_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_notes_author_id'))
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_advisor_id'))
        batch_op.drop_index(batch_op.f('ix_booking_series_booked_by_id'))
    with op.batch_alter_table('appointment_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_types_skill_id'))
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_requests_type_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_requests_booked_by_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_requests_pinned_advisor_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_requests_attendance_by_id'))
    with op.batch_alter_table('advisor_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisor_skills_skill_id'))
