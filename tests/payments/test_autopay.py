"""Autopay: a card saved by a top-up with «Запомнить карту», then charged by
payment_method_id in the renewal pass when the balance and credit are short. The real SDK
talks to the emulator; the webhook reaches the portal's HTTP app."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment, PaymentMethod
from ispgo_portal.payments.emulator_store import CANCEL_REASONS
from ispgo_portal.services.billing import payment_methods
from ispgo_portal.services.billing.payments import settle_payment, start_topup
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import renewals
from tests.payments.helpers import balance_of, emails_to, ledger_of, payment_row, wait_until


def save_card(control, user_id: int, *, last4: str = "4477") -> int:
    """Top up 1 ₽ with «Запомнить карту» and pay: the saved card's id (ours)."""
    started = start_topup(user_id=user_id, amount=100, save_method=True)
    control.pay(payment_row(started.payment_id).yookassa_id, last4=last4)
    settle_payment(payment_id=started.payment_id)
    [card] = payment_methods.list_methods(user_id=user_id)
    return card.id


def due_license(user_id: int, tariff_id: int, *, minutes: int = -1) -> int:
    with session_scope() as session:
        lic = License(user_id=user_id, tariff_id=tariff_id, key=f"ISPG-AP{user_id:04d}-{utcnow().timestamp()}",
                      status="active", auto_renew=True, expires_at=utcnow() + timedelta(minutes=minutes))
        session.add(lic)
        session.flush()
        return lic.id


def license_row(license_id: int) -> License:
    with session_scope() as session:
        return session.get(License, license_id)


def autopayments(user_id: int) -> list[Payment]:
    with session_scope() as session:
        return list(session.exec(select(Payment).where(Payment.user_id == user_id,
                                                       Payment.purpose == "autopay")).all())


# --- saving a card ------------------------------------------------------------------------

def test_checkout_with_remember_card_saves_what_yookassa_reports(control, make_customer) -> None:
    user_id = make_customer(email="card@example.ru")
    started = start_topup(user_id=user_id, amount=15_000, save_method=True)
    page = httpx.get(started.confirmation_url)
    assert "Запомнить карту" in page.text
    httpx.post(started.confirmation_url, data={"action": "pay", "save_method": "on"})
    wait_until(lambda: payment_methods.list_methods(user_id=user_id), what="the card to be saved")
    [card] = payment_methods.list_methods(user_id=user_id)
    assert (card.card_type, card.last4, card.expiry, card.is_autopay) == ("MasterCard", "4477", "12/2030", True)
    with session_scope() as session:
        row = session.exec(select(PaymentMethod)).one()
    assert len(row.yookassa_method_id) == 36
    assert balance_of(user_id) == 15_000


def test_card_is_not_saved_when_the_payer_unticks_remember(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=15_000, save_method=True)
    httpx.post(started.confirmation_url, data={"action": "pay"})
    wait_until(lambda: balance_of(user_id) == 15_000, what="the top-up")
    assert payment_methods.list_methods(user_id=user_id) == []


def test_a_plain_top_up_does_not_offer_to_remember_the_card(control, make_customer) -> None:
    user_id = make_customer()
    started = start_topup(user_id=user_id, amount=15_000)
    assert "Запомнить карту" not in httpx.get(started.confirmation_url).text


def test_second_card_is_not_autopay_until_chosen_and_delete_is_owner_only(control, make_customer) -> None:
    user_id, other = make_customer(), make_customer()
    first = save_card(control, user_id, last4="1111")
    started = start_topup(user_id=user_id, amount=100, save_method=True)
    control.pay(payment_row(started.payment_id).yookassa_id, last4="2222")
    settle_payment(payment_id=started.payment_id)
    cards = {c.last4: c for c in payment_methods.list_methods(user_id=user_id)}
    assert cards["1111"].is_autopay and not cards["2222"].is_autopay
    payment_methods.choose_autopay(user_id=user_id, method_id=cards["2222"].id)
    cards = {c.last4: c for c in payment_methods.list_methods(user_id=user_id)}
    assert not cards["1111"].is_autopay and cards["2222"].is_autopay
    with pytest.raises(DomainError):
        payment_methods.delete_method(user_id=other, method_id=first)
    payment_methods.delete_method(user_id=user_id, method_id=first)
    assert [c.last4 for c in payment_methods.list_methods(user_id=user_id)] == ["2222"]


# --- renewal from the card ------------------------------------------------------------------

def test_empty_balance_renews_from_the_card_with_an_email_saying_so(control, make_customer, make_tariff) -> None:
    user_id = make_customer(email="auto@example.ru")
    save_card(control, user_id)  # balance now 1 ₽
    lic = due_license(user_id, make_tariff(price=100_000))
    result = renewals.run_renewal_pass()
    assert (result.renewed, result.suspended, result.card_charges, result.card_declined) == (1, 0, 1, 0)
    assert license_row(lic).expires_at > utcnow() + timedelta(days=29)
    [charge] = autopayments(user_id)
    assert (charge.amount, charge.status) == (99_900, "succeeded")  # only what was missing
    remote = next(p for p in control.payments() if p["id"] == charge.yookassa_id)
    assert "confirmation" not in remote and remote["payment_method"]["saved"] is True
    assert [(e.kind, e.amount) for e in ledger_of(user_id)] == [("topup", 100), ("topup", 99_900), ("renewal", -100_000)]
    assert balance_of(user_id) == 0
    [email] = emails_to("auto@example.ru", "license_renewed")
    assert "MasterCard *4477" in email.body_text
    assert len(emails_to("auto@example.ru", "topup_received")) == 1  # the 1 ₽ that saved the card only


