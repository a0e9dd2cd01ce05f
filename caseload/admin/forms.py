"""Administrators' forms. Choices (teams, users, skills) are filled by the views from the database,
so WTForms refuses anything that is not in the list."""
from __future__ import annotations

from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, PasswordField, SelectChoice, SelectField, SelectMultipleField,
    StringField, TextAreaField,
)
from wtforms.validators import (
    DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError,
)

from caseload.form_once import Once
from caseload.forms import Form, WeekField
from caseload.values import text_box_sends
from caseload.models import KINDS, Role

NONE = 0  # the "nobody / none" choice in selects
ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class UserCreateForm(Once, Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.ADVISOR.value)
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)])


class StoredTextField(StringField):
    """A text box showing a stored value (`stored`, set by the view) that may hold what the edge now refuses (a
    username with a line break or a control character, stored before the checks): sent back as the box shows it
    (values.text_box_sends), it is no change and not checked; any other text is checked as usual."""
    stored: str | None = None

    def pre_validate(self, form):
        if self.stored is not None and self.data in (self.stored, text_box_sends(self.stored)):
            raise StopValidation()  # no message: no error, the edge's PlainText skipped


class UserEditForm(Form):
    # Renames the account (users.rename_user: the service says what is wrong, an empty name too); a post without
    # the field, or with the stored username as its box shows it (StoredTextField), leaves the username alone.
    username = StoredTextField("Username")
    display_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (can sign in)")
    advisor = SelectField("Advisor record", coerce=int, default=NONE)
    version = HiddenField("This form")  # the edit version it was opened at: a save since is refused (409)


class TeamForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    timezone = StringField("Time zone", default="Europe/London", validators=[DataRequired(), Length(max=64)])
    leader = SelectField("Team leader", coerce=int, default=NONE)
    version = HiddenField("This form")  # the edit version it was opened at: a save since is refused (409)


class NewTeamForm(Once, TeamForm):
    """Adding a team: sent twice (a double click, a resend), it is saved once (caseload.form_once)."""


class SkillForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    # Left empty, the code is made from the name (admin.skill_code_from): it asked for a lower-case code and
    # refused one with a capital or a space, a step nobody needed (walkthrough).
    code = StringField("Code (leave empty to make it from the name)", validators=[Optional(), Length(max=40)],
                       render_kw={"placeholder": "e.g. mental-health"})
    version = HiddenField("This form")  # the edit version it was opened at: a save since is refused (409)


class NewSkillForm(Once, SkillForm):
    """Adding a skill: saved once however often it is sent (caseload.form_once)."""


class AdvisorForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    team = SelectField("Team", coerce=int, validators=[InputRequired()])
    skills = SelectMultipleField("Skills", coerce=int)
    does_support = BooleanField("Support (holds a caseload, sees clients)", default=True)
    does_policing = BooleanField("Policing (compliance reviews, sanctions)")
    work_pattern = TextAreaField("Work pattern (one day a line, e.g. \"mon 09:00-12:30, 13:30-17:00\")",
                                 default="mon 09:00-12:30, 13:30-17:00\ntue 09:00-12:30, 13:30-17:00\n"
                                         "wed 09:00-12:30, 13:30-17:00\nthu 09:00-12:30, 13:30-17:00\n"
                                         "fri 09:00-12:30, 13:30-17:00",
                                 validators=[DataRequired(), Length(max=2000)])
    protected_minutes = IntegerField("Protected time target (minutes a week)", default=240,
                                     validators=[InputRequired(), NumberRange(0, 2400)])
    max_appointments_per_day = IntegerField("Most appointments a day (empty: no limit)",
                                            validators=[Optional(), NumberRange(1, 40)])
    max_caseload = IntegerField("Largest caseload (empty: no limit)", validators=[Optional(), NumberRange(1, 1000)])
    active = BooleanField("Active (planned into weeks)", default=True)
    version = HiddenField("This form")  # the version it was opened at: a change saved since is refused (409)


