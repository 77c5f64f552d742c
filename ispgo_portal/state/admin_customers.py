"""Admin «Клиенты»: the searchable list and a customer's card with every support action.

Every public handler re-checks the admin role first. The customer being edited is kept in a
backend-only var set from the URL on load, so the browser cannot point an action elsewhere.
"""

from __future__ import annotations

import uuid

import reflex as rx

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.models import (
    LEDGER_KINDS,
    LICENSE_STATUSES,
    PAYMENT_PURPOSES,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)
from ispgo_portal.money import format_rub
from ispgo_portal.services.accounts import admin as ac
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import clear_field_errors, form_value, rubles_input, step_page
from ispgo_portal.state.handler import admin_handler, error_toast, ok_toast
from ispgo_portal.state.session import SessionState

# The card's forms: a field's error goes under it (the direction radio belongs to the amount).
CARD_FIELDS = {"credit_limit": "err_credit_limit", "discount": "err_discount", "amount": "err_amount",
               "direction": "err_amount", "reason": "err_reason", "email": "err_email",
               "password": "err_password", "password_confirm": "err_password"}

PAYMENT_STATUSES = {
    "new": "Создан",
    "pending": "Ожидает оплаты",
    "waiting_for_capture": "Ожидает подтверждения",
    "succeeded": "Оплачен",
    "canceled": "Отменён",
    "failed": "Ошибка",
}


class AdminCustomersState(SessionState):
    query: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict] = []
    loaded: bool = False

    def _search(self, admin_id: int) -> None:
        self.loaded = False
        result = ac.search_customers(admin_id=admin_id, query=self.query, page=self.page)
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [
            {
                "id": str(r.id), "href": f"/admin/customers/{r.id}", "email": r.email, "name": r.name,
                "is_admin": r.role == "admin", "blocked": r.is_blocked,
                "balance": format_rub(r.balance), "balance_negative": r.balance < 0,
                "credit_limit": format_rub(r.credit_limit), "discount": f"{r.discount_percent}%",
                "active_licenses": str(r.active_licenses), "created": format_date(r.created_at),
            }
            for r in result.rows
        ]
        self.loaded = True

    @admin_handler(page=True)
    def load_customers(self, caller: Caller):
        self._search(caller.user_id)

    @admin_handler
    def search_customers(self, caller: Caller, form: dict):
        self.query = form_value(form, "query").strip()[:200]
        self.page = 1
        self._search(caller.user_id)

    @admin_handler
    def clear_search(self, caller: Caller):
        self.query = ""
        self.page = 1
        self._search(caller.user_id)

    @admin_handler
    def change_page(self, caller: Caller, delta: int):
        self.page = step_page(self.page, delta)
        self._search(caller.user_id)


