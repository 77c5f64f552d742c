"""Admin «Исходящие письма»: every email of the portal, its status, attempts and last error;
read one, resend a failed one. Without SMTP this is where the emails are read."""

from __future__ import annotations

from typing import Any

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.mail import outbox
from ispgo_portal.services.mail.mailer import smtp_configured
from ispgo_portal.state.forms import step_page
from ispgo_portal.state.handler import admin_handler, ok_toast
from ispgo_portal.state.session import SessionState

ALL = "all"  # "no status filter" (Radix controls cannot hold an empty value)


def _as_id(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


class AdminOutboxState(SessionState):
    rows: list[dict] = []
    status: str = ALL
    query: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    pending: int = 0
    sent: int = 0
    failed: int = 0
    smtp: bool = True
    loaded: bool = False
    detail_open: bool = False
    detail: dict[str, str] = {}

    def _list(self, admin_id: int) -> None:
        page = outbox.list_outbox(admin_id=admin_id, status="" if self.status == ALL else self.status,
                                  search=self.query, page=self.page)
        self.page, self.pages, self.total = page.page, page.pages, page.total
        self.rows = [
            {**row, "id": str(row["id"]), "attempts": str(row["attempts"])} for row in page.rows
        ]
        self.pending, self.sent, self.failed = (page.counts["pending"], page.counts["sent"],
                                                          page.counts["failed"])
        self.smtp = smtp_configured()
        self.loaded = True

    @admin_handler(page=True)
    def load_outbox(self, caller: Caller):
        self.status, self.query, self.page, self.detail_open = ALL, "", 1, False
        self._list(caller.user_id)

    @admin_handler
    def show_status(self, caller: Caller, status: str | list[str]):
        self.status = status if isinstance(status, str) and status in outbox.STATUS_LABELS else ALL
        self.page = 1
        self._list(caller.user_id)

    @admin_handler
    def search(self, caller: Caller, form: dict):
        query = form.get("query", "") if isinstance(form, dict) else ""
        self.query = query.strip()[:100] if isinstance(query, str) else ""
        self.page = 1
        self._list(caller.user_id)

    @admin_handler
    def clear_search(self, caller: Caller):
        self.query, self.page = "", 1
        self._list(caller.user_id)

    @admin_handler
    def change_page(self, caller: Caller, delta: int):
        self.page = step_page(self.page, delta)
        self._list(caller.user_id)

    @admin_handler
    def open_email(self, caller: Caller, email_id: str):
        email_key = _as_id(email_id)
        if email_key is None:
            raise DomainError("not_found", "Письмо не найдено")
        detail = outbox.get_outbox_email(admin_id=caller.user_id, email_id=email_key)
        self.detail = {key: str(value) for key, value in detail.items()}
        self.detail_open = True

    @admin_handler
    def close_email(self, caller: Caller, _open: bool = False):
        self.detail_open = False
        self.detail = {}

    @admin_handler
    def resend_email(self, caller: Caller, email_id: str):
        email_key = _as_id(email_id)
        if email_key is None:
            raise DomainError("not_found", "Письмо не найдено")
        outbox.resend_outbox_email(admin_id=caller.user_id, email_id=email_key)
        self.detail_open = False
        self._list(caller.user_id)
        message = ("Письмо снова в очереди на отправку" if self.smtp
                   else "Письмо снова в очереди: оно уйдёт, когда будет настроен SMTP")
        return ok_toast(message)
