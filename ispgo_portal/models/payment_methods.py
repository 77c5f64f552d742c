"""Cards saved at YooKassa for autopay. Only what YooKassa reports is kept: its method id,
the type, the last four digits and the expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow


class PaymentMethod(SQLModel, table=True):
    __tablename__ = "payment_methods"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    yookassa_method_id: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    method_type: str = Field(default="bank_card", max_length=32)
    card_type: str = Field(default="", max_length=32)
    last4: str = Field(default="", max_length=4)
    expiry_month: str = Field(default="", max_length=2)
    expiry_year: str = Field(default="", max_length=4)
    title: str = Field(default="", max_length=120)
    # The one card auto-renewal may charge (at most one per customer, see the service).
    is_autopay: bool = Field(default=False)
    # A declined card is not charged again for a day.
    declined_at: datetime | None = None
    decline_reason: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
