"""Request and answer bodies of the customer REST API (money in kopecks, times in UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

LicenseStatus = Literal["active", "expired", "suspended"]
PayMethod = Literal["balance", "yookassa"]
Category = Literal["technical", "billing", "general", "license", "other"]
Priority = Literal["low", "medium", "high"]
TicketStatus = Literal["open", "in_progress", "closed"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Me(BaseModel):
    id: int
    email: str
    name: str
    balance: int = Field(description="Баланс, копейки (может быть отрицательным в пределах кредита)")
    credit_limit: int
    credit_used: int
    available: int = Field(description="balance + credit_limit, копейки")
    discount_percent: int


class LedgerItem(BaseModel):
    id: int
    created_at: datetime
    kind: Literal["topup", "purchase", "renewal", "refund", "adjustment"]
    amount: int = Field(description="Со знаком, копейки")
    balance_after: int
    description: str


class LedgerPage(BaseModel):
    items: list[LedgerItem]
    next_cursor: str | None = Field(description="Передайте в cursor, чтобы получить следующую страницу")


class TariffOut(BaseModel):
    id: int
    name: str
    price: int = Field(description="Цена за период, копейки")
    period_days: int
    max_servers: int = Field(description="0 — без ограничений")
    max_sites: int = Field(description="0 — без ограничений")
    description: str


class TariffList(BaseModel):
    items: list[TariffOut]


class TariffRef(BaseModel):
    id: int
    name: str


class ServerOut(BaseModel):
    id: int
    fingerprint: str
    hostname: str
    activated_at: datetime
    last_seen_at: datetime


class LicenseOut(BaseModel):
    id: int
    key: str
    tariff: TariffRef
    status: LicenseStatus
    status_reason: str
    expires_at: datetime
    auto_renew: bool
    max_servers: int
    max_sites: int
    servers: list[ServerOut]


class LicensePage(BaseModel):
    items: list[LicenseOut]
    next_cursor: str | None


ReturnUrl = Annotated[HttpUrl | None, Field(
    description="Куда ЮKassa вернёт плательщика после оплаты (по умолчанию — страница портала)")]


class BuyLicense(Body):
    tariff_id: int = Field(gt=0, le=2**31 - 1)
    method: PayMethod
    promo_code: str = Field(default="", max_length=40)
    return_url: ReturnUrl = None


class RenewLicense(Body):
    method: PayMethod
    promo_code: str = Field(default="", max_length=40)
    return_url: ReturnUrl = None


class PatchLicense(Body):
    auto_renew: bool


class PaymentOut(BaseModel):
    id: int
    status: Literal["new", "pending", "waiting_for_capture", "succeeded", "canceled", "failed"]
    amount: int
    purpose: Literal["topup", "purchase", "renewal"]
    created_at: datetime
    confirmation_url: str = Field(description="Страница оплаты ЮKassa: откройте её плательщику")


class PaymentAccepted(BaseModel):
    payment: PaymentOut


class TopupIn(Body):
    amount: int = Field(gt=0, le=10**12, description="Сумма, копейки (от 100)")
    return_url: ReturnUrl = None


def url_text(url: HttpUrl | None) -> str:
    return str(url) if url is not None else ""


class TicketItem(BaseModel):
    id: int
    number: int
    category: Category
    priority: Priority
    status: TicketStatus
    subject: str
    replies: int
    updated_at: datetime


class TicketPage(BaseModel):
    items: list[TicketItem]
    next_cursor: str | None


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(BaseModel):
    id: int
    author: Literal["customer", "support"]
    text: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(TicketItem):
    created_at: datetime
    messages: list[MessageOut]


class TicketIn(Body):
    category: Category
    priority: Priority
    subject: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=10, max_length=10_000)


class MessageIn(Body):
    text: str = Field(min_length=1, max_length=10_000)


Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
