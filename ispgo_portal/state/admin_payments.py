"""Admin «Платежи»: the filtered list and the refund dialog (checked, then confirmed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.models import PAYMENT_PURPOSES
from ispgo_portal.money import format_rub
from ispgo_portal.services.billing import admin as admin_payments
from ispgo_portal.services.billing import refunds
from ispgo_portal.services.forms import rubles_field
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import (
    as_id,
    clear_field_errors,
    form_text,
    rubles_input,
    step_page,
)
from ispgo_portal.state.handler import admin_handler, ok_toast
from ispgo_portal.state.session import SessionState

STATUS_COLORS = {"succeeded": "green", "pending": "blue", "waiting_for_capture": "blue", "new": "gray",
                 "canceled": "gray", "failed": "red"}
REFUND_COLORS = {"succeeded": "green", "pending": "blue", "new": "orange", "canceled": "red"}
STATUS_OPTIONS = [[k, v] for k, v in admin_payments.PAYMENT_STATUSES.items()] + [
    [admin_payments.REFUNDED, "С возвратами"], [admin_payments.ATTENTION, "Требуют проверки"]]
PURPOSE_OPTIONS = [[k, v] for k, v in PAYMENT_PURPOSES.items()]
# A refund form error's field -> the var that shows it under that field.
REFUND_FIELDS = {"amount": "err_amount", "reason": "err_reason"}


@dataclass
class PaymentView:
    id: int = 0
    created: str = ""
    user_id: int = 0
    customer_email: str = ""
    customer_name: str = ""
    purpose: str = ""
    description: str = ""
    amount: str = ""
    status: str = ""
    status_color: str = "gray"
    cancellation_reason: str = ""
    yookassa_id: str = ""
    refunded: str = ""
    in_flight: str = ""
    refundable: str = ""
    refundable_input: str = ""
    can_refund: bool = False
    attention: int = 0  # refunds a person must check
    review_reason: str = ""  # why the payment was not credited: a person decides


@dataclass
class RefundView:
    id: int = 0
    created: str = ""
    amount: str = ""
    status: str = ""
    status_color: str = "gray"
    reason: str = ""
    admin_email: str = ""
    yookassa_id: str = ""
    unconfirmed: bool = False
    attention: str = ""  # why a person must check it in YooKassa's dashboard
    cancellation: str = ""  # why YooKassa canceled it


def _view(row: admin_payments.PaymentRow) -> PaymentView:
    return PaymentView(
        id=row.id, created=format_datetime(row.created_at), user_id=row.user_id,
        customer_email=row.customer_email, customer_name=row.customer_name, purpose=row.purpose,
        description=row.description, amount=format_rub(row.amount), status=row.status_label,
        status_color=STATUS_COLORS.get(row.status, "gray"), cancellation_reason=row.cancellation_reason,
        yookassa_id=row.yookassa_id or "—", refunded=format_rub(row.refunded_amount) if row.refunded_amount else "",
        in_flight=format_rub(row.refunds_in_flight) if row.refunds_in_flight else "",
        refundable=format_rub(row.refundable), refundable_input=rubles_input(row.refundable),
        can_refund=row.refundable > 0, attention=row.attention, review_reason=row.review_reason,
    )


def _refund_view(row: admin_payments.RefundRow) -> RefundView:
    return RefundView(id=row.id, created=format_datetime(row.created_at), amount=format_rub(row.amount),
                      status=row.status_label, status_color=REFUND_COLORS.get(row.status, "gray"),
                      reason=row.reason, admin_email=row.admin_email, yookassa_id=row.yookassa_id or "—",
                      unconfirmed=row.status == "new", attention=row.attention, cancellation=row.cancellation)


class AdminPaymentsState(SessionState):
    payments: list[PaymentView] = []
    total: int = 0
    payments_loaded: bool = False
    query: str = ""
    status: str = "all"
    purpose: str = "all"
    page: int = 1
    pages: int = 1

    refund_open: bool = False
    selected: PaymentView = PaymentView()
    customer_balance: str = ""
    refund_history: list[RefundView] = []
    err_amount: str = ""
    err_reason: str = ""

    confirm_open: bool = False
    confirm_text: str = ""
    # The refund the confirmation button will send; backend-only so the browser cannot alter it.
    _pending: dict[str, Any] = {}

    # --- helpers ---
    def _reload(self) -> None:
        result = admin_payments.list_payments(
            query=self.query, page=self.page,
            status="" if self.status == "all" else self.status,
            purpose="" if self.purpose == "all" else self.purpose)
        self.payments = [_view(row) for row in result.rows]
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.payments_loaded = True

    def _load_selected(self, payment_id: int) -> None:
        row, balance = admin_payments.get_payment(payment_id=payment_id)
        self.selected = _view(row)
        self.customer_balance = format_rub(balance)
        self.refund_history = [_refund_view(r) for r in admin_payments.list_refunds(payment_id=row.id)]

    # --- list ---
    @admin_handler(page=True)
    def load_payments(self, caller: Caller):
        self.payments_loaded = False
        self._reload()

    @admin_handler
    def filter_payments(self, caller: Caller, form: dict):
        self.query = form_text(form, "query").strip()[:100]
        status, purpose = form_text(form, "status"), form_text(form, "purpose")
        self.status = status if status in dict(STATUS_OPTIONS) else "all"
        self.purpose = purpose if purpose in PAYMENT_PURPOSES else "all"
        self.page = 1
        self._reload()

    @admin_handler
    def change_page(self, caller: Caller, delta: int):
        self.page = step_page(self.page, delta)
        self._reload()

    # --- refund dialog ---
    @admin_handler
    def open_refund(self, caller: Caller, payment_id: int):
        self._load_selected(as_id(payment_id))
        clear_field_errors(self, REFUND_FIELDS)
        self.refund_open = True

    @admin_handler
    def set_refund_open(self, caller: Caller, is_open: bool):
        self.refund_open = bool(is_open) and self.refund_open

    @admin_handler(fields=REFUND_FIELDS)
    def ask_refund(self, caller: Caller, form: dict):
        """Check the amount and reason, then ask for confirmation."""
        self._load_selected(self.selected.id)
        amount = rubles_field(form if isinstance(form, dict) else {}, "amount", label="Сумма возврата",
                              max_kopecks=10**12, min_kopecks=1)
        reason = refunds.check_refund(payment_id=self.selected.id, amount=amount, reason=form_text(form, "reason"))
        self._pending = {"payment_id": self.selected.id, "amount": amount, "reason": reason}
        self.confirm_text = (
            f"Вернуть {format_rub(amount)} по платежу №{self.selected.id} ({self.selected.customer_email})? "
            f"ЮKassa вернёт деньги клиенту, а с его баланса будет списано {format_rub(amount)} "
            f"(сейчас на балансе {self.customer_balance}). Отменить возврат после подтверждения нельзя.")
        self.confirm_open = True

    @admin_handler
    def set_confirm_open(self, caller: Caller, is_open: bool):
        self.confirm_open = bool(is_open) and self.confirm_open
        if not self.confirm_open:
            self._pending = {}

    @admin_handler
    def confirm_refund(self, caller: Caller):
        pending, self._pending = self._pending, {}
        self.confirm_open = False
        if not pending:
            return None
        try:
            result = refunds.request_refund(admin_id=caller.user_id, **pending)
        finally:
            self._load_selected(pending["payment_id"])
            self._reload()
        if result.status == "succeeded":
            message = f"Возврат выполнен: {format_rub(result.amount)} списано с баланса клиента"
        elif result.status == "canceled":
            why = self.refund_history[-1].cancellation if self.refund_history else ""
            return rx.toast.error(f"ЮKassa отменила возврат{': ' + why if why else ''}. Деньги не списаны.",
                                  close_button=True)
        else:
            message = "ЮKassa приняла возврат; баланс изменится, когда он завершится"
        return [ok_toast(message), rx.call_script("document.getElementById('refund-form')?.reset()")]

    @admin_handler
    def retry_refund(self, caller: Caller, refund_id: int):
        try:
            result = refunds.retry_refund(admin_id=caller.user_id, refund_id=as_id(refund_id))
        finally:
            if self.selected.id:
                self._load_selected(self.selected.id)
            self._reload()
        return ok_toast("Возврат подтверждён ЮKassa" if result.status == "succeeded"
                        else "ЮKassa приняла возврат, он в обработке")
