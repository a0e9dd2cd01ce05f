"""A form whose security token no longer matches the session (signed in again in another tab, the session
ended) keeps what was typed: the page comes back (400) with the text and a sentence saying the form had
expired and nothing was saved. It used to be a bare 400 page, and a note being written was lost.

Each test signs in, opens nothing, and posts with a token of an earlier session: the real site-wide CSRF check
(WTF_CSRF_ENABLED) refuses it."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from caseload.extensions import db
from caseload.form_expiry import KEEPS_ATTR
from caseload.models import AppointmentRequest, AuditEvent, ClientNote, KeptText, User
from tests.web import access_matrix as m
from tests.web import desk_support as d

EXPIRED = "security token had expired"


@pytest.fixture
def stale(demo_app, demo_client):
    """Sign `username` in with CSRF on, and give back what a form shown to them before their session changed
    posts: a token of that earlier session, and the stamp naming who the form was shown to."""
    demo_app.config["WTF_CSRF_ENABLED"] = True

    def sign_in(username: str) -> str:
        with demo_client.session_transaction() as session:  # signed out
            session.clear()
        page = demo_client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        demo_client.post("/login", data={"username": username, "password": "demo", "csrf_token": token})
        old = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        stamp = _stamp(demo_client.get("/account/password").get_data(as_text=True))
        with demo_client.session_transaction() as session:  # the session changed (signed in again elsewhere)
            session["csrf_token"] = "0" * 40
        return {"csrf_token": old, "typist": stamp}

    yield sign_in
    demo_app.config["WTF_CSRF_ENABLED"] = False


def _stamp(page: str) -> str:
    """The stamp a form carries naming who it was shown to (caseload/form_typist.py)."""
    return re.search(r'name="typist" value="([^"]+)"', page).group(1)


def _events() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def test_a_note_being_written_survives_an_expired_form(demo_client, stale):
    token = stale("advisor1")
    client = m.client_of("advisor1")
    note = "Rang about the rent arrears; agreed a plan with the landlord, see the letter of 3 Dec."
    response = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": note, **token})
    text = _text(response)
    assert response.status_code == 400 and EXPIRED in text and note in text
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is None
    # The page's form carries a token of the session as it is now: sending it again saves the note.
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
    again = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": note, "csrf_token": fresh})
    assert again.status_code in (302, 303), _text(again)[-3000:]
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is not None


def test_the_desk_booking_and_cancel_forms_keep_what_was_typed(demo_client, stale):
    d.publish_week()
    token = stale("leader")
    client = m.client_of("advisor1")
    before, requests = _events(), d.request_count()
    windows = "thu 09:00-11:30\nfri 13:00-15:00"
    book = demo_client.post(f"/desk/clients/{client.id}/book", data={
        **d.form(windows=windows, purpose="housing benefit form"), "advisor": "1", "start": f"{d.week()}T09:00",
        **token})
    text = _text(book)
    assert book.status_code == 400 and EXPIRED in text
    assert windows in text and 'value="housing benefit form"' in text
    booked = d.current().items[0].request
    cancel = demo_client.post(f"/desk/appointments/{booked.id}/cancel", data={"reason": "client in hospital",
                                                                           **token})
    assert cancel.status_code == 400 and EXPIRED in _text(cancel) and "client in hospital" in _text(cancel)
    assert _events() == before and d.request_count() == requests
    assert db.session.get(AppointmentRequest, booked.id).cancelled_at is None


def test_sign_in_and_admin_forms_keep_what_was_typed(demo_app, demo_client, stale):
    demo_app.config["WTF_CSRF_ENABLED"] = True
    expired_login = demo_client.post("/login", data={"username": "leader", "password": "demo",
                                                     "csrf_token": "from-a-page-left-open-overnight"})
    assert expired_login.status_code == 400 and EXPIRED in _text(expired_login)
    assert 'value="leader"' in _text(expired_login)
    token = stale("admin")
    made = demo_client.post("/admin/users", data={"username": "newadvisor", "display_name": "Nia Okafor",
                                                  "role": "advisor", "password": "long-enough-1", **token})
    text = _text(made)
    assert made.status_code == 400 and EXPIRED in text and 'value="Nia Okafor"' in text
    assert db.session.scalar(select(User).where(User.username == "newadvisor")) is None


def test_every_view_that_keeps_typed_text_saves_nothing_from_an_expired_form(demo_app, demo_client, stale):
    """Each marked view, posted a form with an expired token and plausible fields: 400 (or the sign-in or a 404
    page), never a change: no audit event, which every save in the app records."""
    samples = m.samples_for_demo()
    tokens = {role: None for role in m.USERNAMES}
    marked = [rule for rule in current_app.url_map.iter_rules() if "POST" in rule.methods
              and getattr(current_app.view_functions[rule.endpoint], KEEPS_ATTR, False)
              and rule.endpoint != "auth.login"]  # signed in, the sign-in page goes home (tested above)
    assert len(marked) >= 25
    fields = {"body": "typed text", "reason": "typed text", "windows": "tue 09:00-12:00", "name": "Typed",
              "display_name": "Typed", "username": "typeduser", "password": "long-enough-1", "code": "typed",
              "late_cancel_hours": "30", "minutes": "100", "week": d.week().isoformat(), "time_limit": "5"}
    wrong = []
    for rule in marked:
        roles = m.allowed_roles(rule.endpoint) or m.ALL
        role = sorted(roles, key=lambda r: r.value)[0]
        tokens[role] = stale(m.USERNAMES[role])
        before = _events()
        response = demo_client.post(samples.url(rule), data={**fields, **tokens[role]})
        if _events() != before or response.status_code not in (400, 404) or (
                response.status_code == 400 and EXPIRED not in _text(response)):
            wrong.append(f"{rule.rule} -> {response.status_code}")
    assert not wrong, wrong


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _hidden(response) -> dict:
    """The hidden fields of a sign-in page but its token, as a browser would send them."""
    raw = response.get_data(as_text=True)
    return {name: html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', raw) if name != "csrf_token"}


def _session_ends_on_a_note(demo_client, stale, note: str, typist: str = "advisor1"):
    """`typist` writes `note` on a client's notes form; their session ends before they send it. The answer."""
    token = stale(typist)
    client = m.client_of("advisor1")
    with demo_client.session_transaction() as session:  # the session ended
        session.clear()
    return client, demo_client.post(f"/me/clients/{client.id}/notes", data={"body": note, **token})


