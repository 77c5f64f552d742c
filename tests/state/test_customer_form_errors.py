"""The customer's and the visitor's forms show a form error under the field the service names,
one var per input (the handler's `fields=` mapping), never as a toast; an error that names no
field is said in the form too, as it was before; the next call starts with them empty."""

from __future__ import annotations

from typing import Any

import pytest

from ispgo_portal.services.billing import payers
from tests.services.payer_factories import company_form
from tests.state.harness import make_state, run
from tests.totp import enrol_totp


@pytest.fixture
def customer(make_customer) -> int:
    return make_customer(email="studio@example.ru")


@pytest.fixture
def token(customer: int, session_token) -> str:
    return session_token(customer)


def _errors(state: Any, fields: dict[str, str]) -> dict[str, str]:
    """The field errors on show, by field."""
    return {field: getattr(state, var) for field, var in fields.items() if getattr(state, var)}


def _quiet(events: list[Any]) -> bool:
    """Nothing but state updates came back: no toast, no redirect."""
    return all(event is None for event in events)


def test_payer_form(token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from ispgo_portal.state.payers import PAYER_FIELDS, PayersState

    state = make_state(PayersState, token)
    run(state, "open_payer_form")
    assert _quiet(run(state, "create_payer", company_form(inn="7707083894")))
    assert _errors(state, PAYER_FIELDS) == {"inn": "ИНН не прошёл проверку контрольных цифр — проверьте его"}
    assert _quiet(run(state, "create_payer", company_form(bik="123")))
    assert _errors(state, PAYER_FIELDS) == {"bik": "БИК — 9 цифр и начинается с 04"}
    assert (state.payer_busy, state.err_form) == (False, "")
    run(state, "pick_payer_kind", "person")
    assert _errors(state, PAYER_FIELDS) == {}
    assert _quiet(run(state, "create_payer", {"name": "", "email": "not-an-email"}))
    assert _errors(state, PAYER_FIELDS) == {"name": "Укажите фио"}
    # An error of no field is said at the form's foot, still not as a toast.
    monkeypatch.setattr(payers, "MAX_PROFILES", 0)
    assert _quiet(run(state, "create_payer", {"name": "Иван Петров"}))
    assert (_errors(state, PAYER_FIELDS), state.err_form) == ({}, "Не больше 0 плательщиков на кабинет")
    assert state.payer_form_open is True
    run(state, "open_payer_form")
    assert (_errors(state, PAYER_FIELDS), state.err_form) == ({}, "")


def test_invoice_form(customer: int, token: str, make_tariff) -> None:
    from ispgo_portal.state.documents import INVOICE_FIELDS, InvoiceFormState

    payer_id = str(payers.create_payer(user_id=customer, form=company_form()))
    state = make_state(InvoiceFormState, token)
    run(state, "load_invoice_form")
    assert _quiet(run(state, "issue_invoice", {"payer_id": "", "amount": "5000"}))
    assert _errors(state, INVOICE_FIELDS) == {
        "payer_id": "Выберите организацию или ИП — счёт выставляется на компанию"}
    assert _quiet(run(state, "issue_invoice", {"payer_id": payer_id, "amount": "abc"}))
    assert set(_errors(state, INVOICE_FIELDS)) == {"amount"}
    assert state.inv_busy is False
    run(state, "pick_invoice_mode", "tariff")
    assert _errors(state, INVOICE_FIELDS) == {}
    assert _quiet(run(state, "issue_invoice", {"payer_id": payer_id, "tariff_id": ""}))
    assert _errors(state, INVOICE_FIELDS) == {"tariff_id": "Выберите тариф"}
    assert _quiet(run(state, "issue_invoice", {"payer_id": payer_id, "tariff_id": "999"}))
    assert _errors(state, INVOICE_FIELDS) == {"tariff_id": "Тариф не найден или больше не продаётся"}
    # A tariff free for this customer names no field: said at the form's foot, not as a toast.
    free = str(make_tariff(price=0))
    assert _quiet(run(state, "issue_invoice", {"payer_id": payer_id, "tariff_id": free}))
    assert (_errors(state, INVOICE_FIELDS), state.err_form) == (
        {}, "Этот тариф для вас бесплатен — купите его в разделе «Тарифы»")
    assert state.inv_busy is False


def test_reconciliation_form(customer: int, token: str) -> None:
    from ispgo_portal.state.documents import RECONCILIATION_FIELDS, DocumentsState

    payer_id = str(payers.create_payer(user_id=customer, form=company_form()))
    state = make_state(DocumentsState, token)
    run(state, "load_documents")
    form = {"payer_id": payer_id, "from": "2026-01-01", "to": "2026-01-31"}
    assert _quiet(run(state, "prepare_reconciliation", {**form, "from": "32.13.2026"}))
    assert _errors(state, RECONCILIATION_FIELDS) == {"date_from": "Начало периода: дата в формате ДД.ММ.ГГГГ"}
    assert _quiet(run(state, "prepare_reconciliation", {**form, "to": ""}))
    assert _errors(state, RECONCILIATION_FIELDS) == {"date_to": "Укажите конец периода"}
    assert _quiet(run(state, "prepare_reconciliation", {**form, "from": "2026-02-01"}))
    assert _errors(state, RECONCILIATION_FIELDS) == {"date_from": "Начало периода позже конца"}
    assert _quiet(run(state, "prepare_reconciliation", {**form, "payer_id": "999"}))
    assert (_errors(state, RECONCILIATION_FIELDS), state.err_form) == ({}, "Плательщик не найден")
    assert _quiet(run(state, "prepare_reconciliation", form))
    assert (_errors(state, RECONCILIATION_FIELDS), state.err_form) == ({}, "")
    assert state.rec_url.startswith("/api/documents/reconciliation?")


def test_two_factor_enrolment(token: str) -> None:
    from ispgo_portal.state.security import ENROL_FIELDS, SecurityState

    state = make_state(SecurityState, token)
    run(state, "load_security")
    # No enrolment begun: said under the code field, where the customer is looking.
    assert _quiet(run(state, "confirm_enrolment", {"code": "123456"}))
    assert _errors(state, ENROL_FIELDS) == {"code": "Сначала нажмите «Включить» и отсканируйте QR-код"}
    run(state, "start_enrolment")
    assert _errors(state, ENROL_FIELDS) == {}
    assert _quiet(run(state, "confirm_enrolment", {"code": "12"}))
    assert _errors(state, ENROL_FIELDS) == {"code": "Введите 6 цифр из приложения"}
    assert (state.busy, state.enrol_open) == (False, True)


def test_two_factor_disable(customer: int, token: str) -> None:
    from ispgo_portal.state.security import DISABLE_FIELDS, SecurityState

    enrol_totp(customer)
    state = make_state(SecurityState, token)
    run(state, "load_security")
    assert _quiet(run(state, "disable", {"code": "abc"}))
    assert _errors(state, DISABLE_FIELDS) == {"code": "Код не подошёл"}
    assert (state.err_disable_code, state.err_code) == ("Код не подошёл", "")  # not under enrolment's field
    assert state.tf_enabled is True


def test_password_reset_request() -> None:
    from ispgo_portal.state.password_reset import REQUEST_FIELDS, PasswordResetState

    state = make_state(PasswordResetState)
    run(state, "start_request")
    assert _quiet(run(state, "request_reset", {"email": "not-an-email"}))
    assert _errors(state, REQUEST_FIELDS) == {"email": "Введите корректный email, например ivan@example.ru"}
    assert state.reset_requested is False
    assert _quiet(run(state, "request_reset", {"email": "nobody@example.ru"}))
    assert (_errors(state, REQUEST_FIELDS), state.reset_requested) == ({}, True)


def test_password_reset_confirm() -> None:
    from ispgo_portal.state.password_reset import RESET_FIELDS, PasswordResetState

    state = make_state(PasswordResetState)
    state.reset_link_ok = True
    assert _quiet(run(state, "confirm_reset", {"token": "1", "password": "short", "password_confirm": "short"}))
    assert set(_errors(state, RESET_FIELDS)) == {"password"}
    assert _quiet(run(state, "confirm_reset", {"token": "1", "password": "long-enough-1",
                                               "password_confirm": "long-enough-2"}))
    assert _errors(state, RESET_FIELDS) == {"password_confirm": "Пароли не совпадают"}
    assert (state.reset_link_ok, state.reset_error) == (True, "")
    # A dead link names no field: the page says so instead of the form, not as a toast.
    assert _quiet(run(state, "confirm_reset", {"token": "1", "password": "long-enough-1",
                                               "password_confirm": "long-enough-1"}))
    assert _errors(state, RESET_FIELDS) == {}
    assert state.reset_link_ok is False and "недействительна" in state.reset_error
