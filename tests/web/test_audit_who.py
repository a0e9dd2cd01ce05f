"""The audit log's "Who" names people as the admin pages do, "display name (username)", and says "system" (with
the planning run, where one did it) for background actions and "not signed in" for a failed sign-in, instead of
a bare username or a dash."""
from __future__ import annotations

import re

from caseload.extensions import db
from caseload.models import SolveJob
from caseload.services import audit
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _who(page: str, action_label: str) -> list[str]:
    rows = [r for r in page.split("<tr>") if f"<td>{action_label}</td>" in r]
    return [re.sub(r"<[^>]+>", "", re.search(r'<td class="audit-who">(.*?)</td>', r, re.S).group(1)).strip()
            for r in rows]


def test_who_is_the_display_name_with_the_username_or_system_or_not_signed_in(demo_client, demo_auth):
    leader = m.user("leader")
    assert leader.display_name and leader.display_name != leader.username
    team = m.team("north")
    audit.record("test_by_leader", user=leader)
    plan = d.publish_week()
    job = SolveJob(team_id=team.id, week_start=plan.week_start, status="succeeded", plan_id=plan.id)
    db.session.add(job)
    db.session.flush()
    audit.record("plan_drafted", obj=plan)
    audit.record("test_by_job", obj=job)
    audit.record("test_by_nobody")
    audit.record("login_failed", username="nobody-here")
    db.session.commit()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit").get_data(as_text=True)
    assert _who(page, "Test by leader") == [f"{leader.display_name} ({leader.username})"]
    assert f'title="user #{leader.id}"' in page
    assert set(_who(page, "Draft plan made")) == {f"system: planning run #{job.id}"}
    # published without a user recorded: not the run's doing, and only a person publishes (their account since
    # deleted: audit_words.SYSTEM_ACTIONS)
    assert _who(page, "Plan published") == ["a removed user"]
    assert _who(page, "Test by job") == [f"system: planning run #{job.id}"]
    assert _who(page, "Test by nobody") == ["a removed user"]
    assert "not signed in" in _who(page, "Sign-in failed")


def test_a_removed_users_actions_say_so_and_the_command_lines_say_system(demo_client, demo_auth):
    """audit_events.user_id is ON DELETE SET NULL: a deleted account's actions were shown as "system" (and the
    draft its planning run made as "system: planning run #N"). Now "a removed user", with the username where the
    event kept it (a run's events); what the command line records without a user stays "system"."""
    from sqlalchemy import delete

    from caseload.models import Role, User
    from caseload.services.people.users import create_user
    from caseload.services.planning import runs
    from caseload.services.region import runs as region
    from caseload.services.rota.requests import RequestFields, add_request, parse_windows

    team = m.team("north")
    gone = create_user("gone-leader", "Gone Leader", Role.LEADER, "a long enough password 123", by=m.user("admin"))
    db.session.commit()
    add_request(team, d.week(), RequestFields(m.client_of("advisor1"), d.follow_up(), 30,
                                              parse_windows("thu 09:00-12:00", d.week())), gone)
    job = runs.start_plan_job(team, d.week(), gone, time_limit=1)
    region.cancel_region(d.week(), None)  # as `flask region cancel` does
    db.session.execute(delete(User).where(User.id == gone.id))
    db.session.commit()
    db.session.expire_all()
    demo_auth.login("admin")
    page = demo_client.get("/admin/audit").get_data(as_text=True)
    assert _who(page, "Appointment request added")[0] == "a removed user"
    assert _who(page, "Draft plan made")[0] == f"a removed user (gone-leader), planning run #{job.id}"
    assert _who(page, "Region planning cancelled")[0] == "system"