def _sign_in(demo_client, response, username: str, password: str = "demo"):
    """Sign in from the sign-in page `response`, with the kept key it carries (and the session's token)."""
    return demo_client.post("/login", data={"username": username, "password": password,
                                            "csrf_token": _token(_text(demo_client.get("/login"))),
                                            **_hidden(response)})


def test_a_note_typed_when_the_session_ended_survives_signing_in_again(demo_client, stale):
    """The session ended (signed out elsewhere, expired): the note's post went to sign-in and the note was lost.
    Now it is kept on the server and the sign-in page carries only a key (the text is in no page, URL or
    cookie), a failed attempt keeps carrying the key, and signing in shows it again on its form, unsaved, with
    a token that saves it."""
    note = "Rang about the rent arrears & the \"landlord's\" letter <3 Dec>."
    client, asked = _session_ends_on_a_note(demo_client, stale, note)
    page = _text(asked)
    assert asked.status_code == 401 and "Sign in to Caseload" in page and "Your session had ended" in page
    kept = _hidden(asked)
    assert list(kept) == ["kept"] and "rent arrears" not in page and "rent arrears" not in html.unescape(page)
    assert "Location" not in asked.headers and note not in demo_client.get_cookie("session").value
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is None
    wrong = _sign_in(demo_client, asked, "advisor1", "not it")
    assert wrong.status_code == 401 and _hidden(wrong) == kept
    signed_in = _sign_in(demo_client, wrong, "advisor1")
    shown = html.unescape(signed_in.get_data(as_text=True))
    assert signed_in.status_code == 400 and note in shown and "nothing was saved yet" in shown
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is None
    again = demo_client.post(f"/me/clients/{client.id}/notes", data={"body": note, "csrf_token": _token(shown)})
    assert again.status_code in (302, 303), _text(again)[-3000:]
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is not None
    assert db.session.scalar(select(func.count(KeptText.id))) == 0  # shown once, then gone