class AdminCustomerCardState(SessionState):
    _customer_id: int = 0
    _is_blocked: bool = False
    _is_admin: bool = False
    _adj_amount: int = 0
    _adj_reason: str = ""
    _adj_key: str = ""

    card_loaded: bool = False
    card_missing: bool = False
    card_id: str = ""
    email: str = ""
    name: str = ""
    is_admin: bool = False
    is_self: bool = False
    blocked: bool = False
    created: str = ""
    updated: str = ""
    balance: str = ""
    balance_negative: bool = False
    credit_limit: str = ""
    credit_used: str = ""
    available: str = ""
    discount: str = ""
    active_licenses: str = ""
    credit_limit_input: str = ""
    discount_input: str = ""
    licenses: list[dict] = []
    transactions: list[dict] = []
    payments: list[dict] = []
    tickets: list[dict] = []

    err_credit_limit: str = ""
    err_discount: str = ""
    err_amount: str = ""
    err_reason: str = ""
    err_email: str = ""
    err_password: str = ""

    adj_open: bool = False
    adj_preview: str = ""
    adj_reason_preview: str = ""
    adj_is_debit: bool = False
    block_open: bool = False
    # Bumped after every successful form so the page re-renders the forms empty.
    form_version: int = 0

    # --- helpers ---

    def _customer_from_url(self) -> int:
        tail = str(self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() and len(tail) < 12 else 0

    def _reload(self, admin_id: int) -> None:
        card = ac.customer_card(admin_id=admin_id, customer_id=self._customer_id)
        p = card.profile
        self._is_blocked, self._is_admin = p.is_blocked, p.role == "admin"
        self.card_id = str(p.id)
        self.email, self.name = p.email, p.name
        self.is_admin, self.blocked, self.is_self = self._is_admin, p.is_blocked, p.id == admin_id
        self.created, self.updated = format_date(p.created_at), format_datetime(card.updated_at)
        self.balance, self.balance_negative = format_rub(p.balance), p.balance < 0
        self.credit_limit = format_rub(p.credit_limit)
        self.credit_used, self.available = format_rub(card.credit_used), format_rub(card.available)
        self.discount = f"{p.discount_percent}%"
        self.active_licenses = str(p.active_licenses)
        self.credit_limit_input, self.discount_input = rubles_input(p.credit_limit), str(p.discount_percent)
        self.licenses = [
            {"key": lic.key, "tariff": card.tariff_names.get(lic.tariff_id, "—"), "status": lic.status,
             "status_label": LICENSE_STATUSES.get(lic.status, lic.status), "reason": lic.status_reason,
             "expires": format_date(lic.expires_at), "auto_renew": "вкл." if lic.auto_renew else "выкл."}
            for lic in card.licenses
        ]
        self.transactions = [
            {"date": format_datetime(t.created_at), "kind": LEDGER_KINDS.get(t.kind, t.kind),
             "amount": ("+" if t.amount > 0 else "") + format_rub(t.amount), "negative": t.amount < 0,
             "balance_after": format_rub(t.balance_after), "description": t.description}
            for t in card.transactions
        ]
        self.payments = [
            {"date": format_datetime(pay.created_at), "purpose": PAYMENT_PURPOSES.get(pay.purpose, pay.purpose),
             "amount": format_rub(pay.amount), "status": PAYMENT_STATUSES.get(pay.status, pay.status),
             "refunded": format_rub(pay.refunded_amount) if pay.refunded_amount else "—",
             "yookassa_id": pay.yookassa_id or "—"}
            for pay in card.payments
        ]
        self.tickets = [
            {"id": str(t.id), "href": f"/admin/tickets/{t.id}", "subject": t.subject,
             "status": TICKET_STATUSES.get(t.status, t.status).split(" — ")[0],
             "category": TICKET_CATEGORIES.get(t.category, t.category),
             "priority": TICKET_PRIORITIES.get(t.priority, t.priority),
             "updated": format_date(t.last_activity_at)}
            for t in card.tickets
        ]
        self.card_loaded, self.card_missing = True, False

    def _done(self, admin_id: int, message: str) -> rx.event.EventSpec:
        clear_field_errors(self, CARD_FIELDS)
        self.form_version += 1
        self._reload(admin_id)
        return ok_toast(message)

    # --- events ---

    def _card_failed(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        if isinstance(exc, AccessDenied) and caller is None:
            return None  # the page guard already redirected and said why
        self.card_missing = exc.code == "not_found"
        return error_toast(exc)

    @admin_handler(page=True, on_error=_card_failed, fields=CARD_FIELDS)
    def load_card(self, caller: Caller):
        self._customer_id = self._customer_from_url()
        self.card_loaded = self.card_missing = False
        self.adj_open = self.block_open = False
        self._reload(caller.user_id)

    @admin_handler(fields=CARD_FIELDS)
    def save_credit_limit(self, caller: Caller, form: dict):
        limit = ac.parse_credit_limit(form_value(form, "credit_limit"))
        ac.set_credit_limit(admin_id=caller.user_id, customer_id=self._customer_id, credit_limit=limit,
                            reason=form_value(form, "reason"))
        return self._done(caller.user_id, f"Кредитный лимит: {format_rub(limit)}")

    @admin_handler(fields=CARD_FIELDS)
    def save_discount(self, caller: Caller, form: dict):
        percent = ac.parse_percent(form_value(form, "discount"))
        ac.set_discount(admin_id=caller.user_id, customer_id=self._customer_id, percent=percent,
                        reason=form_value(form, "reason"))
        return self._done(caller.user_id, f"Индивидуальная скидка: {percent}%")

    @admin_handler(fields=CARD_FIELDS)
    def prepare_adjustment(self, caller: Caller, form: dict):
        """Check the form and ask for confirmation; nothing is booked yet."""
        amount = ac.parse_adjustment(form_value(form, "amount"), form_value(form, "direction"))
        reason = ac.clean_reason(form_value(form, "reason"), required=True)
        self._adj_amount, self._adj_reason = amount, reason
        self._adj_key = uuid.uuid4().hex  # one booking per confirmed form, however many clicks
        self.adj_is_debit = amount < 0
        self.adj_preview = ("Списать " if amount < 0 else "Начислить ") + format_rub(abs(amount))
        self.adj_reason_preview = reason
        self.adj_open = True

    @admin_handler(fields=CARD_FIELDS)
    def confirm_adjustment(self, caller: Caller):
        self.adj_open = False
        if not self._adj_key or not self._adj_amount:
            return None
        ac.adjust_balance(admin_id=caller.user_id, customer_id=self._customer_id, amount=self._adj_amount,
                          reason=self._adj_reason, request_key=self._adj_key)
        self._adj_key, self._adj_amount, self._adj_reason = "", 0, ""
        return self._done(caller.user_id, "Баланс скорректирован")

    @admin_handler
    def cancel_adjustment(self, caller: Caller):
        self.adj_open = False
        self._adj_key, self._adj_amount, self._adj_reason = "", 0, ""

    @admin_handler(fields=CARD_FIELDS)
    def save_email(self, caller: Caller, form: dict):
        email = ac.change_email(admin_id=caller.user_id, customer_id=self._customer_id,
                                new_email=form_value(form, "email"), reason=form_value(form, "reason"))
        return self._done(caller.user_id, f"Email изменён на {email}; клиенту отправлены письма")

    @admin_handler(fields=CARD_FIELDS)
    def save_password(self, caller: Caller, form: dict):
        ac.set_password(admin_id=caller.user_id, customer_id=self._customer_id,
                        password=form_value(form, "password"),
                        password_confirm=form_value(form, "password_confirm"),
                        reason=form_value(form, "reason"))
        return self._done(caller.user_id, "Пароль изменён, сеансы клиента завершены, письмо отправлено")

    @admin_handler
    def open_block_dialog(self, caller: Caller):
        self.block_open = True

    @admin_handler
    def close_block_dialog(self, caller: Caller):
        self.block_open = False

    @admin_handler(fields=CARD_FIELDS)
    def confirm_block(self, caller: Caller, form: dict):
        self.block_open = False
        blocked = not self._is_blocked
        ac.set_blocked(admin_id=caller.user_id, customer_id=self._customer_id, blocked=blocked,
                       reason=form_value(form, "reason"))
        return self._done(caller.user_id, "Аккаунт заблокирован, сеансы завершены" if blocked
                          else "Аккаунт разблокирован")

    @admin_handler(fields=CARD_FIELDS)
    def toggle_admin_role(self, caller: Caller):
        role = "customer" if self._is_admin else "admin"
        ac.set_role(admin_id=caller.user_id, customer_id=self._customer_id, role=role)
        return self._done(caller.user_id, "Права администратора выданы" if role == "admin"
                          else "Права администратора сняты")
