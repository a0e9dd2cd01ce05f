"""Hostile-user checks of the 1 Dec changes (type codes on every path, renaming users, admin code races, midnight as
24:00 in text boxes): each test here failed before the fix it names.

Codes: a stored code is keyed the same way (stripped of any white space, lower-cased) on every path. SQL's trim
strips only spaces and SQLite's lower() only ASCII letters, so a code stored with a tab was found by the CSV and
refused by the API, and the admin let a second code of that key be added beside it; skills had the same holes,
and the API and the CSV took different skills of one key."""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, insert, select, update

from caseload.extensions import db
from caseload.localtime import to_utc
from caseload.services.desk import unplaced
from caseload.models import Absence, Advisor, AppointmentRequest, AppointmentType, Client, Skill
from tests.web import access_matrix as m
from tests.web import desk_support as d
from tests.web.api_support import ApiClient
from tests.web.test_midnight_shown import _absence_as_leader, _last_absence, _team_in
from tests.web.test_type_codes import _request_body, _restore_code, _type_form


# --- codes: one key on every path --------------------------------------------------------------------------------

# (a type code stored with a tab, found by the API: test_type_codes' stray space or tab)


def test_the_admin_refuses_a_type_code_beside_one_stored_with_a_no_break_space(demo_client, demo_auth):
    demo_auth.login("admin")
    _restore_code("follow-up", "follow-up\u00a0")
    dup = demo_client.post("/admin/types", data=_type_form(code="follow-up", name="Follow-up again"))
    page = dup.get_data(as_text=True)
    assert dup.status_code == 400 and "There is already an appointment type with code follow-up" in page, page[-2000:]
    assert db.session.scalar(select(func.count(AppointmentType.id)).where(AppointmentType.code.like("follow-up%"))) == 1


def test_the_admin_refuses_a_skill_code_beside_one_stored_with_a_space_and_capital(demo_client, demo_auth):
    demo_auth.login("admin")
    db.session.execute(update(Skill).where(Skill.code == "debt").values(code="Debt "))
    db.session.commit()
    dup = demo_client.post("/admin/skills", data={"code": "DEBT", "name": "Debt again"})
    page = dup.get_data(as_text=True).replace("&#39;", "'")
    assert dup.status_code == 400 and "There is already a skill with code debt" in page, page[-2000:]
    # A code made from the name steps past it, as it steps past an exact one.
    made = demo_client.post("/admin/skills", data={"code": "", "name": "Debt"})
    assert made.status_code == 302, made.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Skill.code).where(Skill.name == "Debt")) == "debt-2"


def test_the_api_and_the_clients_csv_take_the_same_skill_of_one_key(demo_client, leader, north):
    team, _ = north
    first = db.session.scalar(select(Skill.id).where(Skill.code == "debt"))
    db.session.execute(insert(Skill).values(code="Debt ", name="Debt (old import)"))  # a later one of that key
    db.session.commit()
    body = b"reference,name,named_advisor,need,complexity\nZS201,Sam Debt,,DEBT,1\n"
    response = leader.post(f"/rota/t/{team.id}/import/clients", data={"file": (io.BytesIO(body), "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Client).where(Client.reference == "ZS201")).need_id == first  # was the later
    api = ApiClient(demo_client, "leader")
    client = m.client_of("advisor1")
    patched = api.patch("/clients/{client_id}", client_id=client.id, json={"version": client.version_id, "need": "debt"})
    assert patched.status_code == 200, patched.get_json()
    db.session.expire_all()
    assert db.session.get(Client, client.id).need_id == first


# --- times typed in a text box -----------------------------------------------------------------------------------
# 5c84deb made the From/Until boxes text boxes (a time picker cannot show 24:00): what a text box lets in is read as
# the windows box reads it (timegrid.clock), spaces around a time ignored and only the digits 0-9.

ARABIC_NINE = "0\u0669:00"  # "0٩:00": strptime's \d took it as 09:00


def test_a_time_with_spaces_around_it_is_read_in_the_from_and_until_boxes(demo_client, demo_auth):
    team, advisor, added = _absence_as_leader(demo_client, demo_auth, "Europe/London", "2027-04-26", "2027-04-27",
                                              " 09:00 ", "12:00\u00a0")
    assert added.status_code == 302, added.get_data(as_text=True)[-1500:]  # was 400 "' 09:00 ': Not a valid time"
    absence = _last_absence(advisor)
    assert (absence.starts_at, absence.ends_at) == (to_utc(date(2027, 4, 27), "09:00", "Europe/London"),
                                                   to_utc(date(2027, 4, 27), "12:00", "Europe/London"))
    demo_auth.logout()
    demo_auth.login("advisor1")
    weekly = demo_client.post("/me/time/weekly", data={"day": "tue", "start": " 09:00", "end": "12:00 "})
    assert weekly.status_code == 302, weekly.get_data(as_text=True)[-1500:]


def test_another_scripts_digits_are_refused_on_every_way_in(demo_client, demo_auth):
    absences = db.session.scalar(select(func.count(Absence.id)))
    team, advisor, refused = _absence_as_leader(demo_client, demo_auth, "Europe/London", "2027-04-26", "2027-04-27",
                                                ARABIC_NINE, "12:00")
    assert refused.status_code == 400 and "digits 0-9" in refused.get_data(as_text=True)  # was 302, at 09:00
    assert db.session.scalar(select(func.count(Absence.id))) == absences
    requests = db.session.scalar(select(func.count(AppointmentRequest.id)))
    typed = demo_client.post(f"/rota/t/{team.id}/2027-04-26/requests/new", data={
        "client": m.client_of("advisor1").reference, "type": 1, "duration_minutes": 30,
        "windows": f"tue {ARABIC_NINE}-12:00"})
    assert typed.status_code == 400 and \
        f"tue {ARABIC_NINE}-12:00: {ARABIC_NINE!r}: Not a time: give a 24-hour time as HH:MM, e.g. 14:30." in _unescaped(typed)
    api = ApiClient(demo_client, "leader")
    week = d.week()
    tuesday = week + timedelta(days=1)
    body = {"client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
            "windows": [{"start": f"{tuesday}T{ARABIC_NINE}", "end": f"{tuesday}T12:00"}]}
    window = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json=body)
    assert window.status_code == 422 and "digits 0-9" in window.get_json()["message"], window.get_json()  # was 201
    year = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json={
        **body, "windows": [{"start": f"202\u0662-{str(tuesday)[5:]}T09:00", "end": f"{tuesday}T12:00"}]})
    assert year.status_code == 422 and "digits 0-9" in year.get_json()["message"], year.get_json()  # read as 2022
    pin = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week=week, json={
        **body, "windows": [{"start": f"{tuesday}T09:00", "end": f"{tuesday}T12:00"}],
        "pinned_advisor_id": advisor.id, "pinned_start": f"{tuesday}T1\u0660:00"})
    assert pin.status_code == 422 and "pinned_start" in pin.get_json()["fields"], pin.get_json()
    assert db.session.scalar(select(func.count(AppointmentRequest.id))) == requests


