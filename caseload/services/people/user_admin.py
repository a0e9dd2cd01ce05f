"""Administrators' changes to accounts: adding one, and its name, role, active flag and advisor record.

A refused change raises admin_saves.AdminError naming the form field at fault; nothing is saved.
"""
from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from caseload.extensions import db
from caseload.models import Advisor, Role, User
from caseload.services import audit
from caseload.services.people.admin_saves import AdminError, apply_changes, claim
from caseload.services.people.users import (
    USERNAME, UsernameTaken, UserError, create_user, rename_user, stored_username, untypeable_words,
)
from caseload.services.unique_keys import unique_clash
from caseload.values import text_box_sends, text_problem


def add_user(username: str, display_name: str, role: Role, password: str, by) -> User:
    """A new account from the administrator's form (users.create_user); AdminError names the field, "The username
    racer is already taken (stored as Racer: they differ only by case)." also when another created it at the same
    moment."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise AdminError("Use 2-64 letters, digits, dots, dashes or underscores.", "username")
    try:
        return create_user(username, display_name.strip() or username, role, password, by=by)
    except UsernameTaken as err:  # before its check, or since (users.username_key is unique): said the same way
        raise AdminError(f"The username {err}.", "username") from err
    except UserError as err:
        raise AdminError(str(err)[:1].upper() + str(err)[1:] + ".", err.field) from err


def update_user(user: User, display_name: str, role: Role, active: bool, advisor: Advisor | None, by,
                expected_version: int | None = None, username: str | None = None) -> User:
    """Change a user's name, role, active flag and linked advisor record, and with `username` (None: unchanged)
    rename the account (users.rename_user: its own user_renamed event; the session stays signed in), all or
    nothing. AdminError("version") when the account was saved since its form was opened at `expected_version`
    (see admin_saves.claim); AdminError("username") for an empty, malformed or taken username ("The username anna is already
    taken (stored as Anna: they differ only by case)."), with `conflict` when another took it since the check;
    AdminError("advisor") for an advisor record linked to another account, naming it ("Sam Patel is already linked
    to the account sam (Sam P.)."), also when it was linked at the same moment (_link)."""
    claim(user, expected_version, "This account")
    if user.id == getattr(by, "id", None) and (role != user.role or not active):
        # An administrator locking themselves out leaves nobody to undo it.
        raise AdminError("You cannot change your own role or deactivate yourself.", "role" if role != user.role else "active")
    if user.role == Role.LEADER and role != Role.LEADER and user.led_teams:
        raise AdminError(f"{user.display_name} leads {', '.join(t.name for t in user.led_teams)}; "
                         "give the team another leader first.", "role")
    if advisor is not None and role != Role.ADVISOR:
        raise AdminError("Only advisor accounts can be linked to an advisor record.", "advisor")
    if advisor is not None and advisor.user_id not in (None, user.id):
        raise AdminError(_linked_words(advisor.name, advisor.user), "advisor")
    if username is not None:
        _rename(user, username, by)
    changed = apply_changes(user, {"display_name": display_name.strip() or user.display_name, "role": role, "active": active})
    current = user.advisor
    if current is not advisor:
        changed["advisor"] = [getattr(current, "id", None), getattr(advisor, "id", None)]
        if current is not None:
            current.user_id = None
            db.session.flush()  # free the unique user_id before giving it to another advisor
        if advisor is not None:
            _link(advisor, user)
    if "active" in changed or "role" in changed:
        user.session_version += 1  # sign them out everywhere: their access changed
    if changed:
        audit.record("user_updated", user=by, obj=user, changes=changed)
    db.session.commit()
    db.session.expire(user, ["advisor"])
    return user


def _linked_words(advisor_name: str, holder) -> str:
    """'Sam Patel is already linked to the account sam (Sam P.).': `holder` is the account holding the record (a
    User, or a row of its username and display_name), None when unknown."""
    if holder is None:  # taken by a save this one cannot see (its own transaction was rolled back with it)
        return f"{advisor_name} is already linked to another account."
    return f"{advisor_name} is already linked to the account {holder.username} ({holder.display_name})."


def _link(advisor: Advisor, user: User) -> None:
    """Link `advisor` to `user` in one UPDATE that finds the record still free (or already theirs) as it writes:
    two administrators linking one advisor record to two accounts at the same moment both pass the check in
    update_user, and the second would take it from the first unseen (or meet the first's new version: the generic
    409 page, what was typed gone). Refused, the whole save is rolled back and AdminError("advisor") names the
    account that holds it, as the check does; so does the UNIQUE advisors.user_id when another record was linked
    to `user` at the same moment (admin_saves.flush_unique's rule: a UNIQUE clash is a field error, anything else
    raised)."""
    table = Advisor.__table__
    linking = (update(table).where(table.c.id == advisor.id,
                                   or_(table.c.user_id.is_(None), table.c.user_id == user.id))
               .values(user_id=user.id, version_id=table.c.version_id + 1))  # the version moves, as an ORM save's
    try:
        linked = db.session.execute(linking).rowcount == 1
    except IntegrityError as err:
        db.session.rollback()
        if not unique_clash(err):
            raise
        raise AdminError("Another advisor record was linked to this account at the same moment; nothing was "
                         "saved. Reload to see it.", "advisor") from err
    if not linked:
        # The holder read before the rollback: on SQLite the winner's write is in this transaction (tests) or
        # committed; on PostgreSQL this statement sees the committed winner.
        holder = db.session.execute(select(User.username, User.display_name).join(Advisor, Advisor.user_id == User.id)
                                    .where(Advisor.id == advisor.id)).first()
        name = advisor.name
        db.session.rollback()
        raise AdminError(_linked_words(name, holder), "advisor")
    db.session.expire(advisor)  # its user_id and version as just written


def _rename(user: User, username: str, by) -> None:
    """users.rename_user in the caller's transaction, its refusals as AdminError("username"). The username posted
    as stored (the form's own value) is no rename: the other changes are saved, and a look-alike whose key
    migration 0022 left unset gets its key only when no other account holds it (else it is left for a rename:
    an unrelated edit of that row is not refused, as models.name_keys.keep_key has it). Neither is a stored username
    holding a line break or control character (stored before the checks) sent back as its text box shows it
    (values.text_box_sends: the browser drops the line break): that is no rename, to 'annlee' or refused."""
    if text_problem(user.username) and username in (user.username, text_box_sends(user.username)):
        return  # a stored username the checks now refuse, sent back as its box shows it: kept, not renamed
    if username == user.username and (user.username_key is not None
                                      or stored_username(username, other_than=user.id) is not None):
        return
    try:
        rename_user(user, username, by=by, commit=False)
    except UsernameTaken as err:  # before its check, or since (users.username_key is unique): said the same way
        raise AdminError(f"The username {err}.", "username", conflict=err.raced) from err
    except UserError as err:
        raise AdminError(str(err)[:1].upper() + str(err)[1:] + ".", err.field) from err
