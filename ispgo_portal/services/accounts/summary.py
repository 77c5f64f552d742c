"""Read models of a customer's account for the dashboard and header."""

from __future__ import annotations

from dataclasses import dataclass

from ispgo_portal.db import session_scope
from ispgo_portal.models import User
from ispgo_portal.services.billing.ledger import funds_of
from ispgo_portal.services.errors import NotFound


@dataclass(frozen=True)
class AccountSummary:
    email: str
    name: str
    balance: int
    credit_limit: int
    credit_used: int
    available: int
    discount_percent: int


def account_summary(*, user_id: int) -> AccountSummary:
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Клиент не найден")
        funds = funds_of(user)
        return AccountSummary(
            email=user.email,
            name=user.name,
            balance=funds.balance,
            credit_limit=funds.credit_limit,
            credit_used=funds.credit_used,
            available=funds.available,
            discount_percent=user.discount_percent,
        )
