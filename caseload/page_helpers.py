"""Helpers shared by the HTML blueprints (admin, me, rota): a week in the URL, and a posted form that
was invalid or refused by a service (shown under the field at fault and in the flash)."""
from __future__ import annotations

from datetime import date
from typing import Callable, TypeVar

from flask import abort, flash, request
from wtforms.validators import ValidationError

from caseload import form_once
from caseload.extensions import db
from caseload.services.rota.listings import ListQuery
from caseload.values import ValueRejected, parse_week, whole_number
from caseload.timegrid import OffGrid, check_on_grid

Saved = TypeVar("Saved")


def week_or_404(text: str) -> date:
    """The Monday named in the URL, one of the weeks the app plans (values.parse_week); anything else is "not
    found", saying why when it is a date."""
    try:
        return parse_week(text)
    except ValueRejected as err:
        abort(404, description=str(err))
    except ValueError:
        abort(404)


def refused(form, err) -> None:
    """Show a service refusal (an error with a `field`) under its field and in the flash, naming the field."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(err)]
        flash(f"Not saved. {field.label.text}: {err}", "error")
    else:
        flash(f"Not saved: {err}", "error")


def show_stored(form, stored: dict, err: Exception) -> None:
    """A save refused because someone saved since (409): the form keeps the values typed, each field whose stored
    value differs says what is stored now, and the message lists every stored value, so the two can be compared
    (the form used to be shown again with the stored values, the typed ones lost). `stored`: {field name: value}."""
    now = []
    for name, value in stored.items():
        field = form[name]
        now.append(f"{field.label.text}: {value}")
        if field.data is not None and field.data != value:
            field.errors = [f"Saved since as {value} (yours, {field.data}, is kept here)."]
    flash(f"{err} Stored now: {'; '.join(now)}.", "error")


def field_errors(form) -> str:
    """Each refused field's label and reasons, "From (HH:MM): 'x': Not a time ...; Until: ...", for a flash message
    ("" when only the form as a whole was refused)."""
    return "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items() if name in form)


def invalid(form) -> None:
    said = field_errors(form)
    if said:  # none when the form was refused as a whole (form_once.UsedAgain: its handler says why)
        flash("Not saved. " + said, "error")


def submit(form, save: Callable[[], Saved], refusal: type[Exception], *, rollback: bool = False,
           once: str | None = None, saved_at: Callable[[Saved], str] | None = None) -> Saved | None:
    """Validate the posted `form` and run `save()`, returning what it saved (never None).

    None when the form is invalid or the service raised `refusal`: the reason is already shown and the
    caller re-renders the form with status 400. `rollback` drops what a refused save had already changed.
    `once`: for a form that adds something (form_once.Once), where a repeated send is sent back to; its
    token is claimed in the save's transaction (a refused save releases it). `saved_at`: the address of what
    `save()` saved, where a repeated send is sent instead (form_once.point_to), for a save that commits
    itself. Raises form_once.AlreadySaved, form_once.UsedAgain.
    """
    if not form.validate_on_submit():
        invalid(form)
        return None
    claimed = None
    if once is not None:
        claimed = form_once.claim(form, once)
        rollback = True  # a refused save must release the claim, so the corrected form can be sent
    try:
        saved = save()
    except refusal as err:
        if rollback:
            db.session.rollback()
        refused(form, err)
        return None
    if claimed is not None and saved_at is not None:
        form_once.point_to(claimed, saved_at(saved))
    return saved


def grid_time(form, field) -> None:
    """WTForms validator: a time field's value must be on the planning grid (timegrid.check_on_grid)."""
    if field.data is not None:
        try:
            check_on_grid(field.data)
        except OffGrid as err:
            raise ValidationError(f"{err}.") from None


def form_version(form) -> int | None:
    """The version an edit form was opened at (its hidden `version`; the page always sends it): None when a post
    sends none (the save then does not check), -1 for a garbled one (never matches: refused, not written blind).
    Garbled is anything but ASCII digits up to values.MAX_INT ("abc", "1e308", "nan", " ", "1.0", and "٣" or
    "1_0", which int() alone read as 3 and 10)."""
    if not form.version.data:
        return None
    number = whole_number(str(form.version.data))
    return -1 if number is None else number


def whole_arg(name: str, allowed) -> int | None:
    """A GET argument that must be one of `allowed` whole numbers; anything else means "any"."""
    value = request.args.get(name, "")
    number = whole_number(value)
    return number if number in allowed else None


def list_query(sorts, **filters) -> ListQuery:
    """A paged list's search, filters, sort and page from the URL (a bad value means the default, never an
    error); `filters` are already parsed by the caller."""
    args = request.args
    page = args.get("page", "")
    return ListQuery(q=(args.get("q") or "").strip()[:80], filters=filters,
                     sort=args.get("sort") if args.get("sort") in sorts else "",
                     desc=args.get("desc") == "1", page=whole_number(page, 999_999) or 1)
