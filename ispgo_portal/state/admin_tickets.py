"""Support's ticket pages: the queue with filters and a ticket with its customer's context.
Every handler is an `admin_handler`; services/support/queue.py checks the role again."""

from __future__ import annotations

import dataclasses

import reflex as rx

from ispgo_portal.clock import format_date
from ispgo_portal.models import TICKET_CATEGORIES, TICKET_PRIORITIES
from ispgo_portal.money import format_rub
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.support import queue as ticket_queue
from ispgo_portal.services.support.queue import QUEUE_STATUS_FILTERS, QueueFilters
from ispgo_portal.state.forms import form_text
from ispgo_portal.state.handler import admin_handler, error_toast, ok_toast
from ispgo_portal.state.session import SessionState
from ispgo_portal.state.ticket_thread import REPLY_FIELDS, TicketThreadState
from ispgo_portal.state.tickets import TicketRow, incoming_files, ticket_row

ADMIN_REPLY_UPLOAD = "admin-reply-files"


@dataclasses.dataclass
class LicenseLine:
    key: str = ""
    tariff: str = ""
    status_label: str = ""
    expires: str = ""


def _choice(value: str, allowed) -> str:
    return value if value in allowed else ""


class AdminTicketsState(SessionState):
    """/admin/tickets: the queue, the longest-waiting first."""

    rows: list[TicketRow] = []
    status: str = "active"
    category: str = "any"
    priority: str = "any"
    customer: str = ""
    search: str = ""
    loaded: bool = False

    def _reload(self, admin_id: int) -> None:
        filters = QueueFilters(
            status=self.status,
            category=_choice(self.category, TICKET_CATEGORIES),
            priority=_choice(self.priority, TICKET_PRIORITIES),
            customer=self.customer,
            search=self.search,
        )
        rows = ticket_queue.list_queue(admin_id=admin_id, filters=filters)
        self.rows = [ticket_row(s, href_prefix="/admin/tickets") for s in rows]
        self.loaded = True

    def _not_loaded(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec:
        self.rows = []
        self.loaded = False
        return error_toast(exc)

    @admin_handler(page=True, on_error=_not_loaded)
    def load_queue(self, caller: Caller):
        self._reload(caller.user_id)

    @admin_handler(on_error=_not_loaded)
    def apply_filters(self, caller: Caller, form: dict):
        status = form_text(form, "status")
        self.status = status if status in QUEUE_STATUS_FILTERS else "active"
        self.category = _choice(form_text(form, "category"), TICKET_CATEGORIES) or "any"
        self.priority = _choice(form_text(form, "priority"), TICKET_PRIORITIES) or "any"
        self.customer = form_text(form, "customer").strip()[:254]
        self.search = form_text(form, "search").strip()[:200]
        self._reload(caller.user_id)

    @admin_handler(on_error=_not_loaded)
    def reset_filters(self, caller: Caller):
        self.status, self.category, self.priority = "active", "any", "any"
        self.customer = self.search = ""
        self._reload(caller.user_id)
        return rx.call_script("document.getElementById('queue-filters')?.reset()")


class AdminTicketViewState(TicketThreadState, SessionState):
    """/admin/tickets/[ticket_id]: conversation, customer context, reply, status, priority."""

    customer_email: str = ""
    customer_name: str = ""
    customer_href: str = ""
    customer_balance: str = ""
    customer_credit: str = ""
    customer_discount: str = ""
    customer_blocked: bool = False
    licenses: list[LicenseLine] = []

    def _show(self, admin_id: int) -> None:
        view = ticket_queue.support_view(ticket_id=self._ticket_id, admin_id=admin_id)
        self._show_thread(view.thread)
        c = view.customer
        self.customer_email, self.customer_name = c.email, c.name
        self.customer_href = f"/admin/customers/{c.user_id}"
        self.customer_balance = format_rub(c.balance)
        self.customer_credit = format_rub(c.credit_limit)
        self.customer_discount = f"{c.discount_percent}%"
        self.customer_blocked = c.is_blocked
        self.licenses = [LicenseLine(lic.key, lic.tariff, lic.status_label, format_date(lic.expires_at))
                         for lic in c.licenses]

    def _not_shown(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        self._forget()
        self.licenses = []
        self.loaded = exc.code == "not_found"
        return None if exc.code == "not_found" else error_toast(exc)

    @admin_handler(page=True, on_error=_not_shown, fields=REPLY_FIELDS)
    def load_admin_ticket(self, caller: Caller):
        self._begin_loading()
        self._show(caller.user_id)
        self.loaded = True

    @admin_handler(fields=REPLY_FIELDS)
    def admin_reply(self, caller: Caller, form: dict, files: list[rx.UploadFile]):
        ticket_queue.reply_as_support(ticket_id=self._ticket_id, admin_id=caller.user_id,
                                      text=form_text(form, "text"), files=incoming_files(files))
        self._show(caller.user_id)
        return [
            rx.clear_selected_files(ADMIN_REPLY_UPLOAD),
            rx.call_script("document.getElementById('admin-reply-form')?.reset()"),
            ok_toast("Ответ отправлен клиенту, тикет в работе"),
        ]

    @admin_handler
    def change_status(self, caller: Caller, status: str):
        changed = ticket_queue.set_ticket_status(ticket_id=self._ticket_id, admin_id=caller.user_id,
                                                 status=status)
        self._show(caller.user_id)
        return ok_toast(f"Статус: {self.status_label}") if changed else None

    @admin_handler
    def change_priority(self, caller: Caller, priority: str):
        changed = ticket_queue.set_ticket_priority(ticket_id=self._ticket_id, admin_id=caller.user_id,
                                                   priority=priority)
        self._show(caller.user_id)
        return ok_toast(f"Приоритет: {self.priority_label}") if changed else None

    @admin_handler
    def close_current(self, caller: Caller):
        ticket_queue.close_ticket(ticket_id=self._ticket_id, admin_id=caller.user_id)
        self._show(caller.user_id)
        return ok_toast("Тикет закрыт")