def test_declined_card_suspends_with_the_reason_and_rests_a_day(control, make_customer, make_tariff) -> None:
    user_id = make_customer(email="declined@example.ru")
    save_card(control, user_id)
    with session_scope() as session:
        method_id = session.exec(select(PaymentMethod.yookassa_method_id)).one()
    control.decline_method(method_id, "insufficient_funds")
    tariff = make_tariff(price=100_000)
    first = due_license(user_id, tariff)
    result = renewals.run_renewal_pass()
    assert (result.suspended, result.card_declined) == (1, 1)
    row = license_row(first)
    assert row.status == "suspended" and "Недостаточно средств для оплаты" in row.status_reason
    [email] = emails_to("declined@example.ru", "renewal_failed")
    assert "MasterCard *4477" in email.body_text and "Недостаточно средств для оплаты" in email.body_text
    # A second license falling due the same day: the card is not tried again.
    calls = control.calls().get("create_payment", 0)
    second = due_license(user_id, tariff)
    renewals.run_renewal_pass()
    assert license_row(second).status == "suspended"
    assert control.calls().get("create_payment", 0) == calls
    assert len(autopayments(user_id)) == 1
    [card] = payment_methods.list_methods(user_id=user_id)
    assert card.declined_at is not None


def test_permission_revoked_removes_the_card(control, make_customer, make_tariff) -> None:
    user_id = make_customer(email="revoked@example.ru")
    save_card(control, user_id)
    with session_scope() as session:
        method_id = session.exec(select(PaymentMethod.yookassa_method_id)).one()
    control.decline_method(method_id, "permission_revoked")
    lic = due_license(user_id, make_tariff(price=100_000))
    renewals.run_renewal_pass()
    assert license_row(lic).status == "suspended"
    assert payment_methods.list_methods(user_id=user_id) == []
    [email] = emails_to("revoked@example.ru", "renewal_failed")
    assert "Карта удалена" in email.body_text


def test_a_charge_made_before_a_crash_is_not_made_again(control, make_customer, make_tariff) -> None:
    """A worker charged the card and died before renewing: the next pass reuses that payment."""
    user_id = make_customer()
    card = save_card(control, user_id)
    lic = due_license(user_id, make_tariff(price=100_000))
    term_end = license_row(lic).expires_at
    charge = payment_methods.CardCharge(license_id=lic, term_end=term_end, user_id=user_id,
                                        method_id=card, amount=99_900)
    with session_scope() as session:  # the dead worker's payment row, sent but never settled
        session.add(Payment(user_id=user_id, purpose="autopay", amount=99_900, status="new",
                            idempotence_key=payment_methods.charge_key(lic, term_end),
                            description=payment_methods.AUTOPAY_DESCRIPTION, license_id=lic))
    outcome = payment_methods.charge_for_renewal(charge)
    assert outcome is not None and outcome.paid
    calls = control.calls()["create_payment"]
    result = renewals.run_renewal_pass()
    assert result.renewed == 1 and result.card_charges == 0
    assert control.calls()["create_payment"] == calls
    assert len(autopayments(user_id)) == 1


def test_reminder_says_the_card_will_pay(control, make_customer, make_tariff) -> None:
    user_id = make_customer(email="remind@example.ru")
    save_card(control, user_id)
    due_license(user_id, make_tariff(price=100_000), minutes=60 * 24 * 6)
    assert renewals.send_expiry_reminders().sent == 1
    [email] = emails_to("remind@example.ru", "license_expiring")
    assert "спишем с сохранённой карты MasterCard *4477" in email.body_text.replace("\n", " ")


@pytest.mark.parametrize("reason", sorted(CANCEL_REASONS))
def test_emulator_declines_a_saved_card_with_every_reason(control, make_customer, reason: str) -> None:
    from ispgo_portal.payments import gateway

    user_id = make_customer()
    save_card(control, user_id)
    with session_scope() as session:
        method_id = session.exec(select(PaymentMethod.yookassa_method_id)).one()
    control.decline_method(method_id, reason)
    answer = gateway.charge_saved_method(
        payment_id=1, user_id=user_id, purpose="autopay", idempotence_key=f"t-{reason}"[:64], amount=500,
        description="Автоплатёж", customer_email="x@example.ru", receipt_item="Пополнение баланса",
        payment_method_id=method_id)
    assert (answer.status, answer.cancellation_reason) == ("canceled", reason)
    assert answer.cancellation_party == CANCEL_REASONS[reason]
    assert gateway.describe_cancellation(reason) != "Платёж отменён"
