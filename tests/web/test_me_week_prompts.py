"""My week asks for what is left to do: each past appointment without its attendance says "record attendance"
(the desk's recording form) and the top counts them; an advisor added after the week's plan was published is
told so, not shown a protected-time target the plan never tried to meet."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, Role
from caseload.services.people.users import create_user
from tests import clock
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.test_me_week import publish_for

FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)  # every appointment of the demo week has started


def _week(demo_client) -> str:
    return html.unescape(demo_client.get(f"/me/week/{d.week().isoformat()}").get_data(as_text=True))


def test_past_appointments_without_attendance_ask_for_it(demo_client, demo_auth):
    plan, mine, others = publish_for("advisor1", count=2, cover=0)
    demo_auth.login("advisor1")
    before = _week(demo_client)
    assert "to record" not in before and "record attendance" not in before  # Sunday: nothing has started
    with clock.at(FRIDAY_EVENING):
        page = _week(demo_client)
        assert re.search(r"<strong>2 appointments to record</strong>", page), page[:4000]
        assert page.count("record attendance") == 2
        me = m.user("advisor1").advisor
        first = next(i for i in plan.items if i.advisor_id == me.id and i.request is not None)
        assert f'action="/desk/appointments/{first.request_id}/attendance"' in page
        answer = demo_client.post(f"/desk/appointments/{first.request_id}/attendance",
                                  data={"outcome": "attended", "back": "me", "seen": ""})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
        db.session.expire_all()
        assert db.session.get(AppointmentRequest, first.request_id).attendance == "attended"
        page = _week(demo_client)
        assert "<strong>1 appointment to record</strong>" in page and page.count("record attendance") == 1
        assert f'action="/desk/appointments/{first.request_id}/attendance"' not in page


def test_an_advisor_added_after_the_plan_is_told_so_not_given_a_target(demo_client, demo_auth):
    d.publish_week()
    north = m.team("north")
    user = create_user(username="newbie", display_name="Nell New", role=Role.ADVISOR, password="demo")
    newbie = Advisor(team_id=north.id, name="Nell New", work_pattern={"mon": [["09:00", "17:00"]]},
                     protected_minutes=240, user_id=user.id)
    db.session.add(newbie)
    db.session.commit()
    demo_auth.login("newbie")
    page = _week(demo_client)
    assert "You were added after this week's plan was published" in page, page[:4000]
    assert "target 4.0 h" not in page
    demo_auth.logout()
    demo_auth.login("advisor1")  # in the plan: the target as before
    page = _week(demo_client)
    assert "You were added after" not in page and "h protected time (target" in page


def test_recording_attendance_from_my_week_returns_to_my_week_and_never_off_site(demo_client, demo_auth):
    plan, mine, others = publish_for("advisor1", count=2, cover=0)
    demo_auth.login("advisor1")
    me = m.user("advisor1").advisor
    first, second = [i for i in plan.items if i.advisor_id == me.id and i.request is not None][:2]
    week_path = f"/me/week/{d.week().isoformat()}"
    with clock.at(FRIDAY_EVENING):
        page = _week(demo_client)
        assert f'name="back" value="{week_path}"' in page  # the form says where it came from
        answer = demo_client.post(f"/desk/appointments/{first.request_id}/attendance",
                                  data={"outcome": "attended", "back": week_path, "seen": ""})
        assert answer.status_code == 302 and answer.headers["Location"].split("#")[0].endswith(week_path)
        for hostile in ("https://evil.example/me/week/2026-11-30", "//evil.example", "/me/week/2026-13-45",
                        "/me/week/2026-11-30/../../admin"):
            answer = demo_client.post(f"/desk/appointments/{second.request_id}/attendance",
                                      data={"outcome": "dna", "back": hostile, "seen": ""})
            location = answer.headers["Location"]
            assert "evil" not in location and "/me/week/" not in location  # only the allow-list is followed
            assert location.split("#")[0].endswith(f"/desk/clients/{second.request.client_id}")
            db.session.expire_all()
            db.session.get(AppointmentRequest, second.request_id).attendance = None
            db.session.commit()
