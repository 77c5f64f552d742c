"""SQLModel tables. Importing this package registers every table in the metadata."""

from ispgo_portal.models.api import API_SCOPES, ApiIdempotencyKey, ApiToken
from ispgo_portal.models.audit import AuditLog
from ispgo_portal.models.billing import LEDGER_KINDS, PAYMENT_PURPOSES, LedgerEntry, Payment, Refund
from ispgo_portal.models.enums import (
    LedgerKind,
    LicenseStatus,
    OutboxStatus,
    PaymentPurpose,
    PaymentStatus,
    RefundStatus,
    Role,
    SuspendedBy,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)
from ispgo_portal.models.ids import id_col, pk
from ispgo_portal.models.licenses import (
    LICENSE_STATUSES,
    License,
    LicenseActivation,
    PromoCode,
    PromoRedemption,
    Tariff,
)
from ispgo_portal.models.outbox import OutboxEmail
from ispgo_portal.models.payers import (
    BANK_PAYMENT_STATUSES,
    INVOICE_STATUSES,
    PAYER_KINDS,
    BankPayment,
    BankStatement,
    ClosingAct,
    DocumentCounter,
    Invoice,
    PayerProfile,
)
from ispgo_portal.models.payment_methods import PaymentMethod
from ispgo_portal.models.security import LoginChallenge, RecoveryCode, TwoFactor
from ispgo_portal.models.tickets import (
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from ispgo_portal.models.users import (
    ROLE_ADMIN,
    ROLE_CUSTOMER,
    AuthSession,
    LoginAttempt,
    PasswordResetToken,
    User,
)

__all__ = [
    "id_col", "pk",
    "BANK_PAYMENT_STATUSES", "BankPayment", "BankStatement", "ClosingAct", "DocumentCounter",
    "INVOICE_STATUSES", "Invoice", "PAYER_KINDS", "PayerProfile",
    "API_SCOPES", "ApiIdempotencyKey", "ApiToken", "AuditLog", "AuthSession", "LEDGER_KINDS", "LICENSE_STATUSES", "LedgerEntry", "License",
    "LicenseActivation", "LoginAttempt", "LoginChallenge", "PaymentMethod", "RecoveryCode", "TwoFactor", "OutboxEmail", "PAYMENT_PURPOSES", "PasswordResetToken",
    "Payment", "PromoCode", "PromoRedemption", "ROLE_ADMIN", "ROLE_CUSTOMER", "Refund",
    "TICKET_CATEGORIES", "TICKET_PRIORITIES", "TICKET_STATUSES", "Tariff", "Ticket",
    "TicketAttachment", "TicketMessage", "User",
    "LedgerKind", "LicenseStatus", "OutboxStatus", "PaymentPurpose", "PaymentStatus", "RefundStatus",
    "Role", "SuspendedBy", "TicketCategory", "TicketPriority", "TicketStatus",
]
