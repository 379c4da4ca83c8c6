"""A synthetic sales company, simulated day by day in a CRM-neutral form.

The same company feeds every CRM emulator (amoCRM, Bitrix24), so KPI marts built from any of
them must agree. Everything is deterministic for a seed; see ``CompanyConfig`` and ``Company``.
"""

from .config import CompanyConfig
from .history import (
    DayChanges,
    DealCreated,
    DealDeleted,
    DealResponsibleChanged,
    DealRestored,
    DealStageChanged,
    Fact,
    ManagerDeactivated,
    TaskCompleted,
    TaskCreated,
)
from .model import (
    Account,
    Activity,
    Call,
    CallStatus,
    ClientCompany,
    Contact,
    Deal,
    Direction,
    Email,
    LeadSource,
    LossReason,
    Manager,
    Note,
    Pipeline,
    Stage,
    StageKind,
    Task,
    TaskType,
    Team,
)
from .simulation import Company, simulate
from .static import CompanyStatic

__all__ = [
    "Account",
    "Activity",
    "Call",
    "CallStatus",
    "ClientCompany",
    "Company",
    "CompanyConfig",
    "CompanyStatic",
    "Contact",
    "DayChanges",
    "Deal",
    "DealCreated",
    "DealDeleted",
    "DealResponsibleChanged",
    "DealRestored",
    "DealStageChanged",
    "Direction",
    "Email",
    "Fact",
    "LeadSource",
    "LossReason",
    "Manager",
    "ManagerDeactivated",
    "Note",
    "Pipeline",
    "Stage",
    "StageKind",
    "Task",
    "TaskCompleted",
    "TaskCreated",
    "TaskType",
    "Team",
    "simulate",
]
