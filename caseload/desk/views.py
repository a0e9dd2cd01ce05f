"""The booking desk pages: a client's appointments, offers for a new one, booking, cancelling, attendance.

Team leaders (and administrators) use it for the clients of the teams they manage; advisors for the
clients they hold or cover, booking into their own diary. Anyone else's client is "not found".
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from caseload import form_expiry
from caseload.form_expiry import keeps_typed_text
from caseload.auth.access import can_manage_team, role_required
from caseload.desk.blueprint import bp
from caseload.desk.forms import TYPE_NONE, AskForm, AttendanceForm, BookForm, CancelForm
from caseload.extensions import db
from caseload.localtime import this_week_start, to_local
from caseload.me.views import _client_page as my_client_page  # the advisor's own client page, for a 409 from it
from caseload.models import AppointmentRequest, AppointmentType, Client, IdempotencyKey, Role, Team, utcnow
from caseload.page_helpers import field_errors, week_or_404
from caseload.services.closures import broken as closure_broken
from caseload.services.desk import asks
from caseload.services.desk import booking
from caseload.services.desk import cancelling
from caseload.services.desk import desk_week
from caseload.services.desk import offers as desk_offers
from caseload.services.desk import idempotency
from caseload.services.desk import kept_apart
from caseload.services.desk import notice_override
from caseload.services.clients import client_data, name_search, notes
from caseload.services.rota import requests as rota_requests
from caseload.services.rota import week as rota
from caseload.services.desk import series
from caseload.services.desk import unplaced
from caseload.services.desk import attendance as attendance_service
from caseload.services.desk import policy
from caseload.values import whole_number

ANYONE = (Role.ADMIN, Role.LEADER, Role.ADVISOR)


def small_id(text: str | None) -> int | None:
    """A posted id as a number the database's INTEGER columns can hold, else None (anything else names nothing)."""
    return whole_number(text)


def client_or_404(client_id: int) -> Client:
    """A client the user may book for: leaders their teams' clients, advisors those they hold or cover."""
    client = db.session.get(Client, client_id)
    if client is None or client.erased_at is not None:
        abort(404)
    if current_user.role == Role.ADVISOR:
        if not notes.may_see_client(current_user.advisor, client):
            abort(404)
    elif not can_manage_team(current_user, client.team):
        abort(404)
    return client


def appointment_or_404(request_id: int) -> AppointmentRequest:
    found = db.session.get(AppointmentRequest, request_id)
    if found is None:
        abort(404)
    client_or_404(found.client_id)
    return found


def active_types() -> list[AppointmentType]:
    """The active appointment types by name: the type box's choices."""
    return list(db.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))
                                   .order_by(AppointmentType.name)))


def _choices(form: AskForm, client: Client, types: list[AppointmentType] | None = None) -> None:
    """The form's type and week choices. `types`: the request's active_types when already read (an offers page
    fills one form per offer), else read here."""
    types = active_types() if types is None else types
    form.type.choices = [TYPE_NONE] + [SelectChoice(t.id, f"{t.name} ({t.default_minutes} min, {t.kind})")
                                       for t in types]
    first = this_week_start(client.team.timezone)
    form.week.choices = [SelectChoice(d.isoformat(), f"{d:%a %d %b %Y}")
                         for d in (first + timedelta(weeks=k) for k in range(unplaced.WEEKS_AHEAD))]
    form.defaults_by_week = week_defaults(client, first)
    form.defaults_json = json.dumps(form.defaults_by_week)  # a plain str: the field's attribute escapes it


def week_defaults(client: Client, first) -> dict[str, str]:
    """Each week the desk books ("YYYY-MM-DD" of its Monday) -> the times the box is pre-filled with for it
    (desk_offers.ask_windows: the current week from now on, any later week Mon-Fri whole days). The page's script
    (static/desk_ask.js) swaps them in when the week changes and the box is untouched. A current week already over
    (Friday evening) has no entry: its defaults are the next week's."""
    out = {}
    for k in range(unplaced.WEEKS_AHEAD):
        week, lines = desk_offers.ask_windows(client.team, first + timedelta(weeks=k))
        if week == first + timedelta(weeks=k):
            out[week.isoformat()] = lines
    return out


