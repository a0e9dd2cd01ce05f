"""The work to place in a week: the team's clients and the appointment requests (forms; CSV import is
in import_views.py)."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from caseload.form_expiry import keeps_typed_text
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.localtime import this_week_start, to_local, to_utc
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, Skill, Team
from caseload.page_helpers import form_version, list_query, week_or_404, whole_arg
from caseload.values import whole_number
from caseload.rota.blueprint import bp
from caseload.rota.forms import COMPLEXITY, NONE, ClientForm, ConfirmForm, NewClientForm, RequestForm
from caseload.rota.views import LEADERS, advisor_choices, in_team_or_404, save_posted, team_or_404
from caseload.services.planning import plans
from caseload.services.planning.met_requests import met_ids, reason_now
from caseload.services.planning.problem import team_advisors
from caseload.services.rota import listings
from caseload.services.rota import requests as rota_requests
from caseload.services.rota import week as rota
from caseload.services.rota.coverage import need_warning, request_warnings


# --- clients -----------------------------------------------------------------------------------------

def _new() -> int | None:
    """The id of the row just added (?new=), to highlight it."""
    value = request.args.get("new", "")
    return whole_number(value)


@bp.get("/t/<int:team_id>/clients")
@role_required(*LEADERS)
def clients(team_id):
    team = team_or_404(team_id)
    advisors = team_advisors(team)
    skills = list(db.session.scalars(select(Skill).order_by(Skill.name)))
    advisor = request.args.get("advisor", "")
    query = list_query(listings.CLIENT_SORTS,
                        advisor=listings.NOT_ALLOCATED if advisor == listings.NOT_ALLOCATED else
                        whole_arg("advisor", {a.id for a in advisors}),
                        need=whole_arg("need", {s.id for s in skills}), complexity=whole_arg("complexity", {1, 2, 3}))
    return render_template("rota/clients.html", team=team, listing=listings.client_list(team, query), query=query,
                           advisors=advisors, skills=skills, new=_new(),
                           week=this_week_start(team.timezone), sorts=[("reference", "Reference"), ("name", "Name"),
                           ("advisor", "Named advisor"), ("need", "Need"), ("complexity", "Complexity")])


def _named_advisor(form) -> Advisor | None:
    return db.session.get(Advisor, form.named_advisor.data) if form.named_advisor.data else None


def _need(form) -> Skill | None:
    return db.session.get(Skill, form.need.data) if form.need.data else None


def _client_choices(team: Team, form) -> None:
    form.named_advisor.choices = advisor_choices(team, "— not allocated —")
    skills = db.session.scalars(select(Skill).order_by(Skill.code))
    form.need.choices = [SelectChoice(NONE, "—")] + [SelectChoice(s.id, s.name) for s in skills]
    form.complexity.choices = COMPLEXITY


@bp.route("/t/<int:team_id>/clients/new", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def new_client(team_id):
    team = team_or_404(team_id)
    form = NewClientForm()
    if request.method == "GET" and request.args.get("name"):  # the desk's "Add this client" (desk.views.who_adds)
        form.name.data = request.args["name"][:120]
    _client_choices(team, form)
    client, status = save_posted(form, lambda: rota.add_client(
        team, form.reference.data, form.name.data, _named_advisor(form), _need(form), form.complexity.data,
        current_user), once=url_for("rota.clients", team_id=team.id))
    if client is not None:
        flash(f"{client.reference} added. It is highlighted below.", "success")
        _warn_need(client)
        page = listings.client_page(team, client)
        return redirect(url_for("rota.clients", team_id=team.id, new=client.id, **({"page": page} if page > 1 else {}))
                        + f"#client-{client.id}")
    return render_template("rota/client.html", team=team, client=None, form=form), status


def _warn_need(client: Client) -> None:
    """Saved, but nobody in the team has the skill the client needs: say so now, not after planning."""
    warning = need_warning(client)
    if warning:
        flash(f"Warning: {warning}", "warning")


def _client_or_404(team: Team, client_id: int) -> Client:
    client = in_team_or_404(team, Client, client_id)
    if client.erased_at is not None:
        abort(404)
    return client


@bp.route("/t/<int:team_id>/clients/<int:client_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def edit_client(team_id, client_id):
    team = team_or_404(team_id)
    client = _client_or_404(team, client_id)
    form = ClientForm(data=None if request.method == "POST" else {
        "named_advisor": client.named_advisor_id or NONE, "need": client.need_id or NONE,
        "complexity": client.complexity, "version": client.version_id})
    _client_choices(team, form)
    saved, status = save_posted(form, lambda: rota.update_client(
        client, _named_advisor(form), _need(form), form.complexity.data, form_version(form), current_user))
    if saved is not None:
        flash(f"{client.reference} saved.", "success")
        _warn_need(client)
        return redirect(url_for("rota.clients", team_id=team.id))
    return render_template("rota/client.html", team=team, client=client, form=form), status


# --- appointment requests ----------------------------------------------------------------------------

@bp.get("/t/<int:team_id>/<week>/requests")
@role_required(*LEADERS)
def requests(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    return _requests_page(team, week_start)


REMOVE_CONFIRMED = "remove"  # the in-page question's own button value: only it removes a request


def _requests_page(team: Team, week_start, removing: AppointmentRequest | None = None):
    """The week's requests; `removing` shows the question before that request is removed."""
    types = list(db.session.scalars(select(AppointmentType).order_by(AppointmentType.name)))
    # Placed or not in the plan in force (the published one), else in the newest draft.
    plan = plans.published_plan(team, week_start) or plans.latest_plan(team, week_start)
    args = request.args
    query = list_query(listings.REQUEST_SORTS, type=whole_arg("type", {t.id for t in types}),
                        kind=args.get("kind") if args.get("kind") in ("support", "policing") else None,
                        pinned=args.get("pinned") if args.get("pinned") in ("yes", "no") else None,
                        status=args.get("status") if args.get("status") in ("placed", "unplaced") else None)
    listing = listings.request_list(team, week_start, query, plan_id=plan.id if plan is not None else None)
    return render_template("rota/requests.html", team=team, week=week_start, listing=listing, query=query,
        types=types, confirm=ConfirmForm(), tz=team.timezone, new=_new(), plan=plan,
        placement=listings.plan_items_for(plan.id if plan is not None else None, listing.rows),
        met=met_ids(listing.rows), reason_now=reason_now,
        sorts=[("client", "Client"), ("type", "Type"), ("minutes", "Minutes")], removing=removing,
        confirmed=REMOVE_CONFIRMED)


