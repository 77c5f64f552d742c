"""The admin dialogs show a form error under the field the service names, one var per input
(the handler's `fields=` mapping), never as a toast; the next call starts with them empty."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import reflex as rx

from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment
from ispgo_portal.services.billing import invoices, payers
from ispgo_portal.services.licensing import licenses
from tests.services.payer_factories import Doc, company_form, statement
from tests.state.harness import make_state, run


@pytest.fixture
def admin_token(make_admin, session_token) -> str:
    return session_token(make_admin(email="boss@example.ru"))


def _errors(state: Any, fields: dict[str, str]) -> dict[str, str]:
    """The field errors on show, by field."""
    return {field: getattr(state, var) for field, var in fields.items() if getattr(state, var)}


def test_promo_dialog(admin_token: str) -> None:
    from ispgo_portal.state.admin_promo import PROMO_FIELDS, AdminPromoState

    state = make_state(AdminPromoState, admin_token)
    run(state, "open_new_promo")
    assert run(state, "save_promo", {"code": "", "percent": "10"}) == [None]
    assert _errors(state, PROMO_FIELDS) == {"code": "Укажите код"}
    assert run(state, "save_promo", {"code": "SPRING25", "percent": "abc"}) == [None]
    assert _errors(state, PROMO_FIELDS) == {"percent": "Скидка, %: введите целое число"}
    assert run(state, "save_promo", {"code": "SPRING25", "percent": "10", "tariff_999": "on"}) == [None]
    assert _errors(state, PROMO_FIELDS) == {"tariff_ids": "Выберите тарифы из списка"}
    assert state.editor_open is True
    run(state, "open_new_promo")
    assert _errors(state, PROMO_FIELDS) == {}


def test_tariff_dialog(admin_token: str) -> None:
    from ispgo_portal.state.admin_tariffs import TARIFF_FIELDS, AdminTariffsState

    state = make_state(AdminTariffsState, admin_token)
    run(state, "open_new_tariff")
    form = {"name": "Старт", "price": "490", "period_days": "0", "max_servers": "1", "max_sites": "0"}
    assert run(state, "save_tariff", form) == [None]
    assert _errors(state, TARIFF_FIELDS) == {"period_days": "Период (дней): допустимо от 1 до 3650"}
    assert run(state, "save_tariff", {**form, "name": "", "period_days": "30"}) == [None]
    assert _errors(state, TARIFF_FIELDS) == {"name": "Укажите название"}
    assert state.editor_open is True


def test_license_card_forms(admin_token: str, make_customer, make_tariff) -> None:
    from ispgo_portal.state.admin_licenses import EXTEND_FIELDS, STATUS_FIELDS, AdminLicensesState

    license_id = licenses.buy_from_balance(user_id=make_customer(balance=500_000), tariff_id=make_tariff())
    state = make_state(AdminLicensesState, admin_token)
    run(state, "open_license", license_id)
    short = "Укажите причину (не короче 3 символов)"
    assert run(state, "ask_suspend", {"reason": "x"}) == [None]
    assert (_errors(state, STATUS_FIELDS), state.confirm_open) == ({"reason": short}, False)
    assert run(state, "extend", {"days": "abc", "reason": "компенсация"}) == [None]
    assert _errors(state, EXTEND_FIELDS) == {"days": "Количество дней: введите целое число"}
    assert run(state, "extend", {"days": "5", "reason": ""}) == [None]
    assert _errors(state, EXTEND_FIELDS) == {"reason": short}  # under the extend form's own reason
    assert state.err_extend_reason == short
    run(state, "open_license", license_id)
    assert _errors(state, STATUS_FIELDS) == _errors(state, EXTEND_FIELDS) == {}


def test_refund_dialog(admin_token: str, make_customer) -> None:
    from ispgo_portal.state.admin_payments import REFUND_FIELDS, AdminPaymentsState

    with session_scope() as session:
        payment = Payment(user_id=make_customer(), amount=10_000, idempotence_key="refund-form-errors",
                          status="succeeded", yookassa_id="2f000000-000f-5000-8000-000000000002")
        session.add(payment)
        session.flush()
        payment_id = payment.id
    state = make_state(AdminPaymentsState, admin_token)
    run(state, "open_refund", payment_id)
    assert run(state, "ask_refund", {"amount": "abc", "reason": "двойная оплата"}) == [None]
    assert set(_errors(state, REFUND_FIELDS)) == {"amount"}
    assert run(state, "ask_refund", {"amount": "1", "reason": ""}) == [None]
    assert _errors(state, REFUND_FIELDS) == {"reason": "Укажите причину возврата (не короче 3 символов)"}
    assert run(state, "ask_refund", {"amount": "500", "reason": "двойная оплата"}) == [None]
    assert _errors(state, REFUND_FIELDS)["amount"].startswith("Нельзя вернуть")
    assert state.confirm_open is False


def test_bank_payment_dialogs(admin_token: str, make_customer) -> None:
    from ispgo_portal.state.admin_bank import ASSIGN_FIELDS, MARK_FIELDS, AdminBankState

    customer = make_customer()
    payer_id = payers.create_payer(user_id=customer, form=company_form())
    invoice_id = invoices.issue_invoice(user_id=customer, form={"payer_id": str(payer_id), "amount": "5000"})
    state = make_state(AdminBankState, admin_token)
    run(state, "load_bank")
    content = statement([Doc("555", "1234.00", "За хостинг")])
    run(state, "upload_statement", [rx.UploadFile(file=BytesIO(content), path=Path("kl.txt"), size=len(content))])
    run(state, "open_assign", state.waiting_rows[0].id)
    short = "Причина: не короче 3 символов"
    assert run(state, "assign_payment", {"invoice_number": "2026-000001", "reason": "x"}) == [None]
    assert _errors(state, ASSIGN_FIELDS) == {"reason": short}
    assert run(state, "assign_payment", {"reason": "оплата за студию"}) == [None]
    assert _errors(state, ASSIGN_FIELDS) == {"invoice_number": "Укажите номер счёта или email клиента (что-то одно)"}
    assert run(state, "assign_payment", {"email": "nobody@example.ru", "reason": "оплата за студию"}) == [None]
    assert _errors(state, ASSIGN_FIELDS) == {"email": "Клиент с таким email не найден"}
    assert (state.assign_open, state.assign_error) == (True, "")
    run(state, "open_mark", invoice_id)
    assert run(state, "mark_paid", {"reason": "x"}) == [None]
    assert _errors(state, MARK_FIELDS) == {"reason": short}
    # An error of no field is said in the dialog, not as a toast.
    invoices.cancel_invoice(user_id=customer, invoice_id=invoice_id)
    assert run(state, "mark_paid", {"reason": "оплата по звонку"}) == [None]
    assert (_errors(state, MARK_FIELDS), state.mark_error) == ({}, "Счёт уже оплачен или аннулирован")
    assert state.mark_open is True