def _lines(text: str | None, sep: str | None = None) -> list[str]:
    parts = (text or "").split(sep) if sep else (text or "").splitlines()
    return [" ".join(line.split()).lower() for line in parts if line.strip()]


def one_line(lines: str) -> str:
    """Window lines as the hidden default_windows holds them: "; "-joined (hidden fields are one-line text)."""
    return "; ".join(_lines(lines))


def defaults_follow_week(form: AskForm, client: Client) -> None:
    """When the times sent are still the ones the page filled in for another week (form.default_week), use the
    chosen week's defaults instead (week_defaults): without script, changing "Week of" left the current week's
    from-now times in the box, and a search for a later week went without Monday (and Tuesday only from 14:15).
    Times the user edited are kept as typed."""
    chosen = form.week.data
    if not form.default_week.data or form.default_week.data == chosen or not form.default_windows.data:
        return
    if _lines(form.windows.data) != _lines(form.default_windows.data, ";"):
        return
    lines = form.defaults_by_week.get(chosen)
    if lines:
        form.windows.data = lines
        form.default_week.data, form.default_windows.data = chosen, one_line(lines)


def _ask(form: AskForm, client: Client, weeks: desk_week.DeskWeeks | None = None) -> asks.Ask:
    """What the form asks. `weeks`: the request's DeskWeeks (why a rebooked appointment is broken, worked out once)."""
    from datetime import date

    week = date.fromisoformat(form.week.data)
    windows_text = asks.clean_text(form.windows.data, "windows", 2000) or ""
    try:
        windows = rota_requests.parse_windows(windows_text, week, client.team.timezone)
    except rota.RotaError as err:
        raise asks.BookingError(str(err), "windows") from None
    replacing = None
    if form.replacing.data:
        if small_id(form.replacing.data) is None:
            raise asks.BookingError("is not an appointment.", "replacing")
        replacing = appointment_or_404(small_id(form.replacing.data))
        if replacing.client_id != client.id:
            raise asks.BookingError("A rebooking is for the same client.", "replacing")
    fulfils = None
    if form.fulfils.data:
        if replacing is not None:
            raise asks.BookingError("A rebooking moves an appointment; book the request separately.", "fulfils")
        fulfils = db.session.get(AppointmentRequest, small_id(form.fulfils.data) or 0)
        if fulfils is None:  # removed since the offers page was shown: a 409 saying so, not "not this client's"
            asks.check_not_removed(small_id(form.fulfils.data), client)
        asks.check_fulfillable(fulfils, client)
    ask = asks.Ask(client=client, type=db.session.get(AppointmentType, form.type.data), week_start=week,
                   windows=windows, purpose=form.purpose.data, replacing=replacing,
                   advisor=current_user.advisor if current_user.role == Role.ADVISOR else None,
                   notice_override=form.notice_override.data if form.notice_override.data else None,
                   fulfils=fulfils)
    # BookingError naming notice_override
    notice_override.check_notice_override(ask, current_user, weeks.broken if weeks is not None else None)
    return ask


def _repeat(form: AskForm) -> series.Repeat | None:
    """The series asked for (None: once); BookingError naming `count` when "how many" is missing."""
    if not form.repeat.data:
        return None
    if form.count.data is None:
        raise asks.BookingError("Say how many times in all (2 or more).", "count")
    if form.replacing.data:
        raise asks.BookingError("A rebooking moves one appointment; book a series separately.", "repeat")
    if form.notice_override.data:
        raise asks.BookingError("Only a single rebooking may start inside the minimum notice.", "notice_override")
    if form.fulfils.data:
        raise asks.BookingError("A request is booked once; book a series separately.", "repeat")
    return series.Repeat(int(form.repeat.data), form.count.data)


def ask_form(client: Client, types: list[AppointmentType] | None = None) -> AskForm:
    """The offers form, read from the query string (a GET form: only reads, so no CSRF token and no re-post).
    `types`: as _choices."""
    form = AskForm(formdata=request.args, meta={"csrf": False})
    _choices(form, client, types)
    return form


def invalid(form, outcome: str = "Not booked.") -> None:
    """A posted form its own checks refused: `outcome` ("Not booked.", "Not cancelled."…), each field's label
    and reason."""
    flash(f"{outcome} " + field_errors(form), "error")


