"""Money movement: the ledger, charges with the credit limit, top-ups, adjustments.

Every function here runs inside the caller's transaction (`session`) after locking the
customer's row, so a balance and its ledger row always change together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from ispgo_portal.db import is_postgres
from ispgo_portal.models import LedgerEntry, User, id_col, pk
from ispgo_portal.money import format_rub
from ispgo_portal.services.errors import DomainError


@dataclass(frozen=True)
class Funds:
    balance: int
    credit_limit: int

    @property
    def available(self) -> int:
        return self.balance + self.credit_limit

    @property
    def credit_used(self) -> int:
        return max(0, -self.balance)


def lock_user(session: Session, user_id: int) -> User:
    """Lock the customer's row for the rest of the transaction (FOR UPDATE on PostgreSQL;
    SQLite transactions already start with the write lock)."""
    query = select(User).where(User.id == user_id)
    if is_postgres(session):
        query = query.with_for_update()
    user = session.exec(query.execution_options(populate_existing=True)).first()
    if user is None:
        raise DomainError("user_not_found", "Клиент не найден")
    return user


def funds_of(user: User) -> Funds:
    return Funds(balance=user.balance, credit_limit=user.credit_limit)


def reference_exists(session: Session, reference: str) -> bool:
    return session.exec(select(LedgerEntry.id).where(LedgerEntry.reference == reference)).first() is not None


def _book(session: Session, user: User, *, kind: str, amount: int, description: str, reference: str) -> LedgerEntry:
    """Balance and ledger row change together; they reach the database at the session's
    next flush (the public functions flush at once, `charge_locked` leaves it to the caller)."""
    user.balance += amount
    entry = LedgerEntry(
        user_id=pk(user),
        kind=kind,
        amount=amount,
        balance_after=user.balance,
        description=description[:500],
        reference=reference,
    )
    session.add(user)
    session.add(entry)
    return entry


def _book_now(session: Session, user: User, *, kind: str, amount: int, description: str,
              reference: str) -> LedgerEntry:
    entry = _book(session, user, kind=kind, amount=amount, description=description, reference=reference)
    session.flush()  # the caller gets the row's id, and a duplicate reference fails here
    return entry


def insufficient_funds_error(missing: int) -> DomainError:
    return DomainError(
        "insufficient_funds", f"Недостаточно средств: не хватает {format_rub(missing)}"
    )


def charge(
    session: Session, *, user_id: int, amount: int, kind: str, description: str, reference: str
) -> LedgerEntry:
    """Take `amount` from the balance, then from the credit limit. Refuses if short."""
    if amount < 0:
        raise ValueError("charge amount must be >= 0")
    entry = charge_locked(session, user=lock_user(session, user_id), amount=amount, kind=kind,
                          description=description, reference=reference)
    session.flush()  # the caller gets the row's id, and a duplicate reference fails here
    return entry


def charge_locked(
    session: Session, *, user: User, amount: int, kind: str, description: str, reference: str
) -> LedgerEntry:
    """`charge` for a customer whose row the caller already holds from `lock_user` in this
    transaction (locking it again would cost a round trip and change nothing). Balance
    first, then credit; refuses if short and then changes nothing. The balance update and
    the ledger row are written at the session's next flush — at the latest the commit,
    where a reference booked before fails the whole transaction — so a caller that writes
    more rows in the same transaction sends them in one flush."""
    if amount < 0:
        raise ValueError("charge amount must be >= 0")
    available = funds_of(user).available
    # A free charge (100 % discount) needs no funds, even from a customer in debt.
    if amount > 0 and available < amount:
        raise insufficient_funds_error(amount - available)
    return _book(session, user, kind=kind, amount=-amount, description=description, reference=reference)


def credit(
    session: Session, *, user_id: int, amount: int, kind: str, description: str, reference: str
) -> LedgerEntry | None:
    """Add money (top-up, refund to balance). Used credit is repaid first simply because the
    balance is signed. Returns None if this reference was already booked."""
    if amount <= 0:
        raise ValueError("credit amount must be > 0")
    user = lock_user(session, user_id)
    if reference_exists(session, reference):
        return None
    return _book_now(session, user, kind=kind, amount=amount, description=description, reference=reference)


def debit_unchecked(
    session: Session, *, user_id: int, amount: int, kind: str, description: str, reference: str
) -> LedgerEntry | None:
    """Take money back regardless of funds (a refund of money already paid out, an admin
    correction): the balance may go below the credit limit. None if already booked."""
    if amount <= 0:
        raise ValueError("debit amount must be > 0")
    user = lock_user(session, user_id)
    if reference_exists(session, reference):
        return None
    return _book_now(session, user, kind=kind, amount=-amount, description=description, reference=reference)


def ledger_mismatches(session: Session) -> list[tuple[int, str, int, int]]:
    """(user id, email, balance, ledger sum) for every customer whose balance != sum of ledger."""
    sums = (
        select(LedgerEntry.user_id, func.coalesce(func.sum(LedgerEntry.amount), 0).label("total"))
        .group_by(col(LedgerEntry.user_id))
        .subquery()
    )
    rows = session.exec(
        select(id_col(User), User.email, User.balance, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.user_id == User.id)
    ).all()
    return [(uid, email, bal, int(total)) for uid, email, bal, total in rows if bal != int(total)]
