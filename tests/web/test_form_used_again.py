"""Back to a sent form, other entries, Send again: the one-time token is used, but this is a new entry, not a
repeat. It was dropped with "That form was sent twice: it was saved once" (caseload.form_once kept the URL's hash
only); now the form comes back saying the entries were NOT saved, with what was typed and a fresh token, and
sending that saves the second request. The same entries again are still the repeat (test_double_submit)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from caseload.extensions import db
from caseload.models import AppointmentRequest, Client
from tests.web import access_matrix as m
from tests.web.test_double_submit import _token


def _typist(page: str) -> str:
    """The page's stamp of who it was shown to (form_typist), which a browser sends with the form."""
    return re.search(r'name="typist" value="([^"]+)"', page).group(1)


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AppointmentRequest.id)))


def test_a_used_request_form_sent_with_other_entries_is_shown_again_not_dropped(leader, north):
    team, week = north
    first_client = m.client_of("advisor1")
    other = db.session.scalar(select(Client).where(Client.team_id == team.id, Client.id != first_client.id,
                                                   Client.erased_at.is_(None)).order_by(Client.id))
    url = f"/rota/t/{team.id}/{week}/requests/new"
    page = leader.get(url).get_data(as_text=True)
    kind = next(v for v, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page) if "ollow" in label)
    token, before = _token(page), _count()
    sent = {"client": first_client.reference, "type": kind, "windows": "tue 09:00-12:00", "pinned_advisor": 0,
            "submission": token, "typist": _typist(page)}
    assert leader.post(url, data=sent).status_code in (302, 303)
    changed = {**sent, "client": other.reference, "windows": "wed 13:00-16:00"}
    again = leader.post(url, data=changed)
    shown = again.get_data(as_text=True)
    assert again.status_code == 409, shown[:1500]
    assert "This form had already been used to save an earlier entry" in shown and "NOT saved" in shown
    assert "sent twice" not in shown
    assert f'value="{other.reference}"' in shown and "wed 13:00-16:00" in shown  # what was typed
    fresh = _token(shown)
    assert fresh != token and _count() == before + 1
    saved = leader.post(url, data={**changed, "submission": fresh, "typist": _typist(shown)})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:1500]
    assert _count() == before + 2
    assert db.session.scalar(select(func.count(AppointmentRequest.id)).where(
        AppointmentRequest.client_id == other.id, AppointmentRequest.week_start == week)) >= 1
    # The first entries sent again with the used token are still the repeat: nothing added, said as such.
    repeat = leader.post(url, data=sent)
    assert repeat.status_code == 303 and _count() == before + 2
    assert "sent twice" in leader.get(repeat.headers["Location"]).get_data(as_text=True)


def test_a_used_absence_form_with_other_entries_saves_nothing_and_says_so(leader, north):
    team, week = north
    advisor = m.user("advisor1").advisor
    url, page = f"/rota/t/{team.id}/{week}/absences", f"/rota/t/{team.id}/{week}/"
    token = _token(leader.get(page).get_data(as_text=True))
    day = week + timedelta(days=2)
    sent = {"advisor": advisor.id, "start_day": day.isoformat(), "end_day": day.isoformat(), "reason": "leave",
            "submission": token}
    assert leader.post(url, data=sent).status_code in (302, 303)
    from caseload.models import Absence
    db.session.expire_all()
    before = db.session.scalar(select(func.count(Absence.id)))
    other = leader.post(url, data={**sent, "reason": "training", "start_day": (day + timedelta(days=1)).isoformat(),
                                   "end_day": (day + timedelta(days=1)).isoformat()}, follow_redirects=True)
    assert "NOT saved" in other.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Absence.id))) == before