def refused_status(err: asks.BookingError) -> int:
    """400 for input wrong in itself (the field is named); 409 when it was right when the page was shown but the
    thing moved on since (asks.StateMoved: cancelled, recorded, booked or removed by someone else or another tab);
    403 for what the user may not do (kept_apart.SupportKeptApart: an advisor booking themselves support for a
    client they see only for a compliance review)."""
    if isinstance(err, kept_apart.SupportKeptApart):
        return 403
    return 409 if isinstance(err, asks.StateMoved) else 400


QUERY_WRONG = "No offers shown: check what you asked."  # the offers query (a GET) books nothing, so not "Not booked."


def _refused(form, err: asks.BookingError, outcome: str = "Not booked.") -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None and hasattr(field, "label"):
        field.errors = list(field.errors) + [str(err)]
        flash(f"{outcome} {field.label.text}: {err}", "error")
    else:
        flash(f"{outcome} {err.field + ': ' if err.field else ''}{err}", "error")


def _client_page(client: Client, form: AskForm | None = None, status: int = 200, rebooking=None,
                 kept_cancel: dict | None = None):
    made = form is None
    if made:  # from now on: today's time left and the later days, never a day gone (desk_offers.ask_windows)
        first = this_week_start(client.team.timezone)
        week, windows = desk_offers.ask_windows(client.team, max(first, rebooking.week_start) if rebooking else first)
        data = {"windows": windows, "week": week.isoformat(), "default_week": week.isoformat(),
                "default_windows": one_line(windows)}
        if rebooking is not None:
            data.update(type=rebooking.type_id, replacing=str(rebooking.id))
        form = AskForm(formdata=None, data=data, meta={"csrf": False})
    _choices(form, client)
    window = policy.late_window()
    if made and form.week.data not in [c.value for c in form.week.choices]:
        form.week.data = None  # e.g. a rebooking's week further ahead than the desk books
    if not form.week.data:
        form.week.data = form.week.choices[0].value  # the hint's example date is in the week shown
    if rebooking is None and small_id(form.replacing.data) is not None:
        rebooking = db.session.get(AppointmentRequest, small_id(form.replacing.data))
        rebooking = rebooking if rebooking is not None and rebooking.client_id == client.id else None
    view, series_list = attendance_service.client_view(client), attendance_service.client_series(client)
    sorted_out = unplaced.sort_out(view.waiting, view.upcoming + view.past)
    if kept_cancel is not None:  # the refused form is on the page (its row), else the reason is shown above
        forms = ({row.request.id for one in series_list for row, status in one.rows if status == "upcoming"}
                 if kept_cancel["rest"] else {row.request.id for row in view.upcoming})
        kept_cancel["inline"] = kept_cancel["id"] in forms
    return render_template("desk/client.html", client=client, form=form, tz=client.team.timezone,
                           rebooking=attendance_service.row_of(rebooking, desk_week.booked_item(rebooking)) if rebooking else None,
                           view=view, cancel_form=CancelForm(formdata=None), series_list=series_list,
                           attendance_form=AttendanceForm(formdata=None), may_mark=attendance_service.may_mark,
                           kept_cancel=kept_cancel, late_words=policy.window_words(window), unplaced=sorted_out,
                           late_from=to_local(utcnow() + window, client.team.timezone)), status


def findable_clients(text: str) -> list[Client]:
    """The clients the user may book for whose reference or name contains `text` (case-insensitive, ZWNJ/ZWJ
    ignored: name_search), by
    reference: leaders and administrators search their teams' clients (nothing until something is typed);
    an advisor sees the clients they hold or cover, all of them when nothing is typed."""
    text = text.strip()
    if current_user.role == Role.ADVISOR:
        advisor = current_user.advisor
        if advisor is None:
            return []
        mine = db.session.scalars(select(Client).where(Client.named_advisor_id == advisor.id,
                                                       Client.erased_at.is_(None))).all()
        every = sorted({c.id: c for c in [*mine, *notes.covered_clients(advisor)]}.values(), key=lambda c: c.reference)
        return [c for c in every if name_search.text_matches(c.reference, text) or name_search.text_matches(c.name, text)]
    found = client_data.clients_matching(rota.teams_for(current_user), text)
    return [c for c in found if c.erased_at is None]


