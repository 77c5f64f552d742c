"""Bank statements in the 1C format pay invoices: matched ones once, the rest wait for an admin."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import func, select

from ispgo_portal.db import session_scope
from ispgo_portal.models import BankPayment, Invoice, LedgerEntry, User
from ispgo_portal.services.billing import bank_statements, invoices, payers
from ispgo_portal.services.errors import DomainError
from tests.services.payer_factories import IP_INN, Doc, company_form, entrepreneur_form, statement


def _invoice(user: int, payer: int, rubles: str) -> tuple[int, str]:
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": rubles})
    return invoice_id, invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=user).number


def _balance(user: int) -> int:
    with session_scope() as session:
        return session.get(User, user).balance


@pytest.fixture
def five_payments(make_customer) -> dict:
    """Three invoices paid in full, one paid in part, and a transfer naming no invoice of ours."""
    a, b = make_customer(), make_customer()
    pa = payers.create_payer(user_id=a, form=company_form())
    pb = payers.create_payer(user_id=b, form=entrepreneur_form())
    inv = [_invoice(a, pa, "10000"), _invoice(a, pa, "2500,50"), _invoice(b, pb, "999"), _invoice(b, pb, "5000")]
    docs = [
        Doc("101", "10000.00", f"Оплата по счёту № {inv[0][1]} за лицензии. Без НДС"),
        Doc("102", "2500.50", f"Оплата по сч.{inv[1][1]}, НДС не облагается"),
        Doc("7", "999.00", f"Счет {inv[2][1]} оплата", payer_inn=IP_INN),
        Doc("8", "3000.00", f"Частичная оплата по счёту {inv[3][1]}", payer_inn=IP_INN),
        Doc("555", "1234.00", "Оплата за хостинг по договору 15"),
        Doc("900", "777.00", "Возврат займа", receiver_account="40702810900000000999"),  # not to us
    ]
    return {"a": a, "b": b, "invoices": inv, "file": statement(docs)}


def test_three_matched_one_partial_one_unknown(five_payments: dict, make_admin) -> None:
    result = bank_statements.upload_statement(admin_id=make_admin(), filename="kl_to_1c.txt",
                                              content=five_payments["file"])
    assert (result.documents, result.incoming, result.new, result.matched, result.waiting) == (6, 5, 5, 3, 2)
    assert result.credited == 1_000_000 + 250_050 + 99_900
    assert _balance(five_payments["a"]) == 1_250_050
    assert _balance(five_payments["b"]) == 99_900
    with session_scope() as session:
        statuses = [session.get(Invoice, i).status for i, _ in five_payments["invoices"]]
        waiting = session.exec(select(BankPayment).where(BankPayment.status == "waiting")
                               .order_by(BankPayment.id)).all()
    assert statuses == ["paid", "paid", "paid", "issued"]
    assert "Частичная оплата" in waiting[0].reason and "3\xa0000,00" in waiting[0].reason
    assert "нет номера счёта" in waiting[1].reason


def test_same_statement_twice_credits_once(five_payments: dict, make_admin) -> None:
    admin = make_admin()
    bank_statements.upload_statement(admin_id=admin, filename="a.txt", content=five_payments["file"])
    with pytest.raises(DomainError) as err:
        bank_statements.upload_statement(admin_id=admin, filename="a.txt", content=five_payments["file"])
    assert "уже загружена" in err.value.message
    assert _balance(five_payments["a"]) == 1_250_050


def test_overlapping_statement_with_other_bytes_credits_nothing_new(five_payments: dict, make_admin) -> None:
    admin = make_admin()
    bank_statements.upload_statement(admin_id=admin, filename="a.txt", content=five_payments["file"])
    again = five_payments["file"].replace("ДатаСоздания=30.11.2026".encode("cp1251"),
                                          "ДатаСоздания=01.12.2026".encode("cp1251"))
    result = bank_statements.upload_statement(admin_id=admin, filename="b.txt", content=again)
    assert (result.incoming, result.new, result.matched) == (5, 0, 0)
    assert _balance(five_payments["a"]) == 1_250_050 and _balance(five_payments["b"]) == 99_900


def test_two_admins_uploading_at_once_credit_once(five_payments: dict, make_admin) -> None:
    admins = [make_admin(), make_admin()]
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def upload(admin: int) -> None:
        barrier.wait()
        try:
            outcomes.append(bank_statements.upload_statement(admin_id=admin, filename="x.txt",
                                                             content=five_payments["file"]))
        except DomainError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=upload, args=(a,)) for a in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["DomainError", "UploadResult"]
    assert _balance(five_payments["a"]) == 1_250_050
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(LedgerEntry)
                            .where(LedgerEntry.reference.like("bank:%"))).one() == 3


def test_admin_assigns_a_waiting_payment_once_with_a_reason(five_payments: dict, make_admin) -> None:
    admin = make_admin()
    bank_statements.upload_statement(admin_id=admin, filename="a.txt", content=five_payments["file"])
    partial, unknown = bank_statements.list_bank_payments(admin_id=admin, waiting_only=True)[::-1]
    with pytest.raises(DomainError) as err:
        bank_statements.assign_bank_payment(admin_id=admin, bank_payment_id=unknown.id, form={"email": "x@y.ru"})
    assert err.value.field == "reason"
    with session_scope() as session:
        email_a = session.get(User, five_payments["a"]).email
    bank_statements.assign_bank_payment(admin_id=admin, bank_payment_id=unknown.id,
                                        form={"email": email_a, "reason": "письмо клиента, тикет 15"})
    with pytest.raises(DomainError):
        bank_statements.assign_bank_payment(admin_id=admin, bank_payment_id=unknown.id,
                                            form={"email": email_a, "reason": "повтор"})
    # The partial one goes to its invoice's owner; the invoice stays unpaid.
    _, number = five_payments["invoices"][3]
    bank_statements.assign_bank_payment(admin_id=admin, bank_payment_id=partial.id,
                                        form={"invoice_number": number, "reason": "остаток доплатят"})
    assert _balance(five_payments["a"]) == 1_250_050 + 123_400
    assert _balance(five_payments["b"]) == 99_900 + 300_000
    with session_scope() as session:
        assert session.get(Invoice, five_payments["invoices"][3][0]).status == "issued"
    assert bank_statements.list_bank_payments(admin_id=admin, waiting_only=True) == []


def test_customer_cannot_upload_or_assign(five_payments: dict) -> None:
    with pytest.raises(DomainError):
        bank_statements.upload_statement(admin_id=five_payments["a"], filename="a.txt",
                                         content=five_payments["file"])
    assert _balance(five_payments["a"]) == 0


def test_utf8_statement_is_read_too(make_customer, make_admin) -> None:
    user = make_customer()
    payer = payers.create_payer(user_id=user, form=company_form())
    _, number = _invoice(user, payer, "100")
    content = statement([Doc("1", "100", f"Оплата по счёту № {number}")], encoding="utf-8")
    result = bank_statements.upload_statement(admin_id=make_admin(), filename="u.txt", content=content)
    assert result.matched == 1 and _balance(user) == 10_000


@pytest.mark.parametrize("content", [b"", b"not a statement", "1CClientBankExchange\nСекцияДокумент=Платежное поручение\nНомер=1\n".encode("cp1251")])
def test_not_a_statement_is_refused(content: bytes, make_admin) -> None:
    with pytest.raises(DomainError) as err:
        bank_statements.upload_statement(admin_id=make_admin(), filename="bad.txt", content=content)
    assert err.value.code == "bad_statement"


@pytest.mark.parametrize("amount", ["Infinity", "NaN", "-5.00", "0", "10.001", "1e400"])
def test_an_amount_that_is_no_sum_of_money_is_refused_by_name(amount: str, make_customer, make_admin) -> None:
    user = make_customer()
    payer = payers.create_payer(user_id=user, form=company_form())
    _, number = _invoice(user, payer, "100")
    content = statement([Doc("1", amount, f"Оплата по счёту № {number}")])
    with pytest.raises(DomainError) as err:
        bank_statements.upload_statement(admin_id=make_admin(), filename="s.txt", content=content)
    assert err.value.code == "bad_statement" and "сумма" in err.value.message
    assert _balance(user) == 0
