"""Acts and reconciliation statements agree with the ledger to the kopeck, and every PDF
carries those numbers (read back with pypdf)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from ispgo_portal.clock import to_msk, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ClosingAct, LedgerEntry, OutboxEmail, User
from ispgo_portal.services.billing import closing_documents as docs
from ispgo_portal.services.billing import invoices, payers
from ispgo_portal.services.billing.documents.layout import money
from ispgo_portal.services.billing.documents.pdf import (
    render_act,
    render_invoice,
    render_reconciliation,
)
from ispgo_portal.services.billing.documents.words import amount_in_words
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import licenses
from tests.services.payer_factories import OOO_INN, company_form


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\xa0", " ")


def _period_now() -> str:
    now = to_msk(utcnow())
    return f"{now.year}-{now.month:02d}"


@pytest.fixture
def busy_studio(make_customer, make_tariff, make_admin) -> dict:
    """A studio with an ООО that paid an invoice, bought two licences and renewed one."""
    user = make_customer(email="studio@example.ru", discount=10)
    payer = payers.create_payer(user_id=user, form=company_form())
    invoice_id = invoices.issue_invoice(user_id=user, form={"payer_id": str(payer), "amount": "10000"})
    invoices.mark_invoice_paid(admin_id=make_admin(), invoice_id=invoice_id, form={"reason": "п/п 5"})
    cheap, dear = make_tariff(name="Старт", price=99_900), make_tariff(name="Бизнес", price=333_333)
    first = licenses.buy_from_balance(user_id=user, tariff_id=cheap)
    licenses.buy_from_balance(user_id=user, tariff_id=dear)
    licenses.renew_from_balance(user_id=user, license_id=first)
    return {"user": user, "payer": payer, "invoice": invoice_id}


def test_act_total_equals_the_months_ledger_charges(busy_studio: dict) -> None:
    period = _period_now()
    result = docs.issue_monthly_acts(period=period)
    assert result.created == 1
    [act] = docs.list_acts(user_id=busy_studio["user"])
    with session_scope() as session:
        charged = session.exec(select(func.sum(LedgerEntry.amount)).where(
            LedgerEntry.user_id == busy_studio["user"], LedgerEntry.kind.in_(("purchase", "renewal")))).one()
        email = session.exec(select(OutboxEmail).where(OutboxEmail.template == "act_issued")).one()
    assert act.total == -charged == 89_910 + 300_000 + 89_910
    assert len(act.lines) == 3 and sum(line.amount for line in act.lines) == act.total
    assert email.recipient == "buh@romashka.ru" and act.number in email.subject
    text = _text(render_act(act))
    assert act.number in text and money(act.total) in text and OOO_INN in text
    assert amount_in_words(act.total) in text
    assert all(money(line.amount) in text for line in act.lines)


def test_second_run_issues_no_second_act(busy_studio: dict) -> None:
    period = _period_now()
    docs.issue_monthly_acts(period=period)
    again = docs.issue_monthly_acts(period=period)
    assert (again.created, again.skipped) == (0, 1)
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(ClosingAct)).one() == 1
        assert session.exec(select(func.count()).select_from(OutboxEmail)
                            .where(OutboxEmail.template == "act_issued")).one() == 1


def test_changing_the_default_payer_does_not_issue_the_month_again(busy_studio: dict) -> None:
    period = _period_now()
    docs.issue_monthly_acts(period=period)
    other = payers.create_payer(user_id=busy_studio["user"], form=company_form(name="ООО «Вторая»"))
    payers.set_default_payer(user_id=busy_studio["user"], payer_id=other)
    assert docs.issue_monthly_acts(period=period).created == 0


def test_customer_without_a_company_gets_no_act(make_customer, make_tariff) -> None:
    user = make_customer(balance=500_000)
    payers.create_payer(user_id=user, form={"kind": "person", "name": "Иван"})
    licenses.buy_from_balance(user_id=user, tariff_id=make_tariff())
    assert docs.issue_monthly_acts(period=_period_now()).created == 0


def test_month_boundaries_and_previous_period() -> None:
    assert docs.month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    assert docs.previous_period(datetime(2027, 1, 1, 0, 30, tzinfo=UTC)) == "2026-12"
    # 31 Dec 22:00 UTC is already 1 January in Moscow
    assert docs.previous_period(datetime(2026, 12, 31, 22, 0, tzinfo=UTC)) == "2026-12"


def test_reconciliation_closing_balance_equals_the_customers_balance(busy_studio: dict) -> None:
    today = to_msk(utcnow()).date()
    rec = docs.reconciliation(user_id=busy_studio["user"], payer_id=busy_studio["payer"],
                              date_from=today - timedelta(days=40), date_to=today)
    with session_scope() as session:
        balance = session.get(User, busy_studio["user"]).balance
    assert rec.opening == 0
    assert rec.closing == balance == rec.opening + rec.received - rec.charged
    assert (rec.received, rec.charged) == (1_000_000, 479_820)
    text = _text(render_reconciliation(rec))
    assert money(rec.closing) in text and money(rec.received) in text and money(rec.charged) in text


def test_reconciliation_of_a_later_period_opens_with_the_earlier_balance(busy_studio: dict) -> None:
    tomorrow = to_msk(utcnow()).date() + timedelta(days=1)
    rec = docs.reconciliation(user_id=busy_studio["user"], payer_id=busy_studio["payer"],
                              date_from=tomorrow, date_to=tomorrow + timedelta(days=3))
    with session_scope() as session:
        balance = session.get(User, busy_studio["user"]).balance
    assert rec.lines == [] and rec.opening == rec.closing == balance


def test_reconciliation_refuses_a_reversed_period_and_a_foreign_payer(busy_studio: dict, make_customer) -> None:
    today = to_msk(utcnow()).date()
    with pytest.raises(DomainError):
        docs.reconciliation(user_id=busy_studio["user"], payer_id=busy_studio["payer"],
                            date_from=today, date_to=today - timedelta(days=1))
    with pytest.raises(DomainError):
        docs.reconciliation(user_id=make_customer(), payer_id=busy_studio["payer"], date_from=today, date_to=today)


def test_invoice_pdf_carries_number_details_and_words(busy_studio: dict) -> None:
    view = invoices.invoice_for_viewer(invoice_id=busy_studio["invoice"], viewer_id=busy_studio["user"])
    text = _text(render_invoice(view))
    assert f"Счёт на оплату № {view.number}" in text
    assert "10 000,00" in text and "Десять тысяч рублей 00 копеек" in text
    assert OOO_INN in text and "Без НДС" in text and f"Оплата по счёту № {view.number}" in text
    assert "7703475603" in text and "40702810938000000001" in text  # the seller, from the settings