@bp.get("/")
@role_required(*ANYONE)
def home():
    """The booking desk's door (the menu's "Desk"): find a client, then book, move or cancel their appointments."""
    text = request.args.get("q", "")[:80]
    searched = bool(text.strip()) or current_user.role == Role.ADVISOR
    found = findable_clients(text) if searched else []
    return render_template("desk/home.html", text=text, searched=searched, found=found,
                           **(who_adds(text) if text.strip() and not found else {}))


def who_adds(text: str) -> dict:
    """What a search that found no client offers next (a new client's first call must not dead-end at the desk):
    `add_to`, the teams the user may add a client to (a leader's, every team for an administrator), each linked
    to the add-client form with the name typed filled in; for an advisor, `leaders`: the team leader who adds
    clients (None when their team has none)."""
    if current_user.role == Role.ADVISOR:
        team = current_user.advisor.team if current_user.advisor is not None else None
        return {"leaders": [team.leader] if team is not None and team.leader is not None else []}
    return {"add_to": rota.teams_for(current_user), "typed_name": " ".join(text.split())}


@bp.get("/clients/<int:client_id>")
@role_required(*ANYONE)
def client(client_id):
    """The client's appointments and the booking form; `?rebook=<appointment id>` to move one of them."""
    found = client_or_404(client_id)
    rebook = request.args.get("rebook", "")
    rebooking = None
    if rebook:
        rebooking = appointment_or_404(small_id(rebook)) if small_id(rebook) is not None else abort(404)
        if rebooking.client_id != found.id:
            abort(404)
        try:
            asks.check_rebookable(rebooking)
        except asks.BookingError as err:  # a planning request, a cancelled, started or marked appointment
            flash(f"Not rebooked. {err}", "error")
            return _client_page(found, status=refused_status(err))
    return _client_page(found, rebooking=rebooking)


def _offers_page(client: Client, form: AskForm, found, status: int = 200, why: str | None = None,
                 repeat: series.Repeat | None = None, closed: dict | None = None, ask: asks.Ask | None = None,
                 named_why: str | None = None, weeks: desk_week.DeskWeeks | None = None,
                 types: list[AppointmentType] | None = None, may_override: bool = False):
    """`closed`: day -> reason of the asked week's closed days (services/closures), said above the offers.
    `weeks`: the request's DeskWeeks (the minimum notice, and why the rebooked appointment is broken, read once).
    `types`: the request's active_types (one read for every offer's form), else read here.
    `ask`: what was asked, to say a rebooking's minimum-notice override is on; `may_override`: whether to offer it
    (_may_override, worked out with the offers so a refusal there is said as theirs).
    `named_why`: why the client's named advisor is not offered (desk_offers.named_refusal)."""
    book_forms = []
    types = active_types() if types is None else types
    nonce = uuid.uuid4().hex  # one per page: its Book buttons book once however often they are pressed
    for offer in found:
        book = BookForm(formdata=None, data={
            "type": form.type.data, "week": form.week.data, "windows": form.windows.data,
            "purpose": form.purpose.data or "", "advisor": str(offer.advisor.id), "start": offer.local,
            "replacing": form.replacing.data or "", "repeat": form.repeat.data or "", "back": form.back.data or "",
            "count": form.count.data if repeat else None, "nonce": nonce, "notice_override": form.notice_override.data or "",
            "fulfils": form.fulfils.data or "",
            "starts": ",".join(offer.starts) if repeat else ""})
        _choices(book, client, types)
        book_forms.append((offer, book))
    return render_template("desk/offers.html", client=client, form=form, offers=book_forms, tz=client.team.timezone,
                           why=why, repeat=repeat, closed=closed or {},
                           notice=policy.notice_words(weeks.notice() if weeks is not None else None),
                           overridden=ask.notice_override if ask is not None else None,
                           may_override=may_override, rebooking=_rebooking_words(client, form, weeks),
                           named_why=named_why, fulfils=_fulfils_row(client, form),
                           past=asks.past_windows(client.team, ask) if ask is not None else []), status


