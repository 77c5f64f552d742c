"""Admin work on customer accounts: each change takes effect, is audited, and only admins may do it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import func, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import (
    AuditLog,
    AuthSession,
    LedgerEntry,
    License,
    OutboxEmail,
    Tariff,
    User,
)
from ispgo_portal.services.accounts import admin as ac
from ispgo_portal.services.accounts import auth
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import resolve_caller


def _user(user_id: int) -> User:
    with session_scope() as session:
        return session.get(User, user_id)


def _audit(action: str) -> list[AuditLog]:
    with session_scope() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all())


def _charge(user_id: int, amount: int, reference: str) -> None:
    with session_scope() as session:
        billing.charge(session, user_id=user_id, amount=amount, kind="purchase",
                       description="Покупка", reference=reference)


def _ledger(user_id: int) -> list[LedgerEntry]:
    with session_scope() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)
                                 .order_by(LedgerEntry.id)).all())


def _sessions(user_id: int) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(AuthSession)
                            .where(AuthSession.user_id == user_id)).one()


def _emails(template: str) -> list[OutboxEmail]:
    with session_scope() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id)).all())


# --- credit limit and discount --------------------------------------------------------------

def test_raised_credit_limit_lets_the_next_charge_use_credit(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer(balance=20_000)
    with pytest.raises(DomainError):
        _charge(customer, 50_000, "before-limit")

    ac.set_credit_limit(admin_id=admin, customer_id=customer, credit_limit=100_000)
    _charge(customer, 50_000, "after-limit")

    assert _user(customer).balance == -30_000


def test_discount_changes_the_next_price(make_admin, make_customer, make_tariff) -> None:
    admin, customer, tariff_id = make_admin(), make_customer(), make_tariff(price=100_000)

    ac.set_discount(admin_id=admin, customer_id=customer, percent=15)

    with session_scope() as session:
        quote = pricing.quote(session, user=session.get(User, customer), tariff=session.get(Tariff, tariff_id))
    assert (quote.final_price, quote.discount_source) == (85_000, "individual")


def test_lowered_credit_limit_below_debt_keeps_balance_and_refuses_charges(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer(balance=-80_000, credit_limit=100_000)
    rows_before = len(_ledger(customer))

    ac.set_credit_limit(admin_id=admin, customer_id=customer, credit_limit=50_000)

    assert (_user(customer).balance, _user(customer).credit_limit) == (-80_000, 50_000)
    with pytest.raises(DomainError) as err:
        _charge(customer, 100, "after-lowering")
    assert err.value.code == "insufficient_funds"
    assert len(_ledger(customer)) == rows_before


def test_credit_limit_change_is_audited(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer(credit_limit=10_000)

    ac.set_credit_limit(admin_id=admin, customer_id=customer, credit_limit=100_000, reason="по договору")

    [row] = _audit("customer.credit_limit")
    assert (row.admin_id, row.target_user_id, row.reason) == (admin, customer, "по договору")
    assert json.loads(row.before) == {"credit_limit": 10_000}
    assert json.loads(row.after) == {"credit_limit": 100_000}


@pytest.mark.parametrize("limit", [-1, ac.MAX_CREDIT_LIMIT + 1])
def test_credit_limit_out_of_range_is_refused(make_admin, make_customer, limit: int) -> None:
    admin, customer = make_admin(), make_customer(credit_limit=5_000)
    with pytest.raises(DomainError):
        ac.set_credit_limit(admin_id=admin, customer_id=customer, credit_limit=limit)
    assert _user(customer).credit_limit == 5_000
    assert _audit("customer.credit_limit") == []


@pytest.mark.parametrize("percent", [-1, 101])
def test_discount_out_of_range_is_refused(make_admin, make_customer, percent: int) -> None:
    admin, customer = make_admin(), make_customer(discount=5)
    with pytest.raises(DomainError):
        ac.set_discount(admin_id=admin, customer_id=customer, percent=percent)
    assert _user(customer).discount_percent == 5


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("1 000", 100_000), ("1000,50", 100_050)])
def test_credit_limit_text_is_parsed(text: str, expected: int) -> None:
    assert ac.parse_credit_limit(text) == expected


@pytest.mark.parametrize("text", ["", "x", "-5", "1,234", "99999999999"])
def test_credit_limit_text_garbage_is_refused(text: str) -> None:
    with pytest.raises(DomainError):
        ac.parse_credit_limit(text)


# --- balance adjustment -----------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "balance_after"), [(25_000, 35_000), (-25_000, -15_000)])
def test_balance_adjustment_books_a_ledger_row_and_an_audit_row(
    make_admin, make_customer, amount: int, balance_after: int
) -> None:
    admin, customer = make_admin(), make_customer(balance=10_000)

    ac.adjust_balance(admin_id=admin, customer_id=customer, amount=amount, reason="Компенсация простоя")

    entry = _ledger(customer)[-1]
    assert (entry.kind, entry.amount, entry.balance_after) == ("adjustment", amount, balance_after)
    assert entry.description == "Корректировка: Компенсация простоя"
    [row] = _audit("customer.balance_adjust")
    assert json.loads(row.before) == {"balance": 10_000}
    assert json.loads(row.after) == {"balance": balance_after, "amount": amount}
    assert row.reason == "Компенсация простоя"


def test_balance_adjustment_needs_a_reason(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    with pytest.raises(DomainError) as err:
        ac.adjust_balance(admin_id=admin, customer_id=customer, amount=1_000, reason="   ")
    assert err.value.field == "reason"
    assert _ledger(customer) == []


def test_repeated_adjustment_request_books_once(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    for _ in range(2):
        ac.adjust_balance(admin_id=admin, customer_id=customer, amount=1_000, reason="бонус",
                          request_key="form-1")
    assert _user(customer).balance == 1_000
    assert len(_audit("customer.balance_adjust")) == 1


# --- block / unblock, roles ---------------------------------------------------------------

def test_block_ends_sessions_and_login_is_refused(make_admin, make_customer, session_token) -> None:
    admin = make_admin()
    customer = make_customer(email="blocked@example.ru", password="password123")
    token = session_token(customer)

    ac.set_blocked(admin_id=admin, customer_id=customer, blocked=True, reason="мошенничество")

    assert _sessions(customer) == 0
    assert resolve_caller(token) is None
    with pytest.raises(DomainError) as err:
        auth.login(email="blocked@example.ru", password="password123")
    assert err.value.code == "user_blocked"
    assert len(_audit("customer.block")) == 1


def test_unblock_lets_the_customer_log_in_again(make_admin, make_customer) -> None:
    admin = make_admin()
    customer = make_customer(email="back@example.ru", password="password123")
    ac.set_blocked(admin_id=admin, customer_id=customer, blocked=True)

    ac.set_blocked(admin_id=admin, customer_id=customer, blocked=False)

    assert auth.login(email="back@example.ru", password="password123").user_id == customer
    [row] = _audit("customer.unblock")
    assert (json.loads(row.before), json.loads(row.after)) == ({"is_blocked": True}, {"is_blocked": False})


def test_admin_cannot_block_themselves(make_admin) -> None:
    admin = make_admin()
    with pytest.raises(DomainError) as err:
        ac.set_blocked(admin_id=admin, customer_id=admin, blocked=True)
    assert err.value.code == "self_block"
    assert _user(admin).is_blocked is False


def test_admin_cannot_demote_themselves(make_admin) -> None:
    admin = make_admin()
    with pytest.raises(DomainError) as err:
        ac.set_role(admin_id=admin, customer_id=admin, role="customer")
    assert err.value.code == "self_demote"
    assert _user(admin).role == "admin"


def test_promoted_customer_becomes_admin_with_audit(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    ac.set_role(admin_id=admin, customer_id=customer, role="admin")
    assert _user(customer).role == "admin"
    assert len(_audit("customer.role")) == 1


# --- email and password -----------------------------------------------------------------------

def test_email_change_mails_old_and_new_address(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer(email="old@example.ru")

    ac.change_email(admin_id=admin, customer_id=customer, new_email=" New@Example.RU ")

    assert _user(customer).email == "new@example.ru"
    assert sorted(e.recipient for e in _emails("email_changed_by_admin")) == ["new@example.ru", "old@example.ru"]
    [row] = _audit("customer.email")
    assert (json.loads(row.before), json.loads(row.after)) == ({"email": "old@example.ru"},
                                                               {"email": "new@example.ru"})


def test_email_change_refuses_an_address_taken_in_another_case(make_admin, make_customer) -> None:
    admin = make_admin()
    make_customer(email="taken@example.ru")
    customer = make_customer(email="mine@example.ru")

    with pytest.raises(DomainError) as err:
        ac.change_email(admin_id=admin, customer_id=customer, new_email="TAKEN@example.ru")

    assert err.value.code == "email_taken"
    assert _user(customer).email == "mine@example.ru"
    assert _emails("email_changed_by_admin") == []
    assert _audit("customer.email") == []


def test_email_change_refuses_an_invalid_address(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer(email="mine@example.ru")
    with pytest.raises(DomainError) as err:
        ac.change_email(admin_id=admin, customer_id=customer, new_email="not-an-email")
    assert err.value.field == "email"


def test_password_change_mails_and_ends_sessions(make_admin, make_customer, session_token) -> None:
    admin = make_admin()
    customer = make_customer(email="pw@example.ru", password="old-password")
    session_token(customer)
    session_token(customer)

    ac.set_password(admin_id=admin, customer_id=customer, password="new-password", password_confirm="new-password")

    assert _sessions(customer) == 0
    assert [e.recipient for e in _emails("password_changed_by_admin")] == ["pw@example.ru"]
    assert auth.login(email="pw@example.ru", password="new-password").user_id == customer
    with pytest.raises(DomainError):
        auth.login(email="pw@example.ru", password="old-password")
    [row] = _audit("customer.password")
    assert "new-password" not in row.before + row.after


def test_short_password_is_refused(make_admin, make_customer) -> None:
    admin, customer = make_admin(), make_customer()
    with pytest.raises(DomainError) as err:
        ac.set_password(admin_id=admin, customer_id=customer, password="short", password_confirm="short")
    assert err.value.code == "password_too_short"
    assert _audit("customer.password") == []


# --- only admins --------------------------------------------------------------------------------

ACTIONS: dict[str, Callable[[int, int], object]] = {
    "credit_limit": lambda a, c: ac.set_credit_limit(admin_id=a, customer_id=c, credit_limit=100_000),
    "discount": lambda a, c: ac.set_discount(admin_id=a, customer_id=c, percent=50),
    "adjust": lambda a, c: ac.adjust_balance(admin_id=a, customer_id=c, amount=100_000, reason="x"),
    "email": lambda a, c: ac.change_email(admin_id=a, customer_id=c, new_email="hijack@example.ru"),
    "password": lambda a, c: ac.set_password(admin_id=a, customer_id=c, password="hijacked1",
                                             password_confirm="hijacked1"),
    "block": lambda a, c: ac.set_blocked(admin_id=a, customer_id=c, blocked=True),
    "role": lambda a, c: ac.set_role(admin_id=a, customer_id=c, role="admin"),
    "card": lambda a, c: ac.customer_card(admin_id=a, customer_id=c),
    "search": lambda a, c: ac.search_customers(admin_id=a),
}


def _digest(user_id: int) -> tuple:
    user = _user(user_id)
    return (user.email, user.password_hash, user.role, user.is_blocked, user.balance, user.credit_limit,
            user.discount_percent, len(_ledger(user_id)))


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_non_admin_is_refused_and_nothing_changes(make_customer, action: str) -> None:
    actor, customer = make_customer(), make_customer()
    before = _digest(customer), _digest(actor)
    with pytest.raises(AccessDenied):
        ACTIONS[action](actor, customer)
    assert (_digest(customer), _digest(actor)) == before
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AuditLog)).one() == 0


def test_blocked_admin_is_refused(make_admin, make_customer) -> None:
    admin, other_admin, customer = make_admin(), make_admin(), make_customer()
    ac.set_blocked(admin_id=other_admin, customer_id=admin, blocked=True)
    with pytest.raises(AccessDenied):
        ac.set_discount(admin_id=admin, customer_id=customer, percent=10)


def test_unknown_customer_is_not_found(make_admin) -> None:
    admin = make_admin()
    with pytest.raises(DomainError) as err:
        ac.set_discount(admin_id=admin, customer_id=999_999, percent=10)
    assert err.value.code == "not_found"


# --- search and card ------------------------------------------------------------------------

def _license(user_id: int, tariff_id: int, key: str, status: str = "active") -> None:
    from ispgo_portal.clock import utcnow

    with session_scope() as session:
        session.add(License(user_id=user_id, tariff_id=tariff_id, key=key, status=status,
                            expires_at=utcnow()))


def test_search_finds_by_email_name_and_license_key(make_admin, make_customer, make_tariff) -> None:
    admin = make_admin()
    anna = make_customer(email="anna@example.ru", name="Анна Смирнова")
    boris = make_customer(email="boris@example.ru", name="Борис")
    _license(boris, make_tariff(), "ISPG-ABCD-EFGH-2345")

    def found(query: str) -> list[int]:
        return [r.id for r in ac.search_customers(admin_id=admin, query=query).rows]

    assert found("ANNA@") == [anna]
    assert found("смирн") == [anna]
    assert found("abcd-efgh") == [boris]
    assert found("100%_") == []


def test_search_lists_money_and_active_licenses(make_admin, make_customer, make_tariff) -> None:
    admin = make_admin()
    customer = make_customer(email="rich@example.ru", balance=12_300, credit_limit=50_000, discount=7)
    tariff = make_tariff()
    _license(customer, tariff, "K-1")
    _license(customer, tariff, "K-2")
    _license(customer, tariff, "K-3", status="expired")

    [row] = ac.search_customers(admin_id=admin, query="rich@").rows

    assert (row.balance, row.credit_limit, row.discount_percent, row.active_licenses) == (12_300, 50_000, 7, 2)


def test_search_pages_through_results(make_admin, make_customer) -> None:
    admin = make_admin()
    ids = {make_customer(email=f"page{i}@example.ru") for i in range(5)}

    first = ac.search_customers(admin_id=admin, query="page", page=1, page_size=2)
    third = ac.search_customers(admin_id=admin, query="page", page=3, page_size=2)

    assert (first.total, first.pages, len(first.rows), len(third.rows)) == (5, 3, 2, 1)
    seen = {r.id for p in range(1, 4) for r in ac.search_customers(admin_id=admin, query="page", page=p,
                                                                     page_size=2).rows}
    assert seen == ids


def test_card_shows_profile_licenses_and_operations(make_admin, make_customer, make_tariff) -> None:
    admin = make_admin()
    customer = make_customer(balance=5_000, credit_limit=10_000)
    _license(customer, make_tariff(name="Бизнес"), "ISPG-CARD-0001")
    ac.adjust_balance(admin_id=admin, customer_id=customer, amount=-7_000, reason="ошибка")

    card = ac.customer_card(admin_id=admin, customer_id=customer)

    assert (card.profile.balance, card.credit_used, card.available) == (-2_000, 2_000, 8_000)
    assert [lic.key for lic in card.licenses] == ["ISPG-CARD-0001"]
    assert card.tariff_names[card.licenses[0].tariff_id] == "Бизнес"
    assert [t.amount for t in card.transactions] == [-7_000, 5_000]
