"""The base of every form in the app: what the edge refuses, added to each field by its type.

Every text field refuses control characters and broken characters (caseload/values.py), naming the field;
multi-line fields (TextAreaField: notes, windows, work patterns) keep line breaks and tabs. Passwords are
only ever hashed, so they are left as typed. Every date field refuses dates outside the years the app
plans (values.FIRST_DAY to values.LAST_DAY). tests/web/test_edge_values.py checks every form derives
from Form. Beside its security token, a form shown to someone signed in carries a stamp naming them
(caseload/form_typist.py): text refused with an expired token goes back to that person only.
"""
from __future__ import annotations

import secrets
from datetime import time

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, PasswordField, StringField, TextAreaField, TimeField
from wtforms.widgets import TextInput
from wtforms.validators import ValidationError

from caseload import form_expiry, form_once, form_typist, values
from caseload.timegrid import MIDNIGHT_END, NOT_A_TIME, NOT_A_TIME_END, START_REFUSED, whole_minutes


REQUIRED = "This field is required."  # WTForms' DataRequired/InputRequired message


# H:MM or HH:MM, 00:00 to 23:59 (the grid is checked after), ":00" seconds allowed (timegrid.whole_minutes)
_CLOCK_PATTERN = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::00)?"
# The visible format hint beside every clock box (placeholders vanish once typing starts: WCAG 3.3.2 wants the
# instruction to stay), and what a typed text that is not a time is told (Form.validate puts the text typed first).
CLOCK_HINT = "24-hour clock, HH:MM, e.g. 14:30"
CLOCK_HINT_END = "24-hour clock, HH:MM, e.g. 17:30; 24:00 is midnight at the end of the day"
NOT_A_CLOCK = f"{NOT_A_TIME}."  # the windows and work patterns say the same (timegrid.clock)
NOT_A_CLOCK_END = f"{NOT_A_TIME_END}."


class ClockInput(TextInput):
    """A 24-hour "HH:MM" text box for a time of day, with its format hint shown after it: a browser's time picker
    (<input type="time">) can neither show nor take 24:00 (it sanitises the value to empty), shows 12-hour times in
    some locales, and keeps no text it cannot read, so a refused entry came back empty. `end`: 24:00 is allowed by
    its pattern. The browser's pattern check is only a hint; the field's own parsing is what refuses. The box is
    described by its hint (`<id>-hint`) and, when refused, by its first error (`<id>-error`, the field macro's)."""

    def __init__(self, end: bool = False):
        super().__init__()
        self.end = end

    def __call__(self, field, **kwargs):
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("placeholder", "HH:MM or 24:00" if self.end else "HH:MM")
        kwargs.setdefault("maxlength", 8)  # "09:30:00" pasted is taken; a shorter limit cut "9:30:00" to "9:30:"
        kwargs.setdefault("pattern", f"{_CLOCK_PATTERN}|24:00(?::00)?" if self.end else _CLOCK_PATTERN)
        kwargs.setdefault("title", "A 24-hour time like 09:30" + ("; 24:00 is midnight at the end of the day"
                                                                   if self.end else ""))
        kwargs.pop("step", None)  # a time picker's option, meaningless here
        ident = kwargs.get("id", field.id)
        if not ident:
            return super().__call__(field, **kwargs)
        kwargs.setdefault("aria-describedby", f"{ident}-hint" + (f" {ident}-error" if field.errors else ""))
        if field.errors:
            kwargs.setdefault("aria-invalid", "true")
        hint = CLOCK_HINT_END if self.end else CLOCK_HINT
        return (super().__call__(field, **kwargs)
                + Markup(f' <span class="muted field-hint" id="{escape(ident)}-hint">{escape(hint)}</span>'))


class ClockField(TimeField):
    """A time of day typed in a 24-hour text box (ClockInput): "14:30" or "9:30", read as timegrid.clock reads the
    windows and work patterns: zero seconds dropped ("09:30:00", pasted, is 09:30), spaces around it ignored (" 09:00 " was refused while " 24:00 " was taken), and only
    the digits 0-9 (strptime also took "0٩:00" as 09:00, which the windows box, the CSV and the API refuse). Other
    text is refused with NOT_A_CLOCK (the form shows it back as typed), not WTForms' "Not a valid time value."."""

    widget = ClockInput()

    def __init__(self, label=None, validators=None, format="%H:%M", invalid_value_message=NOT_A_CLOCK, **kwargs):
        super().__init__(label, validators, format, invalid_value_message=invalid_value_message, **kwargs)

    def process_formdata(self, valuelist):
        text = sent_clock(valuelist)
        if text is not None:
            if not text.isascii():
                self.data = None
                raise ValueError(f"{self.invalid_value_message} Use the digits 0-9.")
            valuelist = [text]
        super().process_formdata(valuelist)


def sent_clock(valuelist) -> str | None:
    """The time text a clock box sent, spaces around it and zero seconds dropped ("24:00:00" is "24:00", "09:30:00"
    is "09:30", as timegrid.clock reads the windows: a pasted or a browser's value often carries them), or None when
    nothing was sent. Other seconds are kept, so the field refuses them."""
    if valuelist and isinstance(valuelist[0], str):
        return whole_minutes(valuelist[0].strip())
    return None


