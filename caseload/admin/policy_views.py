"""The service's booking policy: the late-cancellation window (services/desk/policy.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from caseload.form_expiry import keeps_typed_text
from caseload.admin.blueprint import bp
from caseload.admin.forms import PolicyForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.extensions import db
from caseload.models import User
from caseload.page_helpers import form_version, invalid, show_stored
from caseload.services.desk import policy as service_policy


def _page(found, form: PolicyForm | None = None, status: int = 200):
    form = form or PolicyForm(formdata=None, data={"late_cancel_hours": found.late_cancel_hours,
                                                   "min_notice_hours": found.min_notice_hours,
                                                   "version": found.version_id})
    changed_by = db.session.get(User, found.updated_by_id) if found.updated_by_id else None
    return render_template("admin/policy.html", policy=found, form=form, changed_by=changed_by,
                           never_changed=service_policy.never_changed(found),
                           notice=service_policy.notice_words(service_policy.min_notice())), status


@bp.get("/policy")
@role_required(ADMIN)
def policy_page():
    found = service_policy.current_policy()
    db.session.commit()  # created with the defaults on first use
    return _page(found)


@bp.post("/policy")
@keeps_typed_text
@role_required(ADMIN)
def save_policy():
    found = service_policy.current_policy()
    form = PolicyForm()
    if not form.validate_on_submit():
        invalid(form)
        return _page(found, form, 400)
    try:
        service_policy.save_policy(found, form.late_cancel_hours.data, form_version(form),
                                   by=current_user, min_notice_hours=form.min_notice_hours.data)
    except service_policy.PolicyRejected as err:
        getattr(form, err.field).errors = [str(err)]
        flash(f"Not saved. {getattr(form, err.field).label.text}: {err}", "error")
        return _page(found, form, 400)
    except service_policy.PolicyConflict as err:
        db.session.expire_all()
        stored = service_policy.current_policy()
        show_stored(form, {name: getattr(stored, name) for name in ("late_cancel_hours", "min_notice_hours")}, err)
        return _page(stored, form, 409)
    window = service_policy.late_window()
    flash("Service policy saved: " + (f"a cancellation less than {service_policy.window_words(window)} before the "
                                      "start is recorded as late." if window else "no cancellation is recorded as late."),
          "success")
    flash(f"Minimum notice for bookings: {service_policy.notice_words()}.", "success")
    return redirect(url_for("admin.policy_page"))
