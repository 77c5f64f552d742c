"""Admin «Исходящие письма»: every email of the portal, its status, attempts and last error;
read one, resend a failed one. Without SMTP this is where the emails are read."""

from __future__ import annotations

from typing import Any

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.mail import outbox
from ispgo_portal.services.mail.mailer import smtp_configured
from ispgo_portal.state.handler import admin_handler, ok_toast, unless_denied
from ispgo_portal.state.session import SessionState

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

    def _list(self, admin_id: int) -> None:
        page = outbox.list_outbox(
            admin_id=admin_id, status="" if self.ob_status == ALL else self.ob_status,
            search=self.ob_query, offset=(self.ob_page - 1) * outbox.PAGE_SIZE,
        )
        self.ob_total = page.total
        self.ob_pages = max(1, -(-page.total // outbox.PAGE_SIZE))
        if self.ob_page > self.ob_pages:
            self.ob_page = self.ob_pages
            self._list(admin_id)
            return
        self.ob_rows = [
            {**row, "id": str(row["id"]), "attempts": str(row["attempts"])} for row in page.rows
        ]
        self.ob_pending, self.ob_sent, self.ob_failed = (page.counts["pending"], page.counts["sent"],
                                                          page.counts["failed"])
        self.ob_smtp = smtp_configured()
        self.ob_loaded = True

    @admin_handler(on_error=unless_denied)
    def load_outbox(self, caller: Caller):
        self.ob_status, self.ob_query, self.ob_page, self.ob_open = ALL, "", 1, False
        self._list(caller.user_id)

    @admin_handler
    def show_status(self, caller: Caller, status: str | list[str]):
        self.ob_status = status if isinstance(status, str) and status in outbox.STATUS_LABELS else ALL
        self.ob_page = 1
        self._list(caller.user_id)

    @admin_handler
    def search(self, caller: Caller, form: dict):
        query = form.get("query", "") if isinstance(form, dict) else ""
        self.ob_query = query.strip()[:100] if isinstance(query, str) else ""
        self.ob_page = 1
        self._list(caller.user_id)

    @admin_handler
    def clear_search(self, caller: Caller):
        self.ob_query, self.ob_page = "", 1
        self._list(caller.user_id)

    @admin_handler
    def next_page(self, caller: Caller):
        self.ob_page = min(self.ob_page + 1, self.ob_pages)
        self._list(caller.user_id)

    @admin_handler
    def prev_page(self, caller: Caller):
        self.ob_page = max(self.ob_page - 1, 1)
        self._list(caller.user_id)

    @admin_handler
    def open_email(self, caller: Caller, email_id: str):
        email_key = _as_id(email_id)
        if email_key is None:
            raise DomainError("not_found", "Письмо не найдено")
        detail = outbox.get_outbox_email(admin_id=caller.user_id, email_id=email_key)
        self.ob_detail = {key: str(value) for key, value in detail.items()}
        self.ob_open = True

    @admin_handler
    def close_email(self, caller: Caller, _open: bool = False):
        self.ob_open = False
        self.ob_detail = {}

    @admin_handler
    def resend_email(self, caller: Caller, email_id: str):
        email_key = _as_id(email_id)
        if email_key is None:
            raise DomainError("not_found", "Письмо не найдено")
        outbox.resend_outbox_email(admin_id=caller.user_id, email_id=email_key)
        self.ob_open = False
        self._list(caller.user_id)
        message = ("Письмо снова в очереди на отправку" if self.ob_smtp
                   else "Письмо снова в очереди: оно уйдёт, когда будет настроен SMTP")
        return ok_toast(message)
