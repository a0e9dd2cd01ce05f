"""All models, re-exported so `from caseload.models import Client` works everywhere."""
from caseload.database import Base
from caseload.models.audit import AuditEvent, AuditLogIsAppendOnly
from caseload.models.booking import BookingSeries, IdempotencyKey
from caseload.models.closures import ClosureDay
from caseload.models.clients import KINDS, AppointmentRequest, AppointmentType, Client, ClientNote, Contact, RequestWindow
from caseload.models.kept import KeptText
from caseload.models.limits import RateLimitCounter
from caseload.models.people import (
    WEEKDAYS, Absence, Advisor, Role, Skill, Team, User, WeekProtectedTarget, advisor_skills,
)
from caseload.models.rota import HandoverNote, Plan, PlanItem, ProtectedBlock, SolveJob
from caseload.models.tuning import DEFAULT_LATE_CANCEL_HOURS, DEFAULT_MIN_NOTICE_HOURS, DEFAULT_WEIGHTS, ServicePolicy, WeightProfile
from caseload.models.types import UTCDateTime, utcnow
from caseload.models.versioning import claim_edit, hold_version

__all__ = [
    "Base", "AuditEvent", "ClosureDay", "AuditLogIsAppendOnly", "KINDS", "AppointmentRequest", "AppointmentType", "Client",
    "ClientNote", "Contact", "RequestWindow", "WEEKDAYS", "Absence", "Advisor", "Role", "Skill", "Team", "User",
    "advisor_skills", "WeekProtectedTarget", "RateLimitCounter", "KeptText", "HandoverNote", "Plan", "PlanItem", "ProtectedBlock",
    "SolveJob", "DEFAULT_WEIGHTS", "WeightProfile", "DEFAULT_LATE_CANCEL_HOURS", "DEFAULT_MIN_NOTICE_HOURS", "ServicePolicy", "IdempotencyKey", "BookingSeries", "UTCDateTime", "utcnow",
    "claim_edit",
    "hold_version",
]