@bp.get("/clients/<int:client_id>/offers")
@role_required(*ANYONE)
def offers(client_id):
    """The best places for what the form asks (one appointment or a series), each with a Book button."""
    client = client_or_404(client_id)
    types = active_types()  # read once: the ask form's and each offer's Book form's choices
    form = ask_form(client, types)
    if not form.validate():
        invalid(form, QUERY_WRONG)
        return _client_page(client, form, 400)
    defaults_follow_week(form, client)
    # This request's weeks, each built once (as the bookings are now), and its policy and closures, read once.
    weeks = desk_week.DeskWeeks()
    try:
        ask = _ask(form, client, weeks)
        repeat = _repeat(form)
        kept_apart.check_offers(ask, current_user)  # nothing offered that booking would refuse (403)
        if repeat is None:
            found = desk_offers.offers(client.team, ask, weeks=weeks)
            why = None if found else desk_offers.why_none(client.team, ask, weeks=weeks)
        else:
            found = series.series_offers(client.team, ask, repeat, weeks=weeks)
            why = None if found else series.why_none(client.team, ask, repeat, weeks=weeks)
        named_why = desk_offers.named_refusal(client.team, ask, found, series=repeat is not None, weeks=weeks)
        # Asked here, not while the page renders: a refusal from it is said as the offers' are (never a 500).
        may_override = _may_override(client, ask, repeat, weeks)
    except asks.BookingError as err:
        # A moved-on appointment (rebooking one cancelled meanwhile) is nothing to check in what was asked.
        _refused(form, err, "No offers shown." if isinstance(err, asks.StateMoved) else QUERY_WRONG)
        return _client_page(client, form, refused_status(err))
    return _offers_page(client, form, found, why=why, repeat=repeat, ask=ask, named_why=named_why, weeks=weeks,
                        types=types, may_override=may_override, closed=weeks.closed(client.team_id, ask.week_start,
                                                         ask.week_start + timedelta(days=6)))


def _may_override(client: Client, ask: asks.Ask, repeat: series.Repeat | None, weeks: desk_week.DeskWeeks) -> bool:
    """Whether the offers page offers a team leader's rebooking the minimum-notice override: one not set aside yet,
    for one appointment, that the user may set aside (notice_override.may_override) and that would offer more
    (offers.notice_matters). BookingError as the offers."""
    return (not ask.notice_override and repeat is None
            and notice_override.may_override(ask, current_user, weeks.notice(), weeks.broken)
            and desk_offers.notice_matters(client.team, ask, weeks=weeks))


def _rebooking_words(client: Client, form: AskForm, weeks: desk_week.DeskWeeks | None = None) -> str | None:
    """What the offers page rebooks, when the form moves one of this client's appointments: "Follow-up Tue 01 Dec
    10:00 with Kiran Young (absent: sick)"; the reason only when an absence or a closure breaks it. `weeks`: the
    request's DeskWeeks (why it is broken, worked out once), else worked out here."""
    found = db.session.get(AppointmentRequest, small_id(form.replacing.data) or 0) if form.replacing.data else None
    if found is None or found.client_id != client.id:
        return None
    why = weeks.broken(found) if weeks is not None else closure_broken.broken_reason(found)
    why = "" if why is None else f" ({why})" if why.startswith("Office closed") or why == "absent" else f" (absent: {why})"
    return f"{found.type.name} {_was(found)}".strip() + why


def _fulfils_row(client: Client, form: AskForm) -> AppointmentRequest | None:
    """The request the offers book in place of ("Book this request"), when the form names one of this client's."""
    found = db.session.get(AppointmentRequest, small_id(form.fulfils.data) or 0) if form.fulfils.data else None
    return found if found is not None and found.client_id == client.id else None


@bp.get("/requests/<int:request_id>/book")
@role_required(*ANYONE)
def book_request(request_id):
    """"Book this request": the offers for a planning request nobody will place (the published plan left it
    unplaced, or its times have passed), in its week or a later one; booking one links it to the request."""
    found = db.session.get(AppointmentRequest, request_id)
    client = client_or_404(found.client_id if found is not None else _removed_client_id(request_id))
    try:
        if found is None:  # a link on a page shown before the request was removed: a 409 saying who removed it
            asks.check_not_removed(request_id, client)
        asks.check_fulfillable(found, client)
    except asks.StateMoved as err:  # booked, withdrawn, placed or removed since the link was shown
        flash(f"Not booked. {err}", "error")
        return _client_page(client, status=409)
    except asks.BookingError as err:
        flash(f"Not booked. {err}", "error")
        return redirect(url_for("desk.client", client_id=client.id))
    return redirect(url_for("desk.offers", client_id=client.id, **unplaced.book_args(found)))


