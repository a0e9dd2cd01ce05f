"""Who made a plan version is a column (plans.made_by: "planner" or "desk"), set where plans are made, not
guessed from the audit log: a re-planned, published plan stays the planner's when its "plan_drafted" event is
gone, and the desk's versions are told apart by the flag alone (plan_list.desk_version_ids)."""
from __future__ import annotations

from sqlalchemy import create_engine, delete, select, text

from caseload import migrate
from caseload.extensions import db
from caseload.models import AuditEvent, Plan
from caseload.models.rota import MADE_BY_DESK, MADE_BY_PLANNER
from caseload.services.planning.boundary import save_plan
from caseload.services.planning.plan_list import desk_version_ids, plan_lines
from caseload.services.planning.plans import publish_plan
from tests.web.test_rota_week_plans import _desk_version, _plan_and_publish


def test_the_flag_is_set_where_plans_are_made_and_read_without_the_audit_log(leader, north, monkeypatch):
    team, week = north
    _, run_plan = _plan_and_publish(leader, team, week, monkeypatch)
    desk = _desk_version(team, week)
    assert (run_plan.made_by, desk.made_by) == (MADE_BY_PLANNER, MADE_BY_DESK)
    replanned = save_plan(team, week, desk.problem, dict(desk.solution), by=team.leader, based_on=desk)
    replanned = publish_plan(replanned, team.leader, replanned.version_id, expected_published=desk.published_version)
    assert replanned.made_by == MADE_BY_PLANNER and replanned.based_on_id == desk.id
    db.session.execute(delete(AuditEvent).where(AuditEvent.action == "plan_drafted"))  # the log pruned
    db.session.commit()
    plans = list(db.session.scalars(select(Plan).where(Plan.team_id == team.id, Plan.week_start == week)))
    assert desk_version_ids(plans) == {desk.id}
    lines = plan_lines(team, week)
    assert [(line.base.id, [p.id for p in line.desk]) for line in lines] == [(replanned.id, []),
                                                                            (run_plan.id, [desk.id])]
    page = leader.get(f"/rota/plans/{replanned.id}").get_data(as_text=True)
    assert "made by Lee Leader" in page and "desk booking by" not in page


def test_the_migration_backfills_desk_versions_by_the_old_rule(tmp_path):
    """0020 marks as the desk's a published or superseded plan based on another with no "plan_drafted" event."""
    url = f"sqlite:///{tmp_path / 'made_by.db'}"
    migrate.upgrade(url, "0019_request_booked_as")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, name, timezone) VALUES (1, 'north', 'Europe/London')"))
        rows = [(1, "superseded", None), (2, "superseded", 1), (3, "superseded", 2), (4, "published", 3),
                (5, "draft", 4)]
        for pid, status, based_on in rows:
            conn.execute(text("INSERT INTO plans (id, team_id, week_start, status, based_on_id, created_at, version_id) "
                              "VALUES (:id, 1, '2026-11-30', :status, :based_on, '2026-11-30 09:00:00', 1)"),
                         {"id": pid, "status": status, "based_on": based_on})
        for pid in (1, 3, 5):  # drafted by runs: 1 first, 3 a re-plan; 2 and 4 the desk's
            conn.execute(text("INSERT INTO audit_events (action, object_type, object_id, at, detail) "
                              "VALUES ('plan_drafted', 'Plan', :id, '2026-11-30 09:00:00', '{}')"), {"id": pid})
    migrate.upgrade(url)
    with engine.connect() as conn:
        made = dict(conn.execute(text("SELECT id, made_by FROM plans")).all())
    engine.dispose()
    assert made == {1: "planner", 2: "desk", 3: "planner", 4: "desk", 5: "planner"}
