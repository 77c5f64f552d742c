"""Charges, top-ups and the credit limit (services/billing/ledger.py) on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ispgo_portal.cli import main as cli
from ispgo_portal.db import get_engine, session_scope
from ispgo_portal.models import LedgerEntry, User
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.errors import DomainError


def _charge(user_id: int, amount: int, reference: str) -> LedgerEntry:
    with session_scope() as session:
        return billing.charge(session, user_id=user_id, amount=amount, kind="purchase",
                              description="Покупка", reference=reference)


def _top_up(user_id: int, amount: int, reference: str) -> LedgerEntry | None:
    with session_scope() as session:
        return billing.credit(session, user_id=user_id, amount=amount, kind="topup",
                              description="Пополнение", reference=reference)


def _funds(user_id: int) -> billing.Funds:
    with session_scope() as session:
        return billing.funds_of(session.get(User, user_id))


def _ledger(user_id: int) -> list[LedgerEntry]:
    with session_scope() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)
                                 .order_by(LedgerEntry.id)).all())


def test_charge_takes_balance_first(make_customer) -> None:
    user_id = make_customer(balance=50_000, credit_limit=100_000)
    _charge(user_id, 30_000, "c1")
    funds = _funds(user_id)
    assert (funds.balance, funds.credit_used, funds.available) == (20_000, 0, 120_000)


def test_charge_uses_credit_when_balance_is_short(make_customer) -> None:
    user_id = make_customer(balance=20_000, credit_limit=100_000)
    entry = _charge(user_id, 50_000, "c1")
    funds = _funds(user_id)
    assert (entry.amount, entry.balance_after) == (-50_000, -30_000)
    assert (funds.balance, funds.credit_used, funds.available) == (-30_000, 30_000, 70_000)


def test_charge_of_exactly_the_available_funds_succeeds(make_customer) -> None:
    user_id = make_customer(balance=10_000, credit_limit=5_000)
    _charge(user_id, 15_000, "c1")
    assert _funds(user_id).available == 0


def test_charge_refused_when_short_and_nothing_changes(make_customer) -> None:
    user_id = make_customer(balance=10_000, credit_limit=5_000)
    before = _ledger(user_id)
    with pytest.raises(DomainError) as refused:
        _charge(user_id, 30_000, "c1")
    assert refused.value.code == "insufficient_funds"
    assert refused.value.message == "Недостаточно средств: не хватает 150,00\u00a0₽"
    assert _funds(user_id).balance == 10_000
    assert [e.id for e in _ledger(user_id)] == [e.id for e in before]


def test_top_up_repays_used_credit_first(make_customer) -> None:
    user_id = make_customer(balance=0, credit_limit=100_000)
    _charge(user_id, 30_000, "c1")
    assert _funds(user_id).credit_used == 30_000
    _top_up(user_id, 50_000, "t1")
    funds = _funds(user_id)
    assert (funds.balance, funds.credit_used, funds.available) == (20_000, 0, 120_000)


def test_partial_top_up_restores_part_of_the_credit(make_customer) -> None:
    user_id = make_customer(balance=0, credit_limit=100_000)
    _charge(user_id, 80_000, "c1")
    _top_up(user_id, 30_000, "t1")
    assert (_funds(user_id).credit_used, _funds(user_id).available) == (50_000, 50_000)


def test_top_up_with_same_reference_books_once(make_customer) -> None:
    user_id = make_customer()
    assert _top_up(user_id, 10_000, "payment:1") is not None
    assert _top_up(user_id, 10_000, "payment:1") is None
    assert _funds(user_id).balance == 10_000
    assert len(_ledger(user_id)) == 1


def test_charge_with_used_reference_is_refused_by_the_database(make_customer) -> None:
    user_id = make_customer(balance=50_000)
    _charge(user_id, 10_000, "renewal:7")
    with pytest.raises(IntegrityError):
        _charge(user_id, 10_000, "renewal:7")
    assert _funds(user_id).balance == 40_000


def test_every_change_is_one_ledger_row_with_balance_after(make_customer) -> None:
    user_id = make_customer(credit_limit=10_000)
    _top_up(user_id, 5_000, "t1")
    _charge(user_id, 12_000, "c1")
    _top_up(user_id, 20_000, "t2")
    rows = [(e.kind, e.amount, e.balance_after) for e in _ledger(user_id)]
    assert rows == [("topup", 5_000, 5_000), ("purchase", -12_000, -7_000), ("topup", 20_000, 13_000)]


def test_unchecked_debit_may_go_below_the_credit_limit(make_customer) -> None:
    user_id = make_customer(balance=1_000, credit_limit=0)
    with session_scope() as session:
        billing.debit_unchecked(session, user_id=user_id, amount=5_000, kind="refund",
                                description="Возврат", reference="refund:1")
    assert _funds(user_id).balance == -4_000


def test_ledger_mismatch_is_reported_and_check_ledger_fails(make_customer, capsys) -> None:
    user_id = make_customer(balance=10_000)
    assert cli(["check-ledger"]) == 0
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE users SET balance = balance + 1 WHERE id = :id"), {"id": user_id})
    with session_scope() as session:
        assert [m[0] for m in billing.ledger_mismatches(session)] == [user_id]
    assert cli(["check-ledger"]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    with get_engine().begin() as conn:  # put it back for the shared invariant check
        conn.execute(text("UPDATE users SET balance = balance - 1 WHERE id = :id"), {"id": user_id})


def test_50_concurrent_charges_with_funds_for_10(make_customer) -> None:
    user_id = make_customer(balance=50_000, credit_limit=50_000)
    start = threading.Barrier(50)

    def attempt(index: int) -> bool:
        start.wait()
        try:
            _charge(user_id, 10_000, f"parallel:{index}")
        except DomainError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))

    assert outcomes.count(True) == 10
    rows = _ledger(user_id)
    assert min(e.balance_after for e in rows) == -50_000  # never below −credit limit
    assert _funds(user_id).balance == -50_000
