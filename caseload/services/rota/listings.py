"""Lists that scale: a team's clients and a week's appointment requests, searched, filtered, sorted and paged
in the database (one COUNT and one page of rows per view, whatever the team's size).

Every list takes a `ListQuery` (what the page's GET form and column links send, so a view is a link) and
answers a `Listing` (rows of one page, the total, the page and the page count). Unknown sort keys fall back to
the list's default; pages outside the range are clamped. Ties are broken by id, so paging is stable.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from caseload.extensions import db
from caseload.models import Advisor, AppointmentRequest, AppointmentType, Client, PlanItem, Skill, Team
from caseload.services.clients import name_search

PER_PAGE = 50


@dataclass(frozen=True)
class ListQuery:
    """search text (q), filters (name -> value, None = any), sort key, descending, 1-based page."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = ""
    desc: bool = False
    page: int = 1

    def args(self, base: dict | None = None, **changes) -> dict:
        """The query as URL arguments (empty values left out), with `changes` applied, after `base` (the route's
        own arguments): for links."""
        query = replace(self, **{k: v for k, v in changes.items() if k in ("q", "sort", "desc", "page")})
        filters = {**self.filters, **{k: v for k, v in changes.items() if k not in ("q", "sort", "desc", "page")}}
        out = {"q": query.q, "sort": query.sort, "desc": "1" if query.desc else "", "page": query.page if query.page > 1 else ""}
        out.update(filters)
        return {**(base or {}), **{k: v for k, v in out.items() if v not in (None, "")}}


@dataclass
class Listing:
    rows: list
    total: int
    page: int
    pages: int
    per_page: int
    query: ListQuery

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


def paged(statement, count_statement, query: ListQuery, order, per_page: int) -> Listing:
    total = db.session.scalar(count_statement) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, query.page), pages)
    rows = list(db.session.scalars(statement.order_by(*order).offset((page - 1) * per_page).limit(per_page)))
    return Listing(rows, total, page, pages, per_page, replace(query, page=page))


def contains(text: str) -> str:
    # Users search for text, not patterns: % and _ match themselves.
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- clients ---------------------------------------------------------------------------------------

CLIENT_SORTS = ("reference", "name", "advisor", "need", "complexity")
NOT_ALLOCATED = "none"  # the named-advisor filter's "not allocated" value


def client_list(team: Team, query: ListQuery, per_page: int = PER_PAGE) -> Listing:
    """The team's clients (erased ones left out). q: reference or name contains; filters: advisor (an advisor id,
    or "none" for not allocated), need (a skill id), complexity (1-3); sort: one of CLIENT_SORTS (default
    reference)."""
    named, need = aliased(Advisor), aliased(Skill)
    conditions = [Client.team_id == team.id, Client.erased_at.is_(None)]
    if query.q.strip():
        conditions.append(or_(name_search.column_contains(Client.reference, query.q),
                              name_search.column_contains(Client.name, query.q)))
    advisor = query.filters.get("advisor")
    if advisor == NOT_ALLOCATED:
        conditions.append(Client.named_advisor_id.is_(None))
    elif isinstance(advisor, int):
        conditions.append(Client.named_advisor_id == advisor)
    if isinstance(query.filters.get("need"), int):
        conditions.append(Client.need_id == query.filters["need"])
    if isinstance(query.filters.get("complexity"), int):
        conditions.append(Client.complexity == query.filters["complexity"])
    column = {"reference": Client.reference, "name": Client.name, "advisor": named.name, "need": need.name,
              "complexity": Client.complexity}.get(query.sort, Client.reference)
    statement = (select(Client).outerjoin(named, Client.named_advisor_id == named.id)
                 .outerjoin(need, Client.need_id == need.id).where(*conditions)
                 .options(selectinload(Client.named_advisor), selectinload(Client.need)))
    order = [column.desc() if query.desc else column.asc(), Client.id.desc() if query.desc else Client.id.asc()]
    return paged(statement, select(func.count(Client.id)).where(*conditions), query, order, per_page)