def test_a_note_kept_across_sign_in_is_never_shown_to_someone_else(demo_client, stale):
    """advisor1's session ends on a case note; the leader signs in on the same browser, from that sign-in page:
    the note is not shown to them (nor anywhere in the page), and it is gone for good, for advisor1 too."""
    note = "Disclosed a safeguarding concern about her partner; do not call the home number."
    client, asked = _session_ends_on_a_note(demo_client, stale, note)
    other = _sign_in(demo_client, asked, "leader")
    assert other.status_code == 302 and other.headers["Location"].endswith("/rota/")
    assert "safeguarding" not in html.unescape(demo_client.get(other.headers["Location"]).get_data(as_text=True))
    assert db.session.scalar(select(func.count(KeptText.id))) == 0
    with demo_client.session_transaction() as session:
        session.clear()
    mine = _sign_in(demo_client, asked, "advisor1")  # the key of the page, once more: nothing left to show
    assert mine.status_code == 302 and mine.headers["Location"].endswith("/me/")


def test_a_kept_note_ends_after_30_minutes_and_on_signing_out(demo_client, stale):
    note = "Letter from the council about the overpayment, to go through on Tuesday."
    _, asked = _session_ends_on_a_note(demo_client, stale, note)
    row = db.session.scalar(select(KeptText))
    assert row.fields == [["body", note]] and row.path.endswith("/notes")  # never the token or the stamp
    row.created_at = row.created_at - timedelta(minutes=31)
    db.session.commit()
    late = _sign_in(demo_client, asked, "advisor1")
    assert late.status_code == 302 and note not in _text(demo_client.get(late.headers["Location"]))
    # Kept again, then the typist signs in elsewhere and out: signing out ends what was kept for them.
    _, asked = _session_ends_on_a_note(demo_client, stale, note)
    assert db.session.scalar(select(func.count(KeptText.id))) == 1
    demo_client.post("/login", data={"username": "advisor1", "password": "demo",
                                     "csrf_token": _token(_text(demo_client.get("/login")))})
    demo_client.post("/logout", data={"csrf_token": _token(_text(demo_client.get("/account/password")))})
    assert db.session.scalar(select(func.count(KeptText.id))) == 0
    after = _sign_in(demo_client, asked, "advisor1")
    assert after.status_code == 302 and after.headers["Location"].endswith("/me/")


def test_a_form_shown_to_someone_else_is_not_run_again_for_who_is_signed_in(demo_client, stale):
    """advisor1's notes page is left open; the session ends and a leader signs in on the same browser, then the
    page's form is sent: the leader is not shown advisor1's text; a post with no stamp or a forged one neither."""
    note = "Asked us not to tell her sister about the debt relief order."
    token = stale("advisor1")
    client = m.client_of("advisor1")
    stale("leader")  # the leader is signed in now, on the same browser
    for stamp in (token["typist"], None, token["typist"][:-2] + "xx"):
        data = {"body": note, "csrf_token": token["csrf_token"], **({"typist": stamp} if stamp else {})}
        sent = demo_client.post(f"/me/clients/{client.id}/notes", data=data)
        assert sent.status_code == 400 and "Asked us not" not in _text(sent) and "Form expired" in _text(sent)
    assert db.session.scalar(select(ClientNote).where(ClientNote.body == note)) is None


def test_a_post_without_a_valid_stamp_is_not_kept_across_sign_in(demo_client, stale):
    token = stale("advisor1")
    client = m.client_of("advisor1")
    with demo_client.session_transaction() as session:
        session.clear()
    for stamp in (None, "advisor1", token["typist"][:-2] + "xx"):
        data = {"body": "typed", "csrf_token": token["csrf_token"], **({"typist": stamp} if stamp else {})}
        asked = demo_client.post(f"/me/clients/{client.id}/notes", data=data)
        assert asked.status_code == 401 and _hidden(asked) == {}
    assert db.session.scalar(select(func.count(KeptText.id))) == 0


def test_only_a_form_that_keeps_typed_text_is_shown_after_signing_in(demo_app, demo_client):
    """A made-up key (or an old field naming a path) shows nothing: the sign-in goes home."""
    demo_app.config["WTF_CSRF_ENABLED"] = True
    try:
        for extra in ({"kept": "made-up"}, {"kept_path": "/me/time/remove", "kept-index": "0"},
                      {"kept": "x" * 5000}):
            with demo_client.session_transaction() as session:
                session.clear()
            page = _text(demo_client.get("/login"))
            signed_in = demo_client.post("/login", data={"username": "advisor1", "password": "demo",
                                                         "csrf_token": _token(page), **extra})
            assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/me/"), extra
    finally:
        demo_app.config["WTF_CSRF_ENABLED"] = False
