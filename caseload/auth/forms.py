from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from caseload.forms import Form


class LoginForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class PasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=256)])


class ConfirmForm(Form):
    """Only carries the CSRF token for POST buttons (issue or revoke an API token)."""

    confirm = HiddenField(default="1")
