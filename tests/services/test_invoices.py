"""Invoices: a gap-free yearly number, an amount or a tariff, manual «Отметить оплаченным»."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ispgo_portal.clock import to_msk, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, Invoice, LedgerEntry, License, User
from ispgo_portal.services.billing import invoices, payers
from ispgo_portal.services.errors import DomainError
from tests.services.payer_factories import company_form


@pytest.fixture
def studio(make_customer) -> tuple[int, int]:
    user = make_customer(email="studio@example.ru")
    return user, payers.create_payer(user_id=user, form=company_form())


def test_numbers_follow_each_other_within_the_year(studio) -> None:
    user, payer = studio
    ids = [invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "10000"}) for _ in range(3)]
    year = to_msk(utcnow()).year
    assert [invoices.invoice_for_viewer(invoice_id=i, viewer_id=user).number for i in ids] == [
        f"{year}-000001", f"{year}-000002", f"{year}-000003"]


def test_refused_invoice_takes_no_number(studio) -> None:
    user, payer = studio
    with pytest.raises(DomainError):
        invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "10,001"})
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "100"})
    assert invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=user).number.endswith("-000001")


def test_parallel_invoices_get_distinct_gap_free_numbers(studio) -> None:
    user, payer = studio
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "500"})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope() as session:
        numbers = sorted(session.exec(select(Invoice.number)).all())
    assert [int(n.split("-")[1]) for n in numbers] == list(range(1, 9))


def test_person_profile_cannot_get_an_invoice(make_customer) -> None:
    user = make_customer()
    person = payers.create_payer(user_id=user, form={"kind": "person", "name": "Иван"})
    with pytest.raises(DomainError) as err:
        invoices.issue_invoice(user_id=user, form={"payer_id": str(person), "amount": "1000"})
    assert err.value.field == "payer_id"


def test_another_customers_invoice_is_hidden(studio, make_customer) -> None:
    user, payer = studio
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "1000"})
    other = make_customer()
    with pytest.raises(DomainError):
        invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=other)
    with pytest.raises(DomainError):
        invoices.cancel_invoice(user_id=other, invoice_id=invoice_id)
    assert invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=user).status == "issued"


def test_manual_mark_paid_credits_once_and_is_audited(studio, make_admin) -> None:
    user, payer = studio
    admin = make_admin()
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "10000"})
    invoices.mark_invoice_paid(admin_id=admin, invoice_id=invoice_id, form={"reason": "оплата пришла в кассу"})
    with pytest.raises(DomainError):
        invoices.mark_invoice_paid(admin_id=admin, invoice_id=invoice_id, form={"reason": "ещё раз"})
    with session_scope() as session:
        assert session.get(User, user).balance == 1_000_000
        assert session.get(Invoice, invoice_id).status == "paid"
        assert session.exec(select(AuditLog).where(AuditLog.action == "invoice.mark_paid")).one().reason
    assert invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=user).status_label == "оплачен"


def test_customer_cannot_mark_paid(studio) -> None:
    user, payer = studio
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "1000"})
    with pytest.raises(DomainError):
        invoices.mark_invoice_paid(admin_id=user, invoice_id=invoice_id, form={"reason": "сам себе"})
    with session_scope() as session:
        assert session.get(User, user).balance == 0


def test_paid_tariff_invoice_buys_the_licence(studio, make_admin, make_tariff) -> None:
    user, payer = studio
    tariff = make_tariff(name="Бизнес", price=250_000)
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "tariff_id": str(tariff)})
    view = invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=user)
    assert view.amount == 250_000 and "Бизнес" in view.item
    invoices.mark_invoice_paid(admin_id=make_admin(), invoice_id=invoice_id, form={"reason": "платёжка"})
    with session_scope() as session:
        lic = session.exec(select(License).where(License.user_id == user)).one()
        assert session.get(Invoice, invoice_id).license_id == lic.id
        assert session.get(User, user).balance == 0
        kinds = [e.kind for e in session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user)
                                              .order_by(LedgerEntry.id))]
    assert kinds == ["topup", "purchase"]