def _request_form(team: Team, data=None) -> RequestForm:
    form = RequestForm(data=data)
    types = list(db.session.scalars(select(AppointmentType).where(AppointmentType.active.is_(True))
                                    .order_by(AppointmentType.name)))
    # No type is chosen for the leader (it used to default to the first, "Compliance review").
    form.type.choices = [SelectChoice(NONE, "— choose a type —")] + [
        SelectChoice(t.id, f"{t.name} ({t.kind}, {t.default_minutes} min)") for t in types]
    form.type_minutes = {t.id: t.default_minutes for t in types}  # for rota.js, which shows the type's length
    form.pinned_advisor.choices = advisor_choices(team, "— not pinned —")
    return form


def _duration(form: RequestForm, kind: AppointmentType) -> int:
    """The type's length when the minutes are left empty, or when the type was changed and the minutes
    left as the form showed them; otherwise the minutes the leader gave."""
    given = form.duration_minutes.data
    if given is None:
        return kind.default_minutes
    shown_type, shown_minutes = form.type_shown.data, form.duration_shown.data
    if shown_type and shown_minutes and shown_type != str(kind.id) and shown_minutes == str(given):
        return kind.default_minutes
    return given


def _request_fields(team: Team, week_start: date, form: RequestForm) -> rota_requests.RequestFields:
    client = rota.client_by_reference(team, form.client.data)
    if client is None:
        raise rota.RotaError(f'No client "{form.client.data}" in team {team.name}.', "client")
    pinned = form.pinned_advisor.data not in (None, NONE)
    kind = db.session.get(AppointmentType, form.type.data)
    return rota_requests.RequestFields(
        client=client, type=kind, duration_minutes=_duration(form, kind), purpose=form.purpose.data,
        windows=rota_requests.parse_windows(form.windows.data, week_start, team.timezone),
        pinned_advisor=db.session.get(Advisor, form.pinned_advisor.data) if pinned else None,
        pinned_start=rota.typed_utc(form.pinned_day.data, form.pinned_time.data, team.timezone, "pinned_time",
                                    "Pinned start") if pinned else None)