class NewAdvisorForm(Once, AdvisorForm):
    """Adding an advisor: saved once however often it is sent (caseload.form_once)."""


class AppointmentTypeForm(Form):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=[SelectChoice(k) for k in KINDS])
    skill = SelectField("Skill needed", coerce=int, default=NONE)
    default_minutes = IntegerField("Default length (minutes)", default=30, validators=[InputRequired(), NumberRange(15, 480)])
    active = BooleanField("Active", default=True)
    version = HiddenField("This form")  # the edit version it was opened at: a save since is refused (409)


class NewAppointmentTypeForm(Once, AppointmentTypeForm):
    """Adding an appointment type: saved once however often it is sent (caseload.form_once)."""


WEIGHT_FIELDS = ("assigned", "continuity", "protected", "separation", "disruption")


class WeightsForm(Form):
    assigned = IntegerField("Serving every client (assigned)", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    continuity = IntegerField("Same advisor (continuity)", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    protected = IntegerField("Protected time (per minute)", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    separation = IntegerField("Policing apart from support (separation)", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    disruption = IntegerField("Keeping a published week (disruption)", validators=[InputRequired(), NumberRange(0, 1_000_000)])
    version = HiddenField()

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, name).data for name in WEIGHT_FIELDS}


class WhatIfForm(WeightsForm):
    class Meta:  # shares field names with the other form on its page
        id_prefix = "whatif-"

    team = SelectField("Team", coerce=int, validators=[InputRequired()])
    week = WeekField("Week starting (a Monday)", validators=[DataRequired()])
    time_limit = IntegerField("Time limit per run (seconds)", default=10, validators=[InputRequired(), NumberRange(1, 120)])


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    # Typed, not a list of every account (600+ at 50 teams); the view finds the account (users_matching).
    user = StringField("User", validators=[Optional(), Length(max=120)],
                       description="A username, or part of a username or full name.")
    action = SelectField("Action", default="", validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("Until", validators=[Optional()])

    def validate_until(self, field):
        # An empty result for an impossible range looks like "nothing happened": say the range is backwards.
        if field.data is not None and self.since.data is not None and field.data < self.since.data:
            raise ValidationError("'Until' is before 'From'.")


class RegionPlanForm(Form):
    """Plan every team's week (the region page)."""
    week = WeekField("Week starting (a Monday)", validators=[DataRequired()])
    time_limit = IntegerField("Time limit per team (seconds)", default=60, validators=[InputRequired(), NumberRange(1, 600)])


class RegionCancelForm(Form):
    """Cancel the week's queued and running runs (the region page)."""
    week = WeekField("Week", validators=[DataRequired()])


class PolicyForm(Form):
    """The service's booking policy (services/desk/policy.py)."""
    late_cancel_hours = IntegerField("Late-cancellation window (hours before the start)",
                                     validators=[InputRequired(), NumberRange(0, 24 * 14)],
                                     description="A cancellation made less than this many hours before the "
                                                 "appointment's start is recorded as late; 0: none is late.")
    min_notice_hours = IntegerField("Minimum notice for bookings (hours from now)",
                                    validators=[Optional(), NumberRange(0, 24 * 14)],
                                    description="The booking desk offers and books no time starting sooner than "
                                                "this after now (pages, API, series, rebooking); 0: from the next "
                                                "slot. Left empty: kept as it is.")
    version = HiddenField("This form")


class ClosureForm(Form):
    """An office closure day (services/closures): the day, whose office (a team or the whole service), why."""
    day = DateField("Day the office is closed", validators=[InputRequired(message="Give the day (YYYY-MM-DD).")],
                    description="The team's own calendar day; nothing is planned or offered on it.")
    team = SelectField("Closed for", coerce=int, default=0,
                       description="The whole service (every team), or one team only.")
    reason = StringField("Reason", validators=[DataRequired(message="Say why the office is closed, e.g. \"Christmas Day\"."),
                                               Length(max=120)],
                         description="Shown on the rota's week and to the desk, e.g. \"Christmas Day\".")