def _unescaped(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def test_the_requests_csv_refuses_another_scripts_digits_in_a_pinned_start(leader, north):
    team, week = north
    client = db.session.scalars(select(Client).where(Client.team_id == team.id, Client.erased_at.is_(None))
                                .order_by(Client.id)).first()
    advisor = next(a for a in db.session.scalars(select(Advisor).where(Advisor.team_id == team.id).order_by(Advisor.id))
                   if a.does_support and client.need is not None and client.need.code in a.skill_codes)
    body = ("client,type,duration_minutes,windows,pinned_advisor,pinned_start\n"
            f"{client.reference},follow-up,30,mon 09:00-12:00,{advisor.name},mon 1\u0660:00\n").encode()
    before = db.session.scalar(select(func.count(AppointmentRequest.id)))
    response = leader.post(f"/rota/t/{team.id}/{week}/import/requests", data={"file": (io.BytesIO(body), "r.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "<td>2</td><td>pinned_start</td>" in page, page[-2000:]  # was 302 at 10:00
    assert db.session.scalar(select(func.count(AppointmentRequest.id))) == before


def test_a_huge_skill_code_in_the_api_is_refused_without_being_echoed_whole(demo_client):
    """The client's `need` is a skill code (at most 40 characters, as the type's code): 200,000 characters were
    looked up and echoed back twice in the 422 (400 kB), where every other typed code is bounded."""
    api = ApiClient(demo_client, "leader")
    client = m.client_of("advisor1")
    response = api.patch("/clients/{client_id}", client_id=client.id,
                         json={"version": client.version_id, "need": "x" * 200_000})
    assert response.status_code == 422 and "need" in response.get_json()["fields"], response.get_json()
    assert len(response.get_data()) < 5_000, len(response.get_data())


# --- midnight where the clocks skip it -----------------------------------------------------------------------------

def test_book_this_request_keeps_a_window_to_a_skipped_midnight_on_its_own_day(demo_client):
    """5c84deb read a window ending at a midnight the clocks skip as 24:00 on the forms, the lists and the API; the
    desk's "Book this request" (unplaced.window_lines) still read Friday's first moment as 01:00 and asked the desk
    for "fri 00:00-01:00" too, a time the client never gave."""
    team = _team_in("Africa/Cairo")
    api = ApiClient(demo_client, "leader")
    thursday, friday = date(2027, 4, 29), date(2027, 4, 30)  # Cairo's clocks go from 00:00 to 01:00 into Friday
    created = api.post("/teams/{team_id}/weeks/{week}/requests", team_id=team.id, week="2027-04-26", json={
        "client_id": m.client_of("advisor1").id, "type": "follow-up", "duration_minutes": 30,
        "windows": [{"start": f"{thursday}T20:00", "end": f"{thursday}T24:00"},
                    {"start": f"{friday}T00:00", "end": f"{friday}T12:00"}]})
    assert created.status_code == 201, created.get_json()
    request = db.session.get(AppointmentRequest, created.get_json()["id"])
    # Was ["thu 20:00-24:00", "fri 00:00-01:00", "fri 01:00-12:00"].
    assert unplaced.window_lines(request) == ["thu 20:00-24:00", "fri 00:00-12:00"]
