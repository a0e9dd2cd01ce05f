"""A client's data: find the client, download everything held about them (JSON), erase them.

Administrators reach every client; team leaders the clients of the teams they lead (others are "not found").
"""
from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from caseload.admin.blueprint import bp
from caseload.auth.access import can_manage_team, role_required
from caseload.extensions import db
from caseload.forms import Form
from caseload.models import Client, Role
from caseload.page_helpers import form_version
from caseload.services.clients import client_data, reference_lookup
from caseload.services.rota.week import teams_for

KEEPERS = (Role.ADMIN, Role.LEADER)


class EraseForm(Form):
    confirm = StringField("Type the client's reference to confirm", validators=[DataRequired(), Length(max=40)])
    version = HiddenField()


def _client_or_404(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None or not can_manage_team(current_user, client.team):
        abort(404)
    return client


@bp.get("/clients")
@role_required(*KEEPERS)
def client_search():
    text = request.args.get("q", "")[:80]
    found = client_data.clients_matching(teams_for(current_user), text)
    return render_template("admin/client_search.html", text=text, found=found)


def _data_page(client: Client, form: EraseForm, status: int = 200):
    return render_template("admin/client_data.html", client=client, form=form,
                           counts=client_data.client_summary(client)), status


@bp.get("/clients/<int:client_id>")
@role_required(*KEEPERS)
def client_data_page(client_id):
    client = _client_or_404(client_id)
    return _data_page(client, EraseForm(version=client.version_id))


@bp.get("/clients/<int:client_id>/export.json")
@role_required(*KEEPERS)
def client_export(client_id):
    client = _client_or_404(client_id)
    document = client_data.export_client(client, by=current_user)
    filename = f"caseload-client-{client.id}.json"
    return Response(json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/clients/<int:client_id>/erase")
@role_required(*KEEPERS)
def client_erase(client_id):
    client = _client_or_404(client_id)
    form = EraseForm()
    if not form.validate_on_submit():
        flash("Type the client's reference to confirm.", "error")
        return _data_page(client, form, 400)
    # Found as references are everywhere (reference_lookup): "ab-12" confirms "AB-12", and a reference stored with
    # an invisible joiner can be confirmed as it is seen; but it must find THIS client: beside an old NULL-key twin
    # "AB-12", the typed "AB-12" is the twin's reference, not "ab-12"'s, and erasing cannot be undone.
    if client.erased_at is None:
        try:
            found = reference_lookup.team_client(client.team, form.confirm.data)
        except reference_lookup.AmbiguousReference as err:
            form.confirm.errors = [f"{err} Nothing was erased."]
            return _data_page(client, form, 400)
        if found is None or found.id != client.id:
            form.confirm.errors = ["This is not the client's reference; nothing was erased."]
            return _data_page(client, form, 400)
    try:
        # A garbled version (-1) is a stale one: refused as changed since (409), never erased blind.
        client_data.erase_client(client, by=current_user, expected_version=form_version(form))
    except client_data.ClientDataError as err:
        flash(str(err), "error")
        return _data_page(client, form, 409 if isinstance(err, client_data.ErasureConflict) else 400)
    flash("The client's personal data has been erased. Plan history is kept without it.", "success")
    return redirect(url_for("admin.client_data_page", client_id=client.id))