def client_page(team: Team, client: Client, per_page: int = PER_PAGE) -> int:
    """The page of the default client list (by reference) that shows `client`: where a new one is highlighted."""
    before = db.session.scalar(select(func.count(Client.id)).where(
        Client.team_id == team.id, Client.erased_at.is_(None),
        or_(Client.reference < client.reference, and_(Client.reference == client.reference, Client.id < client.id)))) or 0
    return before // per_page + 1


# --- appointment requests ----------------------------------------------------------------------------

REQUEST_SORTS = ("added", "client", "type", "minutes")


def request_list(team: Team, week_start: date, query: ListQuery, per_page: int = PER_PAGE,
                 plan_id: int | None = None) -> Listing:
    """The week's requests (cancelled ones left out). q: client reference or name contains; filters: type (a type
    id), kind ("support"/"policing"), pinned ("yes"/"no"), status ("placed"/"unplaced": placed with an advisor
    in the plan `plan_id`, or not: unassigned there, not in it, or no plan yet); sort: one of REQUEST_SORTS (default added, oldest
    first)."""
    conditions = [AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == week_start,
                  AppointmentRequest.cancelled_at.is_(None)]
    if query.q.strip():
        conditions.append(or_(name_search.column_contains(Client.reference, query.q),
                              name_search.column_contains(Client.name, query.q)))
    if isinstance(query.filters.get("type"), int):
        conditions.append(AppointmentRequest.type_id == query.filters["type"])
    if query.filters.get("kind") in ("support", "policing"):
        conditions.append(AppointmentType.kind == query.filters["kind"])
    if query.filters.get("status") in ("placed", "unplaced"):
        placed = select(PlanItem.id).where(PlanItem.plan_id == plan_id,
                                           PlanItem.request_id == AppointmentRequest.id,
                                           PlanItem.advisor_id.is_not(None)).exists()
        conditions.append(placed if query.filters["status"] == "placed" else ~placed)
    if query.filters.get("pinned") == "yes":
        conditions.append(AppointmentRequest.pinned_advisor_id.is_not(None))
    elif query.filters.get("pinned") == "no":
        conditions.append(AppointmentRequest.pinned_advisor_id.is_(None))
    column = {"added": AppointmentRequest.id, "client": Client.reference, "type": AppointmentType.name,
              "minutes": AppointmentRequest.duration_minutes}.get(query.sort, AppointmentRequest.id)
    joined = select(AppointmentRequest).join(Client, AppointmentRequest.client_id == Client.id).join(
        AppointmentType, AppointmentRequest.type_id == AppointmentType.id)
    statement = joined.where(*conditions).options(
        selectinload(AppointmentRequest.client), selectinload(AppointmentRequest.type),
        selectinload(AppointmentRequest.windows), selectinload(AppointmentRequest.pinned_advisor))
    count = (select(func.count(AppointmentRequest.id)).join(Client, AppointmentRequest.client_id == Client.id)
             .join(AppointmentType, AppointmentRequest.type_id == AppointmentType.id).where(*conditions))
    direction = (lambda c: c.desc()) if query.desc else (lambda c: c.asc())
    return paged(statement, count, query, [direction(column), direction(AppointmentRequest.id)], per_page)


def plan_items_for(plan_id: int | None, requests: list[AppointmentRequest]) -> dict:
    """request id -> its PlanItem in the plan `plan_id` (placed or unassigned), for one page of requests."""
    ids = [r.id for r in requests]
    if plan_id is None or not ids:
        return {}
    return {i.request_id: i for i in db.session.scalars(select(PlanItem).where(
        PlanItem.plan_id == plan_id, PlanItem.request_id.in_(ids)).options(selectinload(PlanItem.advisor)))}


def request_page(team: Team, request: AppointmentRequest, per_page: int = PER_PAGE) -> int:
    """The page of the default request list (in the order added) that shows `request`."""
    before = db.session.scalar(select(func.count(AppointmentRequest.id)).where(
        AppointmentRequest.team_id == team.id, AppointmentRequest.week_start == request.week_start,
        AppointmentRequest.cancelled_at.is_(None), AppointmentRequest.id < request.id)) or 0
    return before // per_page + 1
