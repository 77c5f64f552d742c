"""Company payers: payer profiles, invoices for bank transfer, bank statements and their
incoming payments, closing documents (acts) and the gap-free document numbering."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ispgo_portal.clock import utcnow

PAYER_KINDS = {"person": "Физическое лицо", "company": "ООО", "entrepreneur": "ИП"}
INVOICE_STATUSES = {"issued": "выставлен", "paid": "оплачен", "cancelled": "аннулирован"}
# An incoming bank payment: credited automatically, waiting for a person, or assigned by one.
BANK_PAYMENT_STATUSES = {"matched": "зачислен", "waiting": "ждёт разбора", "assigned": "зачислен вручную"}


class PayerProfile(SQLModel, table=True):
    """Who pays: the customer as a person, or an ООО / ИП with its bank details."""

    __tablename__ = "payer_profiles"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)  # person | company | entrepreneur
    name: str = Field(max_length=300)
    inn: str = Field(default="", max_length=12)
    kpp: str = Field(default="", max_length=9)
    ogrn: str = Field(default="", max_length=15)  # ОГРН (13) or ОГРНИП (15)
    legal_address: str = Field(default="", max_length=500)
    bik: str = Field(default="", max_length=9)
    account: str = Field(default="", max_length=20)
    corr_account: str = Field(default="", max_length=20)
    bank_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    is_default: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class DocumentCounter(SQLModel, table=True):
    """The last number given per document kind and year; its row is locked while a number
    is taken, so numbers have no gaps and no repeats."""

    __tablename__ = "document_counters"
    __table_args__ = (UniqueConstraint("kind", "year", name="uq_document_counters_kind_year"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    year: int
    last_number: int = Field(default=0)


class Invoice(SQLModel, table=True):
    """A счёт на оплату. The buyer's details are copied in when it is issued: the document
    says what it said that day."""

    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_status_created", "status", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    user_id: int = Field(foreign_key="users.id", index=True)
    payer_id: int | None = Field(default=None, foreign_key="payer_profiles.id")
    payer_details: str = Field(sa_column=Column(Text, nullable=False))  # JSON snapshot
    payer_inn: str = Field(default="", max_length=12)
    item: str = Field(max_length=300)
    amount: int = Field(sa_type=BigInteger)
    tariff_id: int | None = Field(default=None, foreign_key="tariffs.id")
    license_id: int | None = Field(default=None, foreign_key="licenses.id")
    status: str = Field(default="issued", max_length=16)  # issued | paid | cancelled
    paid_note: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    paid_at: datetime | None = None


class BankStatement(SQLModel, table=True):
    """An uploaded 1CClientBankExchange file (its SHA-256: the same file twice is one upload)."""

    __tablename__ = "bank_statements"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    filename: str = Field(default="", max_length=200)
    account: str = Field(default="", max_length=20)
    date_from: date | None = None
    date_to: date | None = None
    documents: int = Field(default=0)
    uploaded_by: int = Field(foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow)


class BankPayment(SQLModel, table=True):
    """One incoming payment order from a statement. `doc_key` identifies the payment itself
    (number, date, amount, payer, accounts), so the same payment in two statements is one row."""

    __tablename__ = "bank_payments"
    __table_args__ = (Index("ix_bank_payments_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    doc_key: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    statement_id: int = Field(foreign_key="bank_statements.id", index=True)
    doc_number: str = Field(default="", max_length=20)
    doc_date: date | None = None
    amount: int = Field(sa_type=BigInteger)
    payer_name: str = Field(default="", max_length=300)
    payer_inn: str = Field(default="", max_length=12)
    payer_account: str = Field(default="", max_length=20)
    purpose: str = Field(default="", max_length=500)
    status: str = Field(default="waiting", max_length=16)  # matched | waiting | assigned
    reason: str = Field(default="", max_length=300)  # why it waits, or the admin's reason
    invoice_id: int | None = Field(default=None, foreign_key="invoices.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    assigned_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None


class ClosingAct(SQLModel, table=True):
    """An акт оказанных услуг for one customer and one month, made out to a payer; its lines are the month's
    purchase and renewal rows of the ledger."""

    __tablename__ = "closing_acts"
    __table_args__ = (UniqueConstraint("user_id", "period", name="uq_closing_acts_user_period"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    user_id: int = Field(foreign_key="users.id", index=True)
    payer_id: int = Field(foreign_key="payer_profiles.id")
    payer_details: str = Field(sa_column=Column(Text, nullable=False))  # JSON snapshot
    period: str = Field(max_length=7)  # "2026-10"
    total: int = Field(sa_type=BigInteger)
    lines: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
