"""Support's ticket pages: the queue with filters and a ticket with its customer's context.
Every handler calls self._admin() first; services/support/queue.py checks the role again."""

from __future__ import annotations

import dataclasses

import reflex as rx

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.models import TICKET_CATEGORIES, TICKET_PRIORITIES
from ispgo_portal.money import format_rub
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.support import queue as ticket_queue
from ispgo_portal.services.support.queue import QUEUE_STATUS_FILTERS, QueueFilters
from ispgo_portal.services.support.tickets import TicketFormError
from ispgo_portal.state.session import SessionState, error_toast, ok_toast
from ispgo_portal.state.tickets import (
    MessageView,
    TicketRow,
    form_text,
    incoming_files,
    message_view,
    route_ticket_id,
    ticket_row,
)

ADMIN_REPLY_UPLOAD = "admin-reply-files"


@dataclasses.dataclass
class LicenseLine:
    key: str = ""
    tariff: str = ""
    status_label: str = ""
    expires: str = ""


def _choice(value: str, allowed) -> str:  # noqa: ANN001 - any container
    return value if value in allowed else ""


class AdminTicketsState(SessionState):
    """/admin/tickets: the queue, the longest-waiting first."""

    aq_rows: list[TicketRow] = []
    aq_status: str = "active"
    aq_category: str = "any"
    aq_priority: str = "any"
    aq_customer: str = ""
    aq_search: str = ""
    aq_loaded: bool = False

    def _reload(self) -> None:
        admin = self._admin()
        filters = QueueFilters(
            status=self.aq_status,
            category=_choice(self.aq_category, TICKET_CATEGORIES),
            priority=_choice(self.aq_priority, TICKET_PRIORITIES),
            customer=self.aq_customer,
            search=self.aq_search,
        )
        rows = ticket_queue.list_queue(admin_id=admin.user_id, filters=filters)
        self.aq_rows = [ticket_row(s, href_prefix="/admin/tickets") for s in rows]
        self.aq_loaded = True

    @rx.event
    def load_queue(self):
        try:
            self._reload()
        except DomainError as exc:
            self.aq_rows = []
            self.aq_loaded = False
            return error_toast(exc)
        return None

    @rx.event
    def apply_filters(self, form: dict):
        try:
            self._admin()
        except DomainError as exc:
            return error_toast(exc)
        status = form_text(form, "status")
        self.aq_status = status if status in QUEUE_STATUS_FILTERS else "active"
        self.aq_category = _choice(form_text(form, "category"), TICKET_CATEGORIES) or "any"
        self.aq_priority = _choice(form_text(form, "priority"), TICKET_PRIORITIES) or "any"
        self.aq_customer = form_text(form, "customer").strip()[:254]
        self.aq_search = form_text(form, "search").strip()[:200]
        return self.load_queue()

    @rx.event
    def reset_filters(self):
        try:
            self._admin()
            self.aq_status, self.aq_category, self.aq_priority = "active", "any", "any"
            self.aq_customer = self.aq_search = ""
            self._reload()
        except DomainError as exc:
            self.aq_rows = []
            self.aq_loaded = False
            return error_toast(exc)
        return rx.call_script("document.getElementById('queue-filters')?.reset()")


class AdminTicketViewState(SessionState):
    """/admin/tickets/[ticket_id]: conversation, customer context, reply, status, priority."""

    at_loaded: bool = False
    at_found: bool = False
    at_id: int = 0
    at_subject: str = ""
    at_status: str = ""
    at_status_label: str = ""
    at_category_label: str = ""
    at_priority: str = ""
    at_priority_label: str = ""
    at_created: str = ""
    at_updated: str = ""
    at_replies: int = 0
    at_messages: list[MessageView] = []
    at_customer_email: str = ""
    at_customer_name: str = ""
    at_customer_href: str = ""
    at_customer_balance: str = ""
    at_customer_credit: str = ""
    at_customer_discount: str = ""
    at_customer_blocked: bool = False
    at_licenses: list[LicenseLine] = []
    err_reply_text: str = ""
    err_reply_files: str = ""
    _at_ticket_id: int = 0

    def _show(self, admin_id: int) -> None:
        view = ticket_queue.support_view(ticket_id=self._at_ticket_id, admin_id=admin_id)
        t, c = view.thread.ticket, view.customer
        self.at_id, self.at_subject = t.id, t.subject
        self.at_status, self.at_status_label = t.status, t.status_label
        self.at_category_label = t.category_label
        self.at_priority, self.at_priority_label = t.priority, t.priority_label
        self.at_created, self.at_updated = format_datetime(t.created_at), format_datetime(t.updated_at)
        self.at_replies = t.replies_count
        self.at_messages = [message_view(m) for m in view.thread.messages]
        self.at_customer_email, self.at_customer_name = c.email, c.name
        self.at_customer_href = f"/admin/customers/{c.user_id}"
        self.at_customer_balance = format_rub(c.balance)
        self.at_customer_credit = format_rub(c.credit_limit)
        self.at_customer_discount = f"{c.discount_percent}%"
        self.at_customer_blocked = c.is_blocked
        self.at_licenses = [LicenseLine(lic.key, lic.tariff, lic.status_label, format_date(lic.expires_at))
                            for lic in c.licenses]
        self.at_found = True

    @rx.event
    def load_admin_ticket(self):
        self.at_loaded = False
        self.err_reply_text = self.err_reply_files = ""
        try:
            admin = self._admin()
            self._at_ticket_id = route_ticket_id(self.router.url.path)
            self._show(admin.user_id)
        except DomainError as exc:
            self.at_found = False
            self.at_messages = []
            self.at_licenses = []
            self.at_loaded = exc.code == "not_found"
            return None if exc.code == "not_found" else error_toast(exc)
        self.at_loaded = True
        return None

    @rx.event
    def admin_reply(self, form: dict, files: list[rx.UploadFile]):
        self.err_reply_text = self.err_reply_files = ""
        try:
            admin = self._admin()
            ticket_queue.reply_as_support(ticket_id=self._at_ticket_id, admin_id=admin.user_id,
                                          text=form_text(form, "text"), files=incoming_files(files))
            self._show(admin.user_id)
        except TicketFormError as exc:
            self.err_reply_text = exc.errors.get("text", "")
            self.err_reply_files = exc.errors.get("files", "")
            return None
        except DomainError as exc:
            return error_toast(exc)
        return [
            rx.clear_selected_files(ADMIN_REPLY_UPLOAD),
            rx.call_script("document.getElementById('admin-reply-form')?.reset()"),
            ok_toast("Ответ отправлен клиенту, тикет в работе"),
        ]

    @rx.event
    def change_status(self, status: str):
        try:
            admin = self._admin()
            changed = ticket_queue.set_ticket_status(ticket_id=self._at_ticket_id, admin_id=admin.user_id,
                                                     status=status)
            self._show(admin.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast(f"Статус: {self.at_status_label}") if changed else None

    @rx.event
    def change_priority(self, priority: str):
        try:
            admin = self._admin()
            changed = ticket_queue.set_ticket_priority(ticket_id=self._at_ticket_id, admin_id=admin.user_id,
                                                       priority=priority)
            self._show(admin.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast(f"Приоритет: {self.at_priority_label}") if changed else None

    @rx.event
    def close_current(self):
        try:
            admin = self._admin()
            ticket_queue.close_ticket(ticket_id=self._at_ticket_id, admin_id=admin.user_id)
            self._show(admin.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Тикет закрыт")