class StartTimeField(ClockField):
    """A time that STARTS something (absences' and protected time's From, a request's pinned start, a move's
    start): "24:00" (which a text box lets anyone type, and a post can carry) is refused with a sentence saying
    why."""

    def process_formdata(self, valuelist):
        if sent_clock(valuelist) == MIDNIGHT_END:
            self.data = None
            raise ValueError(START_REFUSED)
        super().process_formdata(valuelist)


class EndTimeField(ClockField):
    """A time that ENDS something (absences' Until, protected-time preferences' and case-work blocks' Until): as
    well as what TimeField reads, "24:00" is midnight at the end of that day, as on every other form that takes an
    end (work patterns, request and desk windows: timegrid.clock(end=True); the API's T24:00). Its data is then
    00:00, which every caller takes as that midnight (an end must come after its start, so an end of 00:00 can
    only be it), and it is shown back as "24:00" in a ClockInput (a browser's time picker cannot show it)."""

    widget = ClockInput(end=True)

    def __init__(self, label=None, validators=None, format="%H:%M", invalid_value_message=NOT_A_CLOCK_END, **kwargs):
        super().__init__(label, validators, format, invalid_value_message=invalid_value_message, **kwargs)

    def process_formdata(self, valuelist):
        if sent_clock(valuelist) == MIDNIGHT_END:
            self.data = time(0)
            return
        super().process_formdata(valuelist)

    def _value(self):
        if not self.raw_data and self.data == time(0):
            return MIDNIGHT_END
        return super()._value()


class PlainText:
    """A WTForms validator: the text holds no control characters (line breaks and tabs if `multiline`)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        problem = values.text_problem(field.data or "", self.multiline) if isinstance(field.data, str) else None
        if problem:
            raise ValidationError("This " + problem)


class SaneDate:
    """A WTForms validator: the date lies in the years the app plans."""

    def __call__(self, form, field):
        if field.data is not None and not values.day_in_range(field.data):
            raise ValidationError(f"Give a date {values.range_text()}.")


class SaneWeek:
    """A WTForms validator: the date is the Monday of a week the app plans (values.week_problem's sentences)."""

    def __call__(self, form, field):
        problem = values.week_problem(field.data) if field.data is not None else None
        if problem:
            raise ValidationError(problem)


class WeekField(DateField):
    """A week, given as its Monday (YYYY-MM-DD): checked by SaneWeek, not SaneDate, so a week outside the
    weeks the app plans says so rather than "Give a date between 2000 and 2099"."""


def edge_validator(field):
    """The validator the edge adds to `field`, or None."""
    if isinstance(field, PasswordField):
        return None
    if isinstance(field, TextAreaField):
        return PlainText(multiline=True)
    if isinstance(field, StringField):
        return PlainText()
    if isinstance(field, WeekField):
        return SaneWeek()
    if isinstance(field, DateField):
        return SaneDate()
    return None


class Form(FlaskForm):
    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self:  # a typed value that is not a date or time was told "This field is required."
            typed = [v for v in (field.raw_data or []) if isinstance(v, str) and v.strip()]
            if field.process_errors and typed and isinstance(field, (DateField, TimeField)):  # DataRequired clears
                # the parse error ("Not a valid date value.") when the data is None
                said = typed[0] if len(typed[0]) <= 40 else typed[0][:40] + "…"
                field.errors = [f"{said!r}: {e}" for e in field.process_errors] + [
                    e for e in field.errors if e not in field.process_errors and e != REQUIRED]
                ok = False
        if form_once.used_again() and self.is_submitted():  # its token saved an earlier entry: a new one to send
            if hasattr(self, "submission"):
                self.submission.data = secrets.token_urlsafe(18)
            return False  # USED_AGAIN is flashed by the handler (caseload/errors.py)
        if form_expiry.expired() and self.is_submitted():  # the site-wide token check refused this post
            token = getattr(self, "csrf_token", None)
            if token is not None:
                token.label.text = "Form expired"
                token.errors = [form_expiry.EXPIRED]
            else:
                self.form_errors.append(form_expiry.EXPIRED)
            return False
        return ok

    class Meta(FlaskForm.Meta):
        # Two forms on one page with a field of the same name would give two elements one id: a form class sets
        # `class Meta: id_prefix = "whatif-"` to prefix its ids (not its names, so what it posts is unchanged).
        id_prefix = ""

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.id = f"{self.id_prefix}{field.id}"
            extra = edge_validator(field)
            if extra is not None:
                field.validators = [*field.validators, extra]
            return field

        def render_field(self, field, render_kw):
            # The CSRF token is a hidden input no label points at: no id, so several forms on a page share none.
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}
                # Beside it, who the form is shown to: a post refused after the session ended keeps its text
                # for that user only (caseload/form_typist.py, caseload/auth/kept_text.py).
                return Markup(super().render_field(field, render_kw)) + form_typist.stamp_field()
            return super().render_field(field, render_kw)
