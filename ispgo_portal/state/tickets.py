"""Тикеты for customers: the list and archive, the new-ticket dialog, a ticket's page and
the dashboard block. Handlers only parse input and call services/support/tickets.py, which checks
ownership; the ticket a page shows is remembered in a backend-only var."""

from __future__ import annotations

import dataclasses

import reflex as rx

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.support import tickets
from ispgo_portal.services.support.attachments import MAX_FILE_BYTES, MAX_FILES, IncomingFile
from ispgo_portal.services.support.tickets import TicketSummary
from ispgo_portal.state.forms import clear_field_errors, form_text
from ispgo_portal.state.handler import customer_handler, error_toast, ok_toast, public_handler
from ispgo_portal.state.session import SessionState
from ispgo_portal.state.ticket_thread import REPLY_FIELDS, TicketThreadState

NEW_TICKET_UPLOAD = "new-ticket-files"
REPLY_UPLOAD = "reply-files"
STATUS_FILTERS = ("all", "open", "in_progress")
# A form error's field -> the var that shows it under that field.
NEW_TICKET_FIELDS = {name: f"err_{name}" for name in ("category", "subject", "description", "priority", "files")}


@dataclasses.dataclass
class TicketRow:
    id: int = 0
    href: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    category_label: str = ""
    priority: str = ""
    priority_label: str = ""
    created: str = ""
    updated: str = ""
    replies: int = 0
    customer_email: str = ""
    waiting_since: str = ""


def ticket_row(summary: TicketSummary, *, href_prefix: str = "/tickets") -> TicketRow:
    return TicketRow(
        id=summary.id, href=f"{href_prefix}/{summary.id}", subject=summary.subject,
        status=summary.status, status_label=summary.status_label,
        category_label=summary.category_label, priority=summary.priority,
        priority_label=summary.priority_label, created=format_date(summary.created_at),
        updated=format_date(summary.updated_at), replies=summary.replies_count,
        customer_email=summary.customer_email,
        waiting_since=format_datetime(summary.waiting_since) if summary.waiting_since else "",
    )


def incoming_files(files: object) -> list[IncomingFile]:
    """rx.UploadFile objects (or garbage from a crafted event) as plain bytes for the services.
    Reads at most MAX_FILE_BYTES + 1 bytes of at most MAX_FILES + 1 files: enough to refuse
    too big or too many without holding an oversized upload in memory."""
    if not isinstance(files, list):
        return []
    result: list[IncomingFile] = []
    for item in files[: MAX_FILES + 1]:
        stream = getattr(item, "file", None)
        data: bytes | None = None
        try:
            if stream is not None:
                stream.seek(0)
                chunk = stream.read(MAX_FILE_BYTES + 1)
                data = chunk if isinstance(chunk, bytes) else None
        except (OSError, ValueError, AttributeError):
            data = None
        name = getattr(item, "filename", "")
        result.append(IncomingFile(name if isinstance(name, str) else "", data))
    return result


class TicketsState(SessionState):
    """The "Тикеты" list: active tickets (with a status filter) or the archive."""

    rows: list[TicketRow] = []
    view: str = "active"  # active | archive
    status: str = "all"  # all | open | in_progress (active view only)
    loaded: bool = False

    def _reload(self, user_id: int) -> None:
        self.loaded = False
        status = "closed" if self.view == "archive" else ("" if self.status == "all" else self.status)
        self.rows = [ticket_row(s) for s in tickets.list_tickets(user_id=user_id, status=status)]
        self.loaded = True

    @customer_handler(page=True)
    def load_tickets(self, caller: Caller):
        self._reload(caller.user_id)

    @customer_handler
    def show_view(self, caller: Caller, view: str):
        self.view = view if view in ("active", "archive") else "active"
        self._reload(caller.user_id)

    @customer_handler
    def filter_status(self, caller: Caller, status: str):
        self.status = status if status in STATUS_FILTERS else "all"
        self._reload(caller.user_id)


class NewTicketState(SessionState):
    """The "Создать тикет" dialog (used on the list and on a closed ticket's page)."""

    form_open: bool = False
    err_category: str = ""
    err_subject: str = ""
    err_description: str = ""
    err_priority: str = ""
    err_files: str = ""

    @public_handler(inline=True)
    def open_dialog(self):
        clear_field_errors(self, NEW_TICKET_FIELDS)
        self.form_open = True

    @public_handler(inline=True)
    def set_dialog_open(self, value: bool):
        self.form_open = value is True

    @customer_handler(fields=NEW_TICKET_FIELDS)
    def submit_ticket(self, caller: Caller, form: dict, files: list[rx.UploadFile]):
        ticket_id = tickets.create_ticket(
            user_id=caller.user_id,
            category=form_text(form, "category"),
            subject=form_text(form, "subject"),
            description=form_text(form, "description"),
            priority=form_text(form, "priority"),
            files=incoming_files(files),
        )
        self.form_open = False
        return [
            rx.clear_selected_files(NEW_TICKET_UPLOAD),
            rx.redirect(f"/tickets/{ticket_id}"),
            ok_toast(f"Тикет №{ticket_id} создан. Мы ответим как можно скорее."),
        ]


class TicketViewState(TicketThreadState, SessionState):
    """A customer's ticket page: the conversation, a reply box, "В архив"."""

    def _show(self, user_id: int) -> None:
        self._show_thread(tickets.ticket_thread(ticket_id=self._ticket_id, user_id=user_id))

    def _not_shown(self, exc: DomainError, caller: Caller | None):
        self._forget()
        self.loaded = True
        return None if exc.code == "not_found" else error_toast(exc)

    @customer_handler(page=True, on_error=_not_shown, fields=REPLY_FIELDS)
    def load_ticket(self, caller: Caller):
        self._begin_loading()
        self._show(caller.user_id)
        self.loaded = True

    @customer_handler(fields=REPLY_FIELDS)
    def send_reply(self, caller: Caller, form: dict, files: list[rx.UploadFile]):
        tickets.reply_to_ticket(ticket_id=self._ticket_id, user_id=caller.user_id,
                                text=form_text(form, "text"), files=incoming_files(files))
        self._show(caller.user_id)
        return [
            rx.clear_selected_files(REPLY_UPLOAD),
            rx.call_script("document.getElementById('reply-form')?.reset()"),
            ok_toast("Ответ отправлен"),
        ]

    @customer_handler
    def archive_current(self, caller: Caller):
        tickets.archive_ticket(ticket_id=self._ticket_id, user_id=caller.user_id)
        self._show(caller.user_id)
        return ok_toast("Тикет закрыт и перемещён в архив")
