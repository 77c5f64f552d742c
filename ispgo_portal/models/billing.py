"""The ledger and YooKassa payments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow
from ispgo_portal.models.enums import (
    LedgerKind,
    PaymentPurpose,
    PaymentStatus,
    RefundStatus,
    check_in,
)

# Ledger kinds (stored values) with their Russian names for the history.
LEDGER_KINDS: dict[str, str] = {
    LedgerKind.TOPUP.value: "Пополнение",
    LedgerKind.PURCHASE.value: "Покупка лицензии",
    LedgerKind.RENEWAL.value: "Продление лицензии",
    LedgerKind.REFUND.value: "Возврат",
    LedgerKind.ADJUSTMENT.value: "Корректировка",
}


class LedgerEntry(SQLModel, table=True):
    """Append-only: every balance change is exactly one row."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_user_created", "user_id", "created_at", "id"),
        check_in("ledger_entries", "kind", LedgerKind),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=16)
    amount: int = Field(sa_type=BigInteger)  # signed kopecks
    balance_after: int = Field(sa_type=BigInteger)
    description: str = Field(max_length=500)
    # Idempotency: the same business event can never be booked twice.
    reference: str = Field(sa_column=Column(String(120), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


PAYMENT_PURPOSES: dict[str, str] = {
    PaymentPurpose.TOPUP.value: "Пополнение баланса",
    PaymentPurpose.PURCHASE.value: "Покупка лицензии",
    PaymentPurpose.RENEWAL.value: "Продление лицензии",
    PaymentPurpose.AUTOPAY.value: "Автоплатёж с сохранённой карты",
}


class Payment(SQLModel, table=True):
    """A YooKassa payment as we know it. Our idempotence key exists before the API call."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_status_created", "status", "created_at"),
        check_in("payments", "status", PaymentStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(default=PaymentPurpose.TOPUP, max_length=16)
    amount: int = Field(sa_type=BigInteger)
    currency: str = Field(default="RUB", max_length=3)
    status: str = Field(default=PaymentStatus.NEW, max_length=24)  # PaymentStatus
    idempotence_key: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    yookassa_id: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    confirmation_url: str = Field(default="", max_length=2000)
    description: str = Field(default="", max_length=128)
    tariff_id: int | None = Field(default=None, foreign_key="tariffs.id")
    license_id: int | None = Field(default=None, foreign_key="licenses.id")
    promo_code_id: int | None = Field(default=None, foreign_key="promo_codes.id")
    cancellation_reason: str = Field(default="", max_length=64)
    refunded_amount: int = Field(default=0, sa_type=BigInteger)
    # What happened beyond the money, for the customer (a paid renewal that was held).
    customer_note: str = Field(default="", max_length=300)
    # Set when YooKassa's answer cannot be trusted (e.g. another amount): a person decides;
    # reconciliation leaves such a payment alone.
    review_reason: str = Field(default="", max_length=300)
    # Last time reconciliation or a poller asked YooKassa: the oldest check goes first, so a
    # payment that keeps failing never starves the others.
    last_checked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, sa_column_kwargs={"onupdate": utcnow})
    settled_at: datetime | None = None


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (check_in("refunds", "status", RefundStatus),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payments.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    status: str = Field(default=RefundStatus.NEW, max_length=24)  # RefundStatus
    idempotence_key: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    yookassa_id: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    reason: str = Field(default="", max_length=250)
    admin_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    settled_at: datetime | None = None
    # The exact JSON sent to YooKassa: a re-send with the same key must carry the same body.
    request_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cancellation_reason: str = Field(default="", max_length=64)  # YooKassa's, when canceled
    # Why a person must look at this refund in «Платежи» (empty: nothing to do).
    attention: str = Field(default="", max_length=250)
