"""A ticket's page, the customer's and support's alike: the ticket's header, the conversation and
the reply box's field errors, filled the same way on both pages by `TicketThreadState`."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.services.support.tickets import MessageInfo, TicketThread

# A reply form error's field -> the var that shows it under that field.
REPLY_FIELDS = {"text": "err_reply_text", "files": "err_reply_files"}


@dataclasses.dataclass
class AttachmentView:
    url: str = ""
    name: str = ""


@dataclasses.dataclass
class MessageView:
    id: int = 0
    author: str = ""
    is_staff: bool = False
    time: str = ""
    body: str = ""
    attachments: list[AttachmentView] = dataclasses.field(default_factory=list)


def message_view(message: MessageInfo) -> MessageView:
    return MessageView(
        id=message.id, author=message.author_name, is_staff=message.is_staff,
        time=format_datetime(message.created_at), body=message.body,
        attachments=[AttachmentView(url=f"/api/attachments/{a.id}", name=a.filename)
                     for a in message.attachments],
    )


def route_ticket_id(path: object) -> int:
    """The id in /tickets/<id> or /admin/tickets/<id>; 0 for anything else."""
    match = re.search(r"/tickets/(\d{1,11})/?$", path if isinstance(path, str) else "")
    return int(match.group(1)) if match else 0


class TicketThreadState(rx.State, mixin=True):
    """Mixed in next to SessionState (`class TicketViewState(TicketThreadState, SessionState)`):
    Reflex takes a class whose only state base is a mixin for a mixin too. The page's own
    handlers fetch the thread (each through its role's service) and hand it to `_show_thread`."""

    loaded: bool = False
    found: bool = False
    number: int = 0
    subject: str = ""
    status: str = ""
    status_label: str = ""
    category_label: str = ""
    priority: str = ""
    priority_label: str = ""
    created: str = ""
    updated: str = ""
    replies: int = 0
    messages: list[MessageView] = []
    err_reply_text: str = ""
    err_reply_files: str = ""
    _ticket_id: int = 0  # the ticket in the page's URL; the services check who may see it

    def _begin_loading(self) -> None:
        """`on_load`: forget what was shown and take the ticket id from the URL."""
        self.loaded = False
        self._ticket_id = route_ticket_id(self.router.url.path)

    def _show_thread(self, thread: TicketThread) -> None:
        t = thread.ticket
        self.number, self.subject = t.id, t.subject
        self.status, self.status_label = t.status, t.status_label
        self.category_label = t.category_label
        self.priority, self.priority_label = t.priority, t.priority_label
        self.created, self.updated = format_datetime(t.created_at), format_datetime(t.updated_at)
        self.replies = t.replies_count
        self.messages = [message_view(m) for m in thread.messages]
        self.found = True

    def _forget(self) -> None:
        self.found = False
        self.number = 0
        self.subject = ""
        self.messages = []
