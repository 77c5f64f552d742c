"""The closed sets of values stored in status, role, kind, category and priority columns.

Each is a `StrEnum`: a member equals its stored string (`LicenseStatus.ACTIVE == "active"`),
so rows, JSON and templates keep plain strings while code names the value it means. The
database holds the same sets as CHECK constraints (`check_in`), so a typo cannot be stored.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


class LicenseStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    SUSPENDED = "suspended"


class SuspendedBy(StrEnum):
    """Who suspended a license: an admin (only an admin lifts it) or billing (auto-renewal
    found no money; any paid renewal lifts it)."""

    ADMIN = "admin"
    BILLING = "billing"


class LedgerKind(StrEnum):
    TOPUP = "topup"
    PURCHASE = "purchase"
    RENEWAL = "renewal"
    AUTOPAY = "autopay"  # a saved card charged by the renewal pass (a top-up)
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class PaymentPurpose(StrEnum):
    TOPUP = "topup"
    PURCHASE = "purchase"
    RENEWAL = "renewal"
    AUTOPAY = "autopay"  # a saved card charged by the renewal pass (a top-up)


class PaymentStatus(StrEnum):
    NEW = "new"  # recorded, not yet sent to YooKassa
    PENDING = "pending"
    WAITING_FOR_CAPTURE = "waiting_for_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    FAILED = "failed"  # YooKassa refused to create it (4xx)


class RefundStatus(StrEnum):
    NEW = "new"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class TicketCategory(StrEnum):
    TECHNICAL = "technical"
    BILLING = "billing"
    GENERAL = "general"
    LICENSE = "license"
    OTHER = "other"


class TicketPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def check_in(table: str, column: str, values: type[StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """`CHECK (column IN (...))` named `ck_<table>_<column>`; the migration spells the same."""
    allowed = ", ".join(f"'{member.value}'" for member in values)
    sql = f"{column} IN ({allowed})"
    if nullable:
        sql = f"{column} IS NULL OR {sql}"
    return CheckConstraint(sql, name=f"ck_{table}_{column}")
