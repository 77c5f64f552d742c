"""Payment amounts at the edges: a top-up of 1 ₽ or of the maximum is accepted, a kopeck outside is not
(and then no payment is created)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment, User
from ispgo_portal.services.billing.payments import start_payment, start_topup
from ispgo_portal.services.errors import DomainError
from ispgo_portal.settings import get_settings


def _payments() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Payment)).one()


def test_smallest_and_largest_top_ups_are_accepted(control, make_customer) -> None:
    user_id = make_customer()
    for amount in (100, get_settings().max_topup_kopecks):
        assert start_topup(user_id=user_id, amount=amount).confirmation_url
    assert _payments() == 2


def test_a_kopeck_outside_the_range_is_refused(control, make_customer) -> None:
    user_id = make_customer()
    for amount in (99, get_settings().max_topup_kopecks + 1):
        with pytest.raises(DomainError) as refused:
            start_topup(user_id=user_id, amount=amount)
        assert refused.value.code == "invalid_amount"
    assert _payments() == 0


def test_any_payment_of_at_least_a_kopeck_starts(control, make_customer) -> None:
    """start_payment also carries purchases, whose discounted price can be 1 kopeck; a payment
    of nothing is refused before anything is recorded."""
    user_id = make_customer()
    with pytest.raises(DomainError) as refused:
        start_payment(user_id=user_id, amount=0, purpose="purchase", description="Лицензия",
                      receipt_item="Лицензия")
    assert (refused.value.code, _payments()) == ("invalid_amount", 0)
    assert start_payment(user_id=user_id, amount=1, purpose="purchase", description="Лицензия",
                         receipt_item="Лицензия").confirmation_url


def test_blocked_customer_cannot_start_a_payment(control, make_customer) -> None:
    user_id = make_customer()
    with session_scope() as session:
        user = session.get(User, user_id)
        user.is_blocked = True
        session.add(user)
    with pytest.raises(DomainError):
        start_topup(user_id=user_id, amount=10_000)
    assert _payments() == 0
