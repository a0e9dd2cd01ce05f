"""Contact notes and handover notes: so whoever sees a client next can pick up where the last meeting left off.

An advisor may read and write notes only for clients they hold (named advisor) or cover: a live support
appointment with the client (live_cover, the one rule): a published plan's, one of the newest draft of a week not
yet published with a handover note to them, or a desk booking into their diary in a week not yet published; live meaning not cancelled and not broken
by the advisor's absence or an office closure (to rebook), however it was booked. A handover note by itself is
not cover. Note text is not copied into the audit log: the log records that a note was written, not what it says.

Policing is kept apart from support (README; planning.handovers.is_cover): an advisor whose only link to the client
is a compliance review (policing) is not covering, is not in the covered list, is handed nothing, and does not read
or write the client's support notes (contact and handover notes), so support conversations do not feed policing.
They may still open the client's page (`may_see_client`) for the review itself: its appointments and attendance.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, selectinload

from caseload.extensions import db
from caseload.localtime import end_after
from caseload.models import (
    Advisor, AppointmentRequest, AppointmentType, Client, ClientNote, HandoverNote, Plan, PlanItem, Role, User,
)
from caseload.services import audit
from caseload.services.clients.lost_cover import lost_cover
from caseload.services.planning.handovers import Span, broken_item_ids, broken_spans, supports
from caseload.values import MAX_INT

MAX_NOTE = 2000


class NoteRejected(ValueError):
    def __init__(self, message: str, field: str = "body"):
        super().__init__(message)
        self.field = field


def live_cover(client_id: int | None = None, advisor_id: int | None = None) -> set[tuple[int, int]]:
    """(client id, advisor id) of every live support appointment: the one rule by which an appointment opens a
    client's support notes. Live means not cancelled and not broken by an absence of its advisor or an office
    closure on its day (handovers.broken_spans: to rebook, so it grants nothing), whichever way it was booked: a
    published plan's appointment, one a handover note was written for to its advisor from a draft plan (the
    leader's note) while that draft is the newest of a week with no published plan (_passed_over), or a desk booking into an advisor's diary in a week with no published plan yet (in a published
    week the booking is that plan's appointment). Whatever the client's allocation (handovers.supports): the
    advisor seeing a client with no named advisor reads their notes by either path. A note alone, say an old one
    to someone whose only link is a compliance review, grants nothing. `client_id`, `advisor_id`: only that
    client's, that advisor's (None: any)."""
    return live_appointments("support", client_id, advisor_id)


def live_appointments(kind: str, client_id: int | None = None,
                      advisor_id: int | None = None) -> set[tuple[int, int]]:
    """(client id, advisor id) of every live appointment of `kind` ("support" or "policing"): placed in a published
    plan (support: or in a draft with a handover note to its advisor) or booked at the desk into an advisor's diary
    in a week not yet published, not cancelled, not broken (broken_spans). The liveness rule both support notes
    (live_cover) and the compliance-review page (policing_advisor_ids) follow."""
    client = [AppointmentRequest.client_id == client_id] if client_id is not None else []
    planned = [PlanItem.advisor_id == advisor_id] if advisor_id is not None else []
    booked = [AppointmentRequest.pinned_advisor_id == advisor_id] if advisor_id is not None else []
    return ({(i.request.client_id, i.advisor_id) for i in _live_items(kind, *client, *planned)}
            | {(r.client_id, r.pinned_advisor_id) for r in _live_desk_bookings(kind, *client, *booked)})


def _live_items(kind: str, *where) -> list[PlanItem]:
    """Placed, not cancelled appointments of `kind` of published plans (support: or of drafts with a handover note
    to their advisor, while the draft is the newest of a week with no published plan: _passed_over), not broken
    (broken_item_ids): live_appointments' plan part."""
    noted = select(HandoverNote.plan_item_id).where(HandoverNote.plan_item_id == PlanItem.id,
                                                    HandoverNote.to_advisor_id == PlanItem.advisor_id)
    shown = Plan.status == "published"
    if kind == "support":  # the leader's handover note from the week's live draft readies the cover for it
        shown = or_(shown, (Plan.status == "draft") & noted.exists() & ~_passed_over().exists())
    items = list(db.session.scalars(
        select(PlanItem).join(Plan).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
        .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
        .where(PlanItem.advisor_id.is_not(None), PlanItem.starts_at.is_not(None), PlanItem.ends_at.is_not(None),
               AppointmentType.kind == kind, AppointmentRequest.cancelled_at.is_(None), shown, *where)
        .options(selectinload(PlanItem.plan).selectinload(Plan.team),
                 selectinload(PlanItem.request).selectinload(AppointmentRequest.client),
                 selectinload(PlanItem.request).selectinload(AppointmentRequest.type))))
    if kind == "support":
        items = [i for i in items if supports(i.request, i.advisor_id)]
    broken = broken_item_ids(items)
    return [i for i in items if i.id not in broken]


def _passed_over():
    """Plans that pass over the outer query's draft (correlated to its Plan): one of the same team and week that is
    published, or a newer draft of it. A handover note on a draft readies cover only while that draft may still
    become the week's plan: drafts stay "draft" when another plan of the week is published, so a note on one left
    behind, or on an older draft the leader has re-planned since, grants nothing (else an advisor re-planned to do
    only the client's compliance review would keep reading their support notes)."""
    other = aliased(Plan)
    return select(other.id).where(other.team_id == Plan.team_id, other.week_start == Plan.week_start,
                                  or_(other.status == "published", (other.status == "draft") & (other.id > Plan.id)))


def _live_desk_bookings(kind: str, *where) -> list[AppointmentRequest]:
    """Appointments of `kind` booked at the desk into an advisor's diary (_desk_booked) in a week with no published
    plan yet, with a time, not broken (broken_spans): live_appointments' desk part. Where the week is published
    the booking is one of its plan's appointments, judged there (a desk booking makes a new published version)."""
    published = select(Plan.id).where(Plan.team_id == AppointmentRequest.team_id,
                                      Plan.week_start == AppointmentRequest.week_start, Plan.status == "published")
    requests = list(db.session.scalars(
        select(AppointmentRequest).join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
        .where(AppointmentType.kind == kind, AppointmentRequest.pinned_start.is_not(None), *_desk_booked(),
               ~published.exists(), *where)
        .options(selectinload(AppointmentRequest.team), selectinload(AppointmentRequest.type))))
    if kind == "support":
        requests = [r for r in requests if supports(r, r.pinned_advisor_id)]
    broken = broken_spans([Span(r.id, r.pinned_advisor_id, r.pinned_start, end_after(r.pinned_start, r.duration_minutes),
                                r.team_id, r.team.timezone) for r in requests])
    return [r for r in requests if r.id not in broken]


def covering_advisor_ids(client: Client) -> set[int]:
    """Advisors other than the named one who cover the client: a live support appointment with them (live_cover:
    not cancelled, not broken by an absence or a closure). A compliance review with someone else is policing kept
    apart, not cover; a handover note by itself is not cover either."""
    return {a for _, a in live_cover(client_id=client.id)} - {client.named_advisor_id}


def policing_advisor_ids(client: Client) -> set[int]:
    """Advisors with a live policing appointment (compliance review) with the client, by the same liveness rule as
    support notes (live_appointments): published or desk-booked in a week not yet published, not cancelled, not
    broken by their absence or an office closure."""
    return {a for _, a in live_appointments("policing", client_id=client.id)}


def _desk_booked():
    """Conditions for an appointment booked at the desk into an advisor's diary and not cancelled: in a week not
    yet published it is in no published plan, yet the advisor will see the client and needs their page."""
    return (AppointmentRequest.booked_at.is_not(None), AppointmentRequest.cancelled_at.is_(None),
            AppointmentRequest.pinned_advisor_id.is_not(None))


def may_read_notes(advisor: Advisor | None, client: Client | None) -> bool:
    """Whether the advisor may read and write the client's support notes (contact and handover): they hold or
    cover the client. A compliance review alone does not let them (policing kept apart from support)."""
    if advisor is None or client is None or client.erased_at is not None:
        return False
    return client.named_advisor_id == advisor.id or advisor.id in covering_advisor_ids(client)


POLICING_ONLY = ("You see this client for a compliance review only. Their support notes (contact and handover notes) "
                 "are kept apart from policing, so they are not shown here.")
NOT_COVERING = "Their support notes are open only to their named advisor and whoever covers them now."


def notes_refusal(advisor: Advisor | None, client: Client | None) -> str | None:
    """Why `advisor` may not read `client`'s support notes, in plain words (None when they may: may_read_notes):
    how their cover ended, when it did (lost_cover: broken by their absence or a closure, cancelled, moved off
    their diary, or the noted draft that readied it replaced by a newer draft or passed over by a publish); else, when their link is a compliance review, that support notes are kept apart from policing."""
    if may_read_notes(advisor, client) or advisor is None or client is None:
        return None
    lost = lost_cover(advisor, client)
    if lost is not None:
        return f"{lost} {NOT_COVERING}"
    if advisor.id in policing_advisor_ids(client):
        return POLICING_ONLY
    return NOT_COVERING


def may_see_client(advisor: Advisor | None, client: Client | None) -> bool:
    """Whether the advisor may open the client's page: they hold or cover the client (may_read_notes), or have a
    policing appointment with them (the page's appointments and attendance, not its notes)."""
    if may_read_notes(advisor, client):
        return True
    return advisor is not None and client is not None and client.erased_at is None \
        and advisor.id in policing_advisor_ids(client)


def covered_clients(advisor: Advisor) -> list[Client]:
    """Clients of other advisors that this advisor covers (live_cover: a live support appointment with them);
    a compliance review alone, or a handover note alone, is not cover."""
    covered = {c for c, _ in live_cover(advisor_id=advisor.id)}
    if not covered:
        return []
    return list(db.session.scalars(select(Client).where(
        Client.id.in_(covered), Client.erased_at.is_(None),
        or_(Client.named_advisor_id.is_(None), Client.named_advisor_id != advisor.id)).order_by(Client.reference)))


def client_notes(client: Client) -> list[ClientNote]:
    return list(db.session.scalars(select(ClientNote).where(ClientNote.client_id == client.id)
                                   .order_by(ClientNote.created_at.desc(), ClientNote.id.desc())))


def note_authors(notes) -> dict[int, User]:
    ids = {n.author_id for n in notes if n.author_id}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise NoteRejected("Write something first.")
    if len(body) > MAX_NOTE:
        raise NoteRejected(f"Keep notes short: at most {MAX_NOTE} characters.")
    return body


def add_note(client: Client, body: str, by: User) -> ClientNote:
    """Raises NoteRejected when `by` is an advisor who may not read the client's notes, saying why (notes_refusal:
    their cover ended, or their link is a compliance review only)."""
    if by.advisor is not None and by.role == Role.ADVISOR and not may_read_notes(by.advisor, client):
        raise NoteRejected(notes_refusal(by.advisor, client) or NOT_COVERING)
    note = ClientNote(client_id=client.id, author_id=by.id, body=_body(body))
    db.session.add(note)
    db.session.flush()
    audit.record("client_note_added", user=by, obj=note, client=client.id)
    db.session.commit()
    return note


# --- handover ---------------------------------------------------------------------------------------

def handover_notes(client: Client) -> list[HandoverNote]:
    return list(db.session.scalars(select(HandoverNote).where(HandoverNote.client_id == client.id)
                                   .order_by(HandoverNote.created_at.desc(), HandoverNote.id.desc())))


def my_handover_notes(advisor: Advisor, limit: int = 50) -> list[HandoverNote]:
    """Notes handed to the advisor about clients they hold or cover now (an old note to someone whose only link is
    a compliance review is not theirs to read: may_read_notes), and the notes they wrote."""
    readable = select(Client.id).where(Client.named_advisor_id == advisor.id)
    covered = {c for c, _ in live_cover(advisor_id=advisor.id)}
    to_me = (HandoverNote.to_advisor_id == advisor.id) & or_(HandoverNote.client_id.in_(readable),
                                                             HandoverNote.client_id.in_(covered))
    return list(db.session.scalars(select(HandoverNote).where(or_(to_me, HandoverNote.from_advisor_id == advisor.id))
                                   .order_by(HandoverNote.created_at.desc(), HandoverNote.id.desc()).limit(limit)))


def handover_recipients(advisor: Advisor, client: Client) -> list[Advisor]:
    """Who this advisor can hand over to: the covering advisors if they hold the client, else the named advisor
    (none for an advisor whose only link is policing: may_read_notes)."""
    if client.named_advisor_id == advisor.id:
        ids = covering_advisor_ids(client)
    elif not may_read_notes(advisor, client):
        ids = set()
    else:
        ids = {client.named_advisor_id} - {None}
    return list(db.session.scalars(select(Advisor).where(Advisor.id.in_(ids)).order_by(Advisor.name))) if ids else []


def cover_ended(advisor: Advisor, client: Client, to_id: int | None) -> str | None:
    """The plain reason when `advisor` (who may read the client's notes) hands a note to `to_id`, who once covered
    the client (a support appointment with them in any plan, or a desk booking) but is no longer among
    handover_recipients: the page was shown before their cover ended, a race (409, the note kept), not a bad
    choice (400). None otherwise."""
    if to_id is None or not 0 < to_id <= MAX_INT:
        return None  # no id a row can have (a hand-made post): the choice is simply not valid (400)
    if to_id == client.named_advisor_id or not may_read_notes(advisor, client):
        return None
    if to_id in {a.id for a in handover_recipients(advisor, client)}:
        return None
    of = (AppointmentRequest.client_id == client.id, AppointmentType.kind == "support")
    planned = db.session.scalar(select(PlanItem.id).join(AppointmentRequest, PlanItem.request_id == AppointmentRequest.id)
                                .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
                                .where(PlanItem.advisor_id == to_id, *of).limit(1))
    booked = db.session.scalar(select(AppointmentRequest.id)
                               .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
                               .where(AppointmentRequest.pinned_advisor_id == to_id, *of).limit(1))
    former = db.session.get(Advisor, to_id) if planned is not None or booked is not None else None
    if former is None:
        return None
    return (f"{former.name} no longer covers this client since this page was shown (their appointment was moved, "
            f"cancelled, or broken by an absence or an office closure). Your note is kept below, not saved.")


def add_handover(client: Client, to_advisor: Advisor, body: str, by: User) -> HandoverNote:
    advisor = by.advisor
    if advisor is None or to_advisor not in handover_recipients(advisor, client):
        raise NoteRejected("Hand over only to an advisor covering this client, or back to their named advisor.", "to")
    note = HandoverNote(client_id=client.id, from_advisor_id=advisor.id, to_advisor_id=to_advisor.id,
                        author_id=by.id, body=_body(body))
    db.session.add(note)
    db.session.flush()
    audit.record("handover_written", user=by, obj=note, client=client.id, to_advisor=to_advisor.id)
    db.session.commit()
    return note


def is_advisor(user) -> bool:
    return user.role == Role.ADVISOR and user.advisor is not None