@bp.route("/t/<int:team_id>/<week>/requests/new", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def new_request(team_id, week):
    team, week_start = team_or_404(team_id), week_or_404(week)
    form = _request_form(team, None if request.method == "POST" else {"client": request.args.get("client", "")})
    saved, status = save_posted(form, lambda: rota_requests.add_request(
        team, week_start, _request_fields(team, week_start, form), current_user),
        once=url_for("rota.requests", team_id=team.id, week=week))
    if saved is not None:
        flash(f"Request added. {saved.client.reference}'s request is highlighted below.", "success")
        _warn(saved)
        page = listings.request_page(team, saved)
        return redirect(url_for("rota.requests", team_id=team.id, week=week, new=saved.id,
                                **({"page": page} if page > 1 else {})) + f"#request-{saved.id}")
    return render_template("rota/request.html", team=team, week=week_start, form=form, item=None), status


def _warn(saved: AppointmentRequest) -> None:
    """Saved, but the planner cannot place it as things stand: say so now, not after planning."""
    for warning in request_warnings(saved):
        flash(f"Warning: {warning}", "warning")


def _request_or_404(team: Team, request_id: int) -> AppointmentRequest:
    return in_team_or_404(team, AppointmentRequest, request_id)


@bp.route("/t/<int:team_id>/requests/<int:request_id>", methods=["GET", "POST"])
@keeps_typed_text
@role_required(*LEADERS)
def edit_request(team_id, request_id):
    team = team_or_404(team_id)
    item = _request_or_404(team, request_id)
    tz = team.timezone
    pin = to_local(item.pinned_start, tz) if item.pinned_start else None
    form = _request_form(team, None if request.method == "POST" else {
        "client": item.client.reference, "type": item.type_id, "duration_minutes": item.duration_minutes,
        "purpose": item.purpose, "windows": rota_requests.windows_text(item, tz), "pinned_advisor": item.pinned_advisor_id or NONE,
        "pinned_day": pin.date() if pin else None, "pinned_time": pin.time() if pin else None,
        "version": item.version_id, "type_shown": str(item.type_id), "duration_shown": str(item.duration_minutes)})
    saved, status = save_posted(form, lambda: rota_requests.update_request(
        item, _request_fields(team, item.week_start, form), form_version(form), current_user))
    if saved is not None:
        flash("Request saved.", "success")
        _warn(saved)
        return redirect(url_for("rota.requests", team_id=team.id, week=item.week_start.isoformat()))
    return render_template("rota/request.html", team=team, week=item.week_start, form=form, item=item), status


@bp.post("/t/<int:team_id>/requests/<int:request_id>/delete")
@role_required(*LEADERS)
def delete_request(team_id, request_id):
    team = team_or_404(team_id)
    item = _request_or_404(team, request_id)
    week_start = item.week_start
    if ConfirmForm().validate_on_submit():
        if request.form.get("confirm") != REMOVE_CONFIRMED:  # asks first, in the page (it was a script-only dialog)
            return _requests_page(team, week_start, removing=item)
        try:
            rota_requests.remove_request(item, current_user)
            flash("Request removed.", "success")
        except rota.RotaError as err:
            flash(str(err), "error")
            return redirect(url_for("desk.client", client_id=item.client_id))
    return redirect(url_for("rota.requests", team_id=team.id, week=week_start.isoformat()))