def _removed_client_id(request_id: int) -> int:
    """The client of a planning request removed from its week's requests (the audit log keeps it), else 0 (none:
    client_or_404 answers not found, as for any id naming nothing)."""
    removed = asks.removal(request_id)
    return (removed.detail or {}).get("client") or 0 if removed is not None else 0


def _form_key(form: BookForm, client_id: int):
    """(key, fingerprint) of the offers page's nonce: a second press of its Book buttons gets the first answer.
    The key holds the client of the URL: a nonce sent for another client is not that client's booking."""
    if not form.nonce.data:
        return None, None
    fields = {name: form[name].data for name in ("type", "week", "windows", "purpose", "advisor", "start", "starts",
                                                 "replacing", "repeat", "count", "fulfils")}
    return f"desk-form:{client_id}:{form.nonce.data}", hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _stored(key: str | None, client: Client):
    # A nonce answered before session 13 was kept without its client, "desk-form:<nonce>" (services/desk/idempotency):
    # a press of that page's Book buttons after the deploy still gets its answer, but only on its own client's
    # page (the row holds no client id; its answer names the client's reference): for another client it is new.
    older = "desk-form:" + key.split(":", 2)[2] if key is not None else None
    found = idempotency.stored_either(current_user.id, key, older)
    if found is not None and found.key == older and not _answer_names(found.body or {}, client):
        return None
    return found


def _answer_names(answer: dict, client: Client) -> bool:
    """Whether a Book answer's message (_booked_text, _series_text) is about `client`."""
    text, ref = answer.get("message") or "", re.escape(client.reference)
    said = rf"(?:Booked|Rebooked): {ref} (?:\(was |with )|Booked a series of \d+ for {ref} with "
    return re.match(said, text) is not None


@bp.post("/clients/<int:client_id>/book")
@keeps_typed_text
@role_required(*ANYONE)
def book(client_id):
    """Book the chosen offer (or series offer); then back to the client's page (post-redirect-get)."""
    client = client_or_404(client_id)
    form = BookForm()
    _choices(form, client)
    valid = form.validate_on_submit()
    if valid and small_id(form.advisor.data) is None:  # a hand-made post: say which field, not just "Not booked."
        form.advisor.errors = ["is not one of the offers' advisors: choose an offer."]
        valid = False
    if not valid:
        invalid(form)
        return _client_page(client, form, 400)
    key, fingerprint = _form_key(form, client.id)
    if (done := _stored(key, client)) is not None:
        flash(done.body.get("message", "Already booked.") + " (That form was sent twice; it was booked once.)", "success")
        return redirect(url_for("desk.client", client_id=client.id))
    user_id = current_user.id
    message = {}

    def remember(booked) -> None:
        if key is not None:
            idempotency.remember(user_id, key, fingerprint, 303, {"message": message["text"](booked)})

    def earlier():
        return _stored(key, client)

    repeat = None
    try:
        ask = _ask(form, client)
        repeat = _repeat(form)
        if repeat is None:
            was = _was(ask.replacing) if ask.replacing is not None else ""
            message["text"] = lambda b: _booked_text(client, ask, b, was)
            result = booking.book(client.team, ask, small_id(form.advisor.data), form.start.data, current_user,
                                  before_commit=remember, replay=earlier)
        else:
            message["text"] = lambda b: _series_text(client, b)
            starts = [s.strip() for s in (form.starts.data or "").split(",") if s.strip()]
            result = series.book_series(client.team, ask, repeat, small_id(form.advisor.data), starts, current_user,
                                        before_commit=remember, replay=earlier)
    except asks.BookingError as err:
        _refused(form, err)
        return _client_page(client, form, refused_status(err))
    except asks.BookingConflict as err:
        if (done := _stored(key, client)) is not None:  # the same form booked by a press at the same moment
            flash(done.body.get("message", "Already booked."), "success")
            return redirect(url_for("desk.client", client_id=client.id))
        flash(str(err), "error")
        return _offers_page(client, form, err.offers, status=409, repeat=repeat)
    flash(result.body.get("message", "Already booked.") if isinstance(result, IdempotencyKey) else message["text"](result),
          "success")
    if form.back.data == "broken" and repeat is None and ask.replacing is not None:  # rebooked from the broken list
        return redirect(url_for("desk.broken", team_id=client.team_id, week=ask.week_start.isoformat()))
    return redirect(url_for("desk.client", client_id=client.id))


