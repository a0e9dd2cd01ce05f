"""Each repeated control on the desk's client page names its appointment for screen readers (visually hidden text):
"Rebook", "Cancel this and the rest…" and the attendance "Save" were heard five, four and n times alike."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.models import AppointmentRequest, Plan, PlanItem
from caseload.services.desk import series
from tests.web import access_matrix as m
from tests.web import desk_support as d


def _names(page: str, pattern: str) -> list[str]:
    """The accessible names (text, tags dropped) of the elements `pattern` matches (one group: their content)."""
    return [" ".join(re.sub(r"<[^>]+>", "", inner).split()) for inner in re.findall(pattern, page, re.S)]


def _past(days: int) -> None:
    """advisor1's client seen by advisor1 last week, `days` after Monday at 10:00 (published, not yet recorded)."""
    north, client, advisor = m.team("north"), m.client_of("advisor1"), m.user("advisor1").advisor
    last = d.week() - timedelta(days=7)
    start = to_utc(last + timedelta(days=days), "10:00", north.timezone)
    request = AppointmentRequest(team=north, week_start=last, client=client, type=d.follow_up(), duration_minutes=30,
                                 purpose="Follow-up", pinned_advisor=advisor, pinned_start=start)
    plan = db.session.query(Plan).filter_by(team=north, week_start=last).one_or_none()
    if plan is None:
        plan = Plan(team=north, week_start=last, status="published", published_version=1)
        db.session.add(plan)
    plan.items.append(PlanItem(request=request, advisor=advisor, starts_at=start,
                               ends_at=start + timedelta(minutes=30), pinned=True))
    db.session.add(request)
    db.session.commit()


def test_rebook_cancel_the_rest_and_save_each_name_their_appointment(demo_client, demo_auth):
    d.publish_week()
    client, advisor = m.client_of("advisor1"), m.user("advisor1").advisor
    ask = d.ask(client, advisor=advisor)
    offer = series.series_offers(m.team("north"), ask, series.Repeat(1, 4))[0]
    series.book_series(m.team("north"), ask, series.Repeat(1, 4), advisor.id, offer.starts, m.user("advisor1"))
    _past(1)
    _past(2)
    demo_auth.login("advisor1")
    page = demo_client.get(f"/desk/clients/{client.id}").get_data(as_text=True)
    rebook = _names(page, r'<a href="[^"]*rebook=\d+">(Rebook.*?)</a>')
    rest = _names(page, r"<summary>(Cancel this and the rest….*?)</summary>")
    save = _names(page, r'<button type="submit">(Save.*?)</button>')
    labels = _names(page, r'<label for="outcome-\d+">(.*?)</label>')
    for names, at_least in ((rebook, 4), (rest, 4), (save, 2), (labels, 2)):
        assert len(names) >= at_least and len(set(names)) == len(names), names
    first = offer.starts[0]
    when = datetime.strptime(first, "%Y-%m-%dT%H:%M").strftime("%a %d %b %H:%M")
    assert any(when in n and advisor.name in n for n in rebook), rebook
    assert any(when in n for n in rest), rest
    assert all(client.reference in n for n in save), save
