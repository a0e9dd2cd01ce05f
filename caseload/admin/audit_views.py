"""The audit log viewer: who changed what and when, filtered and paginated."""
from __future__ import annotations

from flask import render_template, request
from wtforms import SelectChoice

from caseload.admin.blueprint import bp
from caseload.admin.forms import AuditFilterForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.services.people import admin_lists
from caseload.services.people.zone import service_zone
from caseload.services import audit, audit_words


@bp.get("/audit")
@role_required(ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", "— any —")] + [SelectChoice(a, audit.action_name(a)) for a in audit.audit_actions()]
    ok = form.validate()
    user = _the_user(form) if ok and form.user.data and form.user.data.strip() else None
    ok = ok and not form.user.errors
    page = request.args.get("page", 1, type=int)
    result = audit.search_audit(
        user_id=user.id if ok and user else None, action=form.action.data if ok else None,
        since=form.since.data if ok else None, until=form.until.data if ok else None, page=page,
        tz=service_zone())  # the From/Until days are the office's, as the page shows its times
    # Page links keep the filters.
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, result=result, args=args, filters_ok=ok,
                           action_name=audit.action_name, detail_label=audit_words.detail_label), 200 if ok else 400


def _the_user(form: AuditFilterForm):
    """The one account the User field names, or None with the field's error saying what to type."""
    text = form.user.data.strip()
    found = admin_lists.users_matching(text)
    if len(found) == 1:
        return found[0]
    if not found:
        form.user.errors = [f"No user's username or name contains '{text}'."]
    else:
        names = ", ".join(u.username for u in found[:admin_lists.USER_MATCHES_SHOWN])
        more = " and more" if len(found) > admin_lists.USER_MATCHES_SHOWN else ""
        form.user.errors = [f"Several users match '{text}' ({names}{more}): type the whole username."]
    return None
