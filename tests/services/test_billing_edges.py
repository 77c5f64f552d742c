"""Edges of services/billing/ledger.py that the mutation run found untested: the customer lock
re-reads a row the session already holds, the ledger description fits its column, and a
booking marks the customer as changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, User
from ispgo_portal.services.billing import ledger as billing


def _credit(user_id: int, amount: int, reference: str, description: str = "Пополнение") -> None:
    with session_scope() as session:
        billing.credit(session, user_id=user_id, amount=amount, kind="topup", description=description,
                       reference=reference)


def test_lock_rereads_a_customer_the_session_already_loaded(make_customer) -> None:
    user_id = make_customer(balance=10_000)
    with session_scope() as session:
        held = session.get(User, user_id)  # kept: the identity map only holds it weakly
        assert held.balance == 10_000
        _credit(user_id, 5_000, "elsewhere")  # another transaction commits meanwhile
        billing.charge(session, user_id=user_id, amount=1_000, kind="purchase", description="Покупка",
                       reference="here")
    assert held.balance == 14_000
    with session_scope() as session:
        assert session.get(User, user_id).balance == 14_000  # not a lost update to 9 000
        assert billing.ledger_mismatches(session) == []


def test_long_description_is_cut_to_the_column(make_customer) -> None:
    user_id = make_customer()
    _credit(user_id, 100, "long", description="Пополнение " + "я" * 600)
    with session_scope() as session:
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.reference == "long")).one()
    assert len(entry.description) == 500


def test_booking_marks_the_customer_changed(make_customer) -> None:
    user_id = make_customer()
    with session_scope() as session:
        user = session.get(User, user_id)
        user.updated_at = utcnow() - timedelta(days=1)
        session.add(user)
    _credit(user_id, 100, "now")
    with session_scope() as session:
        assert as_utc(session.get(User, user_id).updated_at) > utcnow() - timedelta(minutes=1)


def test_bookings_return_their_row_with_its_id_at_once(make_customer) -> None:
    """Callers link other rows to the ledger row (and see a duplicate reference) right away."""
    user_id = make_customer(balance=10_000)
    with session_scope() as session:
        book = {"credit": billing.credit, "debit": billing.debit_unchecked, "charge": billing.charge}
        ids = [fn(session, user_id=user_id, amount=100, kind="adjustment", description=name,
                  reference=f"now:{name}").id for name, fn in book.items()]
    assert None not in ids and len(set(ids)) == 3


def test_zero_charge_books_a_zero_row(make_customer) -> None:
    """A 100 % discount is still a purchase in the ledger, of 0 ₽."""
    user_id = make_customer(balance=100)
    with session_scope() as session:
        entry = billing.charge(session, user_id=user_id, amount=0, kind="purchase", description="Бесплатно",
                               reference="free")
        locked = billing.charge_locked(session, user=billing.lock_user(session, user_id), amount=0,
                                       kind="renewal", description="Бесплатно", reference="free-2")
    assert (entry.amount, locked.amount, entry.balance_after, locked.balance_after) == (0, 0, 100, 100)


@pytest.mark.parametrize("amount", [-1, -10_000])
def test_negative_charge_is_refused_as_a_bug(make_customer, amount: int) -> None:
    user_id = make_customer(balance=100_000)
    with session_scope() as session, pytest.raises(ValueError):
        billing.charge(session, user_id=user_id, amount=amount, kind="purchase", description="x", reference="n")
    with session_scope() as session, pytest.raises(ValueError):
        billing.charge_locked(session, user=billing.lock_user(session, user_id), amount=amount,
                              kind="purchase", description="x", reference="n")


@pytest.mark.parametrize("amount", [0, -1])
def test_credit_of_nothing_is_refused_as_a_bug(make_customer, amount: int) -> None:
    user_id = make_customer()
    with session_scope() as session, pytest.raises(ValueError):
        billing.credit(session, user_id=user_id, amount=amount, kind="topup", description="x", reference="z")


def test_credit_of_one_kopeck_is_booked(make_customer) -> None:
    user_id = make_customer()
    _credit(user_id, 1, "kopeck")
    with session_scope() as session:
        assert session.get(User, user_id).balance == 1
