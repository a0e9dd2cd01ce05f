"""The audit log viewer: who changed what and when, filtered and paginated."""
from __future__ import annotations

from flask import render_template, request
from wtforms import SelectChoice

from caseload.admin.blueprint import bp
from caseload.admin.forms import NONE, AuditFilterForm
from caseload.admin.views import ADMIN
from caseload.auth.access import role_required
from caseload.services.people import admin
from caseload.services import audit


@bp.get("/audit")
@role_required(ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice(NONE, "— anyone —")] + [SelectChoice(u.id, u.username)
                                                            for u in admin.all_users()]
    form.action.choices = [SelectChoice("", "— any —")] + [SelectChoice(a) for a in audit.audit_actions()]
    ok = form.validate()
    page = request.args.get("page", 1, type=int)
    result = audit.search_audit(
        user_id=form.user.data if ok and form.user.data else None, action=form.action.data if ok else None,
        since=form.since.data if ok else None, until=form.until.data if ok else None, page=page)
    # Page links keep the filters.
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/audit.html", form=form, result=result, args=args, filters_ok=ok), 200 if ok else 400
