"""The protected-time form on the team's week (rota/views.set_protected): refused input shows the week again (400)
with what the leader typed still in that advisor's field, the reason beside it naming the field, and nothing saved.
It redirected (302) to the week with the stored target back in the field and one general sentence, and a number
more than the advisor's working week was saved."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import Advisor, AuditEvent, WeekProtectedTarget
from caseload.services.planning.problem import protected_target
from tests.web.test_rota_pages import _advisor


def _url(team, week, advisor):
    return f"/rota/t/{team.id}/{week}/advisors/{advisor.id}/protected"


def _field(page: str, advisor) -> str:
    """The value in `advisor`'s protected-minutes field, as the browser shows it."""
    tag = re.search(rf'<input[^>]*id="protected-minutes-{advisor.id}"[^>]*>', page, re.S).group(0)
    return html.unescape(re.search(r'value="([^"]*)"', tag).group(1))


def _saved() -> tuple:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(AuditEvent.id))),
            sorted((t.advisor_id, t.minutes) for t in db.session.scalars(select(WeekProtectedTarget))),
            sorted((a.id, a.protected_minutes) for a in db.session.scalars(select(Advisor))))


@pytest.mark.parametrize("typed, why", [
    ("abc", "Protected minutes a week: “abc” is not a whole number of minutes"),
    ("12.5", "Protected minutes a week: “12.5” is not a whole number of minutes"),
    ("1e3", "Protected minutes a week: “1e3” is not a whole number of minutes"),
    ("99999999999999999999999", "Protected minutes a week: from 0 to 2400 minutes."),
    ("-5", "Protected minutes a week: from 0 to 2400 minutes."),
    ("", "Protected minutes a week: enter a whole number of minutes (0 for none)."),
    ("<b>9", "Protected minutes a week: “<b>9” is not a whole number of minutes"),
    # int() reads these as 240; only ASCII digits (and a leading "-") are a number here.
    ("2_40", "Protected minutes a week: “2_40” is not a whole number of minutes"),
    ("+240", "Protected minutes a week: “+240” is not a whole number of minutes"),
    ("٢٤٠", "Protected minutes a week: “٢٤٠” is not a whole number of minutes"),
    ("２４０", "Protected minutes a week: “２４０” is not a whole number of minutes"),
])
def test_refused_minutes_keep_what_was_typed_and_say_why(leader, north, typed, why):
    team, week = north
    advisor, other = _advisor(team), _advisor(team, 2)
    before = _saved()
    for scope in ("week", "standing"):
        response = leader.post(_url(team, week, advisor), data={"minutes": typed, "scope": scope})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert _field(page, advisor) == typed  # not the stored target
        assert why in html.unescape(page)
        assert f"{advisor.name}&#39;s protected time target was not changed" in page
        assert f'<option value="{scope}" selected>' in page  # the choice is kept too
        assert _field(page, other) == str(other.protected_minutes)  # other rows show their own targets
        assert _saved() == before


def test_more_than_the_advisors_working_week_is_refused_naming_it(leader, north):
    team, week = north
    advisor = _advisor(team)
    working = protected_target(advisor, week, team.timezone).usual
    assert 0 < working < 2400
    before = _saved()
    response = leader.post(_url(team, week, advisor), data={"minutes": str(working + 15), "scope": "standing"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and _field(page, advisor) == str(working + 15)
    assert (f"Protected minutes a week: {working + 15} is more than {advisor.name}'s working week "
            f"({working} minutes, {working / 60:.1f} h).") in page
    assert _saved() == before
    # The whole working week is allowed (and saved).
    assert leader.post(_url(team, week, advisor), data={"minutes": str(working), "scope": "standing"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).protected_minutes == working


def test_a_post_that_does_not_say_which_target_is_refused_keeping_the_minutes(leader, north):
    team, week = north
    advisor = _advisor(team)
    before = _saved()
    for data in ({"minutes": "150"}, {"minutes": "150", "scope": "monthly"}):
        response = leader.post(_url(team, week, advisor), data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and _field(page, advisor) == "150"
        assert "Applies to: choose this week only or every week." in page
        assert _saved() == before


@pytest.mark.parametrize("typed, why", [
    ("fast", "Time limit (seconds): “fast” is not a whole number of seconds"),
    ("2.5", "Time limit (seconds): “2.5” is not a whole number of seconds"),
    ("0", "Time limit (seconds): from 1 to 3600 seconds, or leave it empty for the usual limit."),
    ("99999", "Time limit (seconds): from 1 to 3600 seconds, or leave it empty for the usual limit."),
    ("1_0", "Time limit (seconds): “1_0” is not a whole number of seconds"),
    ("+10", "Time limit (seconds): “+10” is not a whole number of seconds"),
    ("١٠", "Time limit (seconds): “١٠” is not a whole number of seconds"),
    ("-3", "Time limit (seconds): from 1 to 3600 seconds, or leave it empty for the usual limit."),
])
def test_the_plan_forms_refused_time_limit_keeps_what_was_typed(leader, north, typed, why):
    """The week's other typed form, "Plan the week": a refused time limit showed the week (302) with the field empty
    and one general sentence; now the week again (400) with the text typed and the reason beside it, and no run."""
    from caseload.models import SolveJob

    team, week = north
    before = db.session.scalar(select(func.count(SolveJob.id)))
    response = leader.post(f"/rota/t/{team.id}/{week}/plan", data={"time_limit": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    tag = re.search(r'<input[^>]*id="time_limit"[^>]*>', page, re.S).group(0)
    assert html.unescape(re.search(r'value="([^"]*)"', tag).group(1)) == typed
    assert why in html.unescape(page)
    assert db.session.scalar(select(func.count(SolveJob.id))) == before


def test_the_service_refuses_more_than_the_advisors_working_week_for_either_scope(north):
    """rota.set_protected_target keeps the rule itself (not only the team's week form): more than the advisor's
    usual working week is refused, RotaError naming "minutes", for this week only and for the standing target."""
    from caseload.services.rota import week as rota

    team, week = north
    advisor = _advisor(team)
    working = protected_target(advisor, week, team.timezone).usual
    before = _saved()
    for week_start in (week, None):
        with pytest.raises(rota.RotaError) as refused:
            rota.set_protected_target(advisor, working + 15, None, week_start)
        assert refused.value.field == "minutes"
        assert str(refused.value) == (f"Protected minutes a week: {working + 15} is more than {advisor.name}'s "
                                      f"working week ({working} minutes, {working / 60:.1f} h).")
        db.session.rollback()
        assert _saved() == before
    rota.set_protected_target(advisor, working, None)
    db.session.expire_all()
    assert db.session.get(Advisor, advisor.id).protected_minutes == working
