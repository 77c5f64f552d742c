"""Admin «Исходящие письма»: every email of the portal, its status, attempts and last error;
read one, resend a failed one. Without SMTP this is where the emails are read."""

from __future__ import annotations

from typing import Any

import reflex as rx

from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.mail import outbox
from ispgo_portal.services.mail.mailer import smtp_configured
from ispgo_portal.state.session import SessionState, error_toast, ok_toast

ALL = "all"  # "no status filter" (Radix controls cannot hold an empty value)


def _as_id(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


class AdminOutboxState(SessionState):
    ob_rows: list[dict] = []
    ob_status: str = ALL
    ob_query: str = ""
    ob_page: int = 1
    ob_pages: int = 1
    ob_total: int = 0
    ob_pending: int = 0
    ob_sent: int = 0
    ob_failed: int = 0
    ob_smtp: bool = True
    ob_loaded: bool = False
    ob_open: bool = False
    ob_detail: dict[str, str] = {}

    def _list(self, admin_id: int) -> rx.event.EventSpec | None:
        try:
            page = outbox.list_outbox(
                admin_id=admin_id, status="" if self.ob_status == ALL else self.ob_status,
                search=self.ob_query, offset=(self.ob_page - 1) * outbox.PAGE_SIZE,
            )
        except DomainError as exc:
            return error_toast(exc)
        self.ob_total = page.total
        self.ob_pages = max(1, -(-page.total // outbox.PAGE_SIZE))
        if self.ob_page > self.ob_pages:
            self.ob_page = self.ob_pages
            return self._list(admin_id)
        self.ob_rows = [
            {**row, "id": str(row["id"]), "attempts": str(row["attempts"])} for row in page.rows
        ]
        self.ob_pending, self.ob_sent, self.ob_failed = (page.counts["pending"], page.counts["sent"],
                                                          page.counts["failed"])
        self.ob_smtp = smtp_configured()
        self.ob_loaded = True
        return None

    @rx.event
    def load_outbox(self):
        try:
            caller = self._admin()
        except AccessDenied:
            return None  # the page guard already redirected and said why
        self.ob_status, self.ob_query, self.ob_page, self.ob_open = ALL, "", 1, False
        return self._list(caller.user_id)

    @rx.event
    def show_status(self, status: str | list[str]):
        try:
            caller = self._admin()
        except DomainError as exc:
            return error_toast(exc)
        self.ob_status = status if isinstance(status, str) and status in outbox.STATUS_LABELS else ALL
        self.ob_page = 1
        return self._list(caller.user_id)

    @rx.event
    def search(self, form: dict):
        try:
            caller = self._admin()
        except DomainError as exc:
            return error_toast(exc)
        query = form.get("query", "") if isinstance(form, dict) else ""
        self.ob_query = query.strip()[:100] if isinstance(query, str) else ""
        self.ob_page = 1
        return self._list(caller.user_id)

    @rx.event
    def clear_search(self):
        try:
            caller = self._admin()
        except DomainError as exc:
            return error_toast(exc)
        self.ob_query, self.ob_page = "", 1
        return self._list(caller.user_id)

    @rx.event
    def next_page(self):
        try:
            caller = self._admin()
        except DomainError as exc:
            return error_toast(exc)
        self.ob_page = min(self.ob_page + 1, self.ob_pages)
        return self._list(caller.user_id)

    @rx.event
    def prev_page(self):
        try:
            caller = self._admin()
        except DomainError as exc:
            return error_toast(exc)
        self.ob_page = max(self.ob_page - 1, 1)
        return self._list(caller.user_id)

    @rx.event
    def open_email(self, email_id: str):
        try:
            caller = self._admin()
            email_key = _as_id(email_id)
            if email_key is None:
                raise DomainError("not_found", "Письмо не найдено")
            detail = outbox.get_outbox_email(admin_id=caller.user_id, email_id=email_key)
        except DomainError as exc:
            return error_toast(exc)
        self.ob_detail = {key: str(value) for key, value in detail.items()}
        self.ob_open = True
        return None

    @rx.event
    def close_email(self, _open: bool = False):
        try:
            self._admin()
        except DomainError as exc:
            return error_toast(exc)
        self.ob_open = False
        self.ob_detail = {}
        return None

    @rx.event
    def resend_email(self, email_id: str):
        try:
            caller = self._admin()
            email_key = _as_id(email_id)
            if email_key is None:
                raise DomainError("not_found", "Письмо не найдено")
            outbox.resend_outbox_email(admin_id=caller.user_id, email_id=email_key)
        except DomainError as exc:
            return error_toast(exc)
        self.ob_open = False
        self._list(caller.user_id)
        message = ("Письмо снова в очереди на отправку" if self.ob_smtp
                   else "Письмо снова в очереди: оно уйдёт, когда будет настроен SMTP")
        return ok_toast(message)
