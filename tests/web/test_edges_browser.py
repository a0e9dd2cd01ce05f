"""Issue 12, kind 11, in a real browser (headless Chromium): the request form's minutes follow the type
(request.js), and what the browser posts is saved with the type's length."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload.extensions import db
from caseload.localtime import this_week_start
from caseload.models import AppointmentRequest, AppointmentType, Client, Team
from tests.web.test_rota_browser import live, page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_minutes_follow_the_chosen_type(live, page):  # noqa: F811
    base, app = live
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "north"))
        url = f"{base}/rota/t/{team.id}/{this_week_start(team.timezone)}/requests/new"
        ref = db.session.scalars(select(Client).where(Client.team_id == team.id).order_by(Client.id)).first().reference
        types = {t.code: t.id for t in db.session.scalars(select(AppointmentType))}
    page.goto(f"{base}/login")
    page.fill("#username", "leader")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.goto(url)
    assert page.input_value("#duration_minutes") == ""
    page.select_option("#type", str(types["first-meeting"]))
    assert page.input_value("#duration_minutes") == "60"
    page.select_option("#type", str(types["short-contact"]))
    assert page.input_value("#duration_minutes") == "15"  # untouched minutes follow the type
    page.fill("#duration_minutes", "45")
    page.select_option("#type", str(types["first-meeting"]))
    assert page.input_value("#duration_minutes") == "45"  # the leader's own minutes stay
    page.select_option("#type", str(types["follow-up"]))
    page.fill("#duration_minutes", "")
    page.fill("#client", ref)
    page.fill("#windows", "tue 09:00-12:00")
    page.click("form#request-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    with app.app_context():
        saved = db.session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id.desc())).first()
        assert (saved.type.code, saved.duration_minutes) == ("follow-up", 30)