def _was(request: AppointmentRequest) -> str:
    """Where a rebooked appointment was, before it moves: "Tue 01 Dec 11:30 with Ben Hassan"."""
    row = attendance_service.row_of(request, desk_week.booked_item(request))
    if row.start is None:
        return ""
    return f"{row.start:%a %d %b %H:%M}" + (f" with {row.advisor.name}" if row.advisor else "")


def _booked_text(client: Client, ask: asks.Ask, booked: asks.Booked, was: str = "") -> str:
    offer = booked.offer
    where = (f"in the published plan (version {booked.plan.published_version})" if booked.plan
             else "as a pinned request: the planner keeps it when the week is planned")
    done = (f" It takes the place of the {ask.fulfils.type.name} requested for the week of "
            f"{ask.fulfils.week_start:%d %b}, which is no longer waiting." if ask.fulfils is not None else "")
    return (f"{'Rebooked' if ask.replacing is not None else 'Booked'}: {client.reference}"
            f"{f' (was {was})' if was else ''} with {offer.advisor.name}, {offer_time(offer.local)}, {where}.{done}")


def _series_text(client: Client, booked) -> str:
    offer = booked.offer
    return (f"Booked a series of {len(booked.requests)} for {client.reference} with {offer.advisor.name}: "
            + ", ".join(offer_time(s) for s in offer.starts) + ".")


@bp.post("/appointments/<int:request_id>/cancel")
@keeps_typed_text
@role_required(*ANYONE)
def cancel(request_id):
    def done(item, form) -> str:
        cancelling.cancel(item, current_user, reason=form.reason.data)
        db.session.expire_all()
        late = db.session.get(AppointmentRequest, request_id).attendance == "cancelled_late"
        return "Cancelled: the time is free again." + (
            f" Recorded as a late cancellation (less than {policy.window_words()} before its start)." if late else "")

    return _cancelled(request_id, done, rest=False)


@bp.post("/appointments/<int:request_id>/cancel-rest")
@keeps_typed_text
@role_required(*ANYONE)
def cancel_rest(request_id):
    """Cancel this instance of a series and every later one still booked."""
    def done(item, form) -> str:
        gone = series.cancel_rest(item, current_user, reason=form.reason.data)
        late = sum(1 for one in gone if one.attendance == "cancelled_late")
        return (f"Cancelled {len(gone)} appointment{'s' if len(gone) != 1 else ''} of the series: the times are free "
                "again." + (f" {late} recorded as a late cancellation (less than {policy.window_words()} before its "
                            "start)." if late else ""))

    return _cancelled(request_id, done, rest=True)


def _cancelled(request_id: int, cancel_with, rest: bool):
    """The cancel form posted for an appointment: `cancel_with(item, form)` cancels and says what it did, then
    back to the client's page. A refusal or a race shows the client's page again with the reason as typed in
    that appointment's form (it used to redirect, and the typed reason was lost)."""
    item = appointment_or_404(request_id)
    client_id = item.client_id
    form = CancelForm()
    if (form.is_submitted() and item.cancelled_at is not None and item.cancelled_by_id == current_user.id
            and not form_expiry.expired()):
        # The same person's second press (a double click, a resend): the first answer again, not "Not cancelled".
        flash(f"Already cancelled ({asks.cancelled_words(item)}): the time is free again.", "success")
        return redirect(url_for("desk.client", client_id=client_id), 303)
    if not form.validate_on_submit():
        invalid(form, "Not cancelled.")
        return _kept_cancel(client_id, request_id, rest, " ".join(e for errs in form.errors.values() for e in errs), 400)
    try:
        flash(cancel_with(item, form), "success")
    except asks.BookingError as err:  # a StateMoved (cancelled in another tab, by someone else) is a 409
        flash(f"Not cancelled. {err}", "error")
        return _kept_cancel(client_id, request_id, rest, str(err), refused_status(err))
    except asks.BookingConflict as err:
        flash(str(err), "error")
        return _kept_cancel(client_id, request_id, rest, str(err), 409)
    return redirect(url_for("desk.client", client_id=client_id))


