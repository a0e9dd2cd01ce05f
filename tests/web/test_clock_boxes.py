"""Every time of day a person types is a 24-hour HH:MM text box (forms.ClockInput), as the absence and protected-time
From/Until boxes became in 5c84deb: the request's pinned start and the plan review's move start were still the
browser's time picker (<input type="time">), which shows 12-hour times in some locales and keeps no text it cannot
read. Now each box is labelled, carries its format hint (shown, and named by aria-describedby), takes "14:30" and
"9:30", and refuses other text naming the field, with the text typed kept in the box and the box marked invalid.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from caseload.extensions import db
from caseload.forms import CLOCK_HINT, CLOCK_HINT_END, NOT_A_CLOCK
from caseload.localtime import wall_clock
from caseload.models import AppointmentRequest, PlanItem
from tests.web.test_edges_pins import _clients_for, _supporter
from tests.web.test_pin_hours_words import _follow_up_id
from tests.web.test_rota_move_messages import _draft_with_one_placed


def _box(html: str, ident: str) -> str:
    """The <input> whose id is `ident`."""
    found = re.search(rf'<input[^>]*\bid="{ident}"[^>]*>', html)
    assert found, f"no input #{ident}"
    return found.group(0)


def _is_clock_box(html: str, ident: str, label: str, hint: str = CLOCK_HINT) -> str:
    box = _box(html, ident)
    assert 'type="text"' in box and 'type="time"' not in box
    assert 'inputmode="numeric"' in box and 'placeholder="HH:MM' in box
    assert f'<label for="{ident}">{label}</label>' in html  # its name for a screen reader
    assert f'aria-describedby="{ident}-hint' in box
    assert f'<span class="muted field-hint" id="{ident}-hint">{hint}</span>' in html  # the hint stays on screen
    return box


def test_the_pinned_start_is_a_24_hour_box_that_takes_hh_mm(leader, north):
    team, week = north
    later = week + timedelta(days=7)  # wholly ahead of the pinned clock
    page = leader.get(f"/rota/t/{team.id}/{later}/requests/new").get_data(as_text=True)
    _is_clock_box(page, "pinned_time", "Pinned start")
    assert 'type="time"' not in page
    advisor = _supporter(team)
    client = _clients_for(advisor)[0]
    tuesday = later + timedelta(days=1)
    saved = leader.post(f"/rota/t/{team.id}/{later}/requests/new", data={
        "client": client.reference, "type": _follow_up_id(leader, team, later), "duration_minutes": 30,
        "windows": "tue 09:00-17:00", "pinned_advisor": advisor.id, "pinned_day": tuesday.isoformat(),
        "pinned_time": "9:30"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    request = db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id,
                                                                 AppointmentRequest.week_start == later))
    assert wall_clock(request.pinned_start, team.timezone).strftime("%a %H:%M") == "Tue 09:30"
    edit = leader.get(f"/rota/t/{team.id}/requests/{request.id}").get_data(as_text=True)
    assert 'value="09:30"' in _is_clock_box(edit, "pinned_time", "Pinned start")


def test_a_pinned_start_that_is_not_a_time_is_refused_naming_the_field_and_kept(leader, north):
    team, week = north
    later = week + timedelta(days=7)
    advisor = _supporter(team)
    client = _clients_for(advisor)[0]
    refused = leader.post(f"/rota/t/{team.id}/{later}/requests/new", data={
        "client": client.reference, "type": _follow_up_id(leader, team, later), "duration_minutes": 30,
        "windows": "tue 09:00-17:00", "pinned_advisor": advisor.id,
        "pinned_day": (later + timedelta(days=1)).isoformat(), "pinned_time": "14h30"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    box = _is_clock_box(html, "pinned_time", "Pinned start")
    assert 'value="14h30"' in box  # what was typed, kept to correct
    assert 'aria-invalid="true"' in box and "pinned_time-error" in box
    error = re.search(r'<span class="field-error" id="pinned_time-error">([^<]*)</span>', html)
    assert error and error.group(1) == f"&#39;14h30&#39;: {NOT_A_CLOCK}"
    assert db.session.scalar(select(AppointmentRequest).where(AppointmentRequest.client_id == client.id,
                                                              AppointmentRequest.week_start == later)) is None


def test_the_move_start_is_a_24_hour_box_and_text_that_is_not_a_time_is_refused_and_kept(leader, north):
    plan = _draft_with_one_placed()
    page = leader.get(f"/rota/plans/{plan.id}").get_data(as_text=True)
    _is_clock_box(page, "time", "Start")
    assert 'type="time"' not in page
    item = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.advisor_id.is_not(None))).first()
    refused = leader.post(f"/rota/plans/{plan.id}/move", data={
        "item": item.id, "advisor": item.advisor_id, "day": plan.week_start.isoformat(), "time": "9.30",
        "version": plan.version_id, "pin": "y"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f"Not moved: Start: &#39;9.30&#39;: {NOT_A_CLOCK}" in html  # the flash names the field
    box = _is_clock_box(html, "time", "Start")
    assert 'value="9.30"' in box and 'aria-invalid="true"' in box


def test_the_absence_boxes_carry_their_hints_too(leader, north):
    team, week = north
    page = leader.get(f"/rota/t/{team.id}/{week}/").get_data(as_text=True)
    _is_clock_box(page, "start_time", "From (leave empty for whole days)")
    _is_clock_box(page, "end_time", "Until (24:00 is midnight at the end of the last day)", CLOCK_HINT_END)
    assert 'type="time"' not in page
