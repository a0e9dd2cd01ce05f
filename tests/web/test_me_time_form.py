"""/me/time: the forms' hidden one-time token is not a labelled row ("Submission" with a second input), and the
weekly day list offers only the days the planner plans (Monday to Friday)."""
from __future__ import annotations

import re

from caseload.extensions import db
from tests.web import access_matrix as m


def test_the_time_page_has_no_submission_row_and_no_weekend_days(demo_client, demo_auth):
    demo_auth.login("advisor1")
    page = demo_client.get("/me/time").get_data(as_text=True)
    assert "Submission" not in page
    assert page.count('name="submission"') == 2  # one token per form, not two
    days = re.search(r'<select[^>]*name="day"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option[^>]*>([^<]*)</option>', days) == ["Monday", "Tuesday", "Wednesday", "Thursday",
                                                                 "Friday"]
    assert "weekends are never planned" in page


def test_a_weekend_day_is_refused_saying_why(demo_client, demo_auth):
    demo_auth.login("advisor1")
    answer = demo_client.post("/me/time/weekly", data={"day": "sun", "start": "10:00", "end": "12:00"})
    assert answer.status_code == 400
    assert "Saturday and Sunday are never planned" in answer.get_data(as_text=True)
    advisor = m.user("advisor1").advisor
    db.session.refresh(advisor)
    assert not advisor.protected_preferences