def _kept_cancel(client_id: int, request_id: int, rest: bool, error: str, status: int):
    db.session.rollback()
    kept = {"id": request_id, "rest": rest, "reason": request.form.get("reason", ""), "error": error}
    return _client_page(client_or_404(client_id), status=status, kept_cancel=kept)


MY_WEEK = re.compile(r"/me/week/\d{4}-\d{2}-\d{2}")  # the only path `back` may name: My week's "record attendance"


def attendance_back(back: str | None, client_id: int) -> str:
    """Where saving attendance returns to, from the form's hidden `back`: "me" the advisor's own client page, a
    My week path (/me/week/<YYYY-MM-DD>, a real date) that week, anything else the desk's client page. An
    allow-list of internal paths, so a posted address never sends anyone off the site (no open redirect)."""
    if back == "me":
        return url_for("me.client", client_id=client_id) + "#appointments"
    if back and MY_WEEK.fullmatch(back):
        try:
            date.fromisoformat(back.rsplit("/", 1)[1])
        except ValueError:
            pass
        else:
            return back + "#to-record"
    return url_for("desk.client", client_id=client_id)


@bp.post("/appointments/<int:request_id>/attendance")
@role_required(*ANYONE)
def attendance(request_id):
    item = appointment_or_404(request_id)
    form = AttendanceForm()
    back = attendance_back(form.back.data, item.client_id)
    if not form.validate_on_submit():
        invalid(form, "Not saved.")
        return redirect(back)
    try:
        attendance_service.mark(item, form.outcome.data, current_user, seen=form.seen.data)
        flash("Attendance saved.", "success")
    except attendance_service.AttendanceMoved as err:
        # Someone else (or another tab) got there first: the page again, as it is now, with a 409.
        db.session.rollback()
        flash(f"Not saved: {attendance_service.OUTCOMES[form.outcome.data]}. {err}", "error")
        if back.startswith("/me/"):  # from the advisor's own pages: their client page
            return my_client_page(item.client, status=409)
        return _client_page(client_or_404(item.client_id), status=409)
    except attendance_service.AttendanceError as err:
        flash(f"Not saved. {err}", "error")
    return redirect(back)


@bp.get("/teams/<int:team_id>/<week>/broken")
@role_required(Role.ADMIN, Role.LEADER)
def broken(team_id, week):
    """What absences and office closures break in the week's booked appointments, each with a link to rebook it."""
    team = db.session.get(Team, team_id)
    if team is None or not can_manage_team(current_user, team):
        abort(404)
    week_start = week_or_404(week)
    rows = attendance_service.broken_by_absences(team, week_start)
    seen = {row.request.id for row, _ in rows}  # one on a closed day and in an absence: listed once
    rows += [(row, why) for row, why in closure_broken.broken_by_closures(team, week_start) if row.request.id not in seen]
    rows.sort(key=lambda pair: (pair[0].start, pair[0].request.id))
    now = to_local(utcnow(), team.timezone)
    # One that has started can no longer be rebooked (asks.check_cancellable): its attendance is recorded instead.
    return render_template("desk/broken.html", team=team, week=week_start,
                           rows=[(row, absence, None if row.start <= now else _rebook_url(row, week_start))
                                 for row, absence in rows])


def _rebook_url(row, week_start) -> str:
    """One click to the offers for moving a broken appointment: any time from its day (or today) to Friday,
    the client's named advisor's offers first, then its own advisor's (desk_offers.rebook_rank)."""
    windows = desk_offers.rebook_windows(row.request, row.start.date(), week_start)
    return url_for("desk.offers", client_id=row.request.client_id, type=row.request.type_id,
                   week=week_start.isoformat(), windows=windows, replacing=row.request.id, back="broken")


@bp.app_template_filter("offer_time")
def offer_time(text: str) -> str:
    """"2026-12-01T09:30" as a desk says it: "Tue 01 Dec 09:30"."""
    from datetime import datetime

    return f"{datetime.strptime(text, '%Y-%m-%dT%H:%M'):%a %d %b %H:%M}"
