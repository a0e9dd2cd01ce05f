"""plans.made_by: who made a plan version, "planner" (a planning run's draft) or "desk" (a published version the
booking desk made by booking or cancelling in a published week)

Desk versions were told apart by having no "plan_drafted" audit event, which breaks as soon as the audit log is
pruned or an event is missing. Existing rows are backfilled by that old rule: a published or superseded plan based
on another with no "plan_drafted" event is the desk's; every other row is the planner's.

Revision ID: 0020_plan_made_by
Revises: 0019_request_booked_as
Create Date: 2026-11-30 22:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_plan_made_by'
down_revision = '0019_request_booked_as'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('made_by', sa.String(length=10), nullable=False, server_default='planner'))
    op.execute(
        "UPDATE plans SET made_by = 'desk' WHERE status IN ('published', 'superseded') AND based_on_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM audit_events WHERE audit_events.action = 'plan_drafted' "
        "AND audit_events.object_type = 'Plan' AND audit_events.object_id = plans.id)")


def downgrade() -> None:
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('made_by')
