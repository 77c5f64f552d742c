"""Tariffs, licenses, panel activations and promo codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow
from ispgo_portal.models.enums import LicenseStatus, SuspendedBy, check_in

LICENSE_STATUSES: dict[str, str] = {
    LicenseStatus.ACTIVE.value: "Активна",
    LicenseStatus.EXPIRED.value: "Истекла",
    LicenseStatus.SUSPENDED.value: "Приостановлена",
}


class Tariff(SQLModel, table=True):
    __tablename__ = "tariffs"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)
    features: str = Field(default="", max_length=4000)  # one item per line
    price: int = Field(sa_type=BigInteger)  # kopecks per period
    period_days: int = Field(default=30)
    max_servers: int = Field(default=1)  # 0 = unlimited
    max_sites: int = Field(default=0)  # 0 = unlimited
    is_active: bool = Field(default=True)
    sort_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class License(SQLModel, table=True):
    __tablename__ = "licenses"
    __table_args__ = (
        Index("ix_licenses_status_expires", "status", "expires_at"),
        check_in("licenses", "status", LicenseStatus),
        check_in("licenses", "suspended_by", SuspendedBy, nullable=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    tariff_id: int = Field(foreign_key="tariffs.id", index=True)
    key: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    status: str = Field(default=LicenseStatus.ACTIVE, max_length=16)
    status_reason: str = Field(default="", max_length=300)
    # Set while suspended: an admin's suspension holds renewals, billing's is lifted by one.
    suspended_by: str | None = Field(default=None, max_length=16)
    auto_renew: bool = Field(default=False)
    starts_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    reminded_for: str = Field(default="", max_length=40)  # last reminder sent, e.g. "7:<expires>"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})


class LicenseActivation(SQLModel, table=True):
    """A server on which a panel activated the license."""

    __tablename__ = "license_activations"
    __table_args__ = (UniqueConstraint("license_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    license_id: int = Field(foreign_key="licenses.id", index=True)
    fingerprint: str = Field(max_length=128)
    hostname: str = Field(default="", max_length=253)
    activated_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class PromoCode(SQLModel, table=True):
    __tablename__ = "promo_codes"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))  # upper case
    percent: int
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_uses: int = Field(default=0)  # 0 = unlimited
    uses_count: int = Field(default=0)
    is_active: bool = Field(default=True)
    tariff_ids: str = Field(default="", max_length=500)  # comma-separated; empty = all tariffs
    created_at: datetime = Field(default_factory=utcnow)


class PromoRedemption(SQLModel, table=True):
    __tablename__ = "promo_redemptions"
    __table_args__ = (UniqueConstraint("promo_code_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    promo_code_id: int = Field(foreign_key="promo_codes.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    license_id: int | None = Field(default=None, foreign_key="licenses.id")
    # A YooKassa order holds its use from creation ("reserved") until it is paid
    # ("redeemed") or canceled (the row is deleted): limits count both.
    payment_id: int | None = Field(default=None, foreign_key="payments.id", index=True)
    status: str = Field(default="redeemed", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


