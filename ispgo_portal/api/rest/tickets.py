"""Support tickets: list, create, read with messages, reply, archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ispgo_portal.api.rest.auth import reader, writer
from ispgo_portal.api.rest.idempotency import IdempotencyKey, run_idempotent
from ispgo_portal.api.rest.problems import responses
from ispgo_portal.api.rest.schemas import (
    AttachmentOut,
    Id,
    MessageIn,
    MessageOut,
    TicketIn,
    TicketItem,
    TicketOut,
    TicketPage,
    TicketStatus,
)
from ispgo_portal.api.rest.ticket_input import (
    files_fingerprint,
    read_ticket_input,
    request_body_doc,
)
from ispgo_portal.clock import as_utc
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.rest.tokens import TokenCaller
from ispgo_portal.services.support import tickets
from ispgo_portal.services.support.tickets import MessageInfo, TicketSummary

router = APIRouter(tags=["Тикеты"])


def _item_fields(t: TicketSummary) -> dict:
    return {"id": t.id, "number": t.id, "category": t.category, "priority": t.priority, "status": t.status,
            "subject": t.subject, "replies": t.replies_count, "updated_at": as_utc(t.updated_at)}


def _message(m: MessageInfo) -> MessageOut:
    return MessageOut(id=m.id, author="support" if m.is_staff else "customer", text=m.body,
                      created_at=as_utc(m.created_at),
                      attachments=[AttachmentOut(id=a.id, filename=a.filename, content_type=a.content_type,
                                                 size=a.size) for a in m.attachments])


def _ticket(caller: TokenCaller, ticket_id: int) -> TicketOut:
    thread = tickets.ticket_thread(ticket_id=ticket_id, user_id=caller.user_id)
    return TicketOut(**_item_fields(thread.ticket), created_at=as_utc(thread.ticket.created_at),
                     messages=[_message(m) for m in thread.messages])


@router.get("/tickets", response_model=TicketPage, summary="Мои тикеты (последняя активность первой)",
            description="Без фильтров — открытые и в работе; `archived=true` или `status=closed` — архив.",
            openapi_extra={"x-scope": "read"}, responses=responses(401, 403, 422, 429))
def list_tickets(caller: TokenCaller = reader, status: TicketStatus | None = None, archived: bool = False,
                 limit: Annotated[int, Query(ge=1, le=cursors.MAX_LIMIT)] = cursors.DEFAULT_LIMIT,
                 cursor: Annotated[str, Query(max_length=200)] = "") -> TicketPage:
    page, next_cursor = tickets.tickets_after(user_id=caller.user_id, status=status or "", archived=archived,
                                              limit=limit, cursor=cursor)
    return TicketPage(items=[TicketItem(**_item_fields(t)) for t in page], next_cursor=next_cursor)


@router.post("/tickets", status_code=201, response_model=TicketOut, summary="Создать тикет",
             description="JSON или multipart/form-data с теми же полями и скриншотами в `files`.",
             openapi_extra={"x-scope": "write", "requestBody": request_body_doc(TicketIn)},
             responses=responses(401, 403, 409, 413, 422, 429))
async def create_ticket(request: Request, idempotency_key: IdempotencyKey = None,
                        caller: TokenCaller = writer) -> Response:
    body, files = await read_ticket_input(request, TicketIn)

    def work() -> tuple[int, TicketOut]:
        ticket_id = tickets.create_ticket(user_id=caller.user_id, category=body.category, subject=body.subject,
                                          description=body.description, priority=body.priority, files=files)
        return 201, _ticket(caller, ticket_id)

    return await run_in_threadpool(run_idempotent, request, caller, idempotency_key, body, work,
                                   attachments=files_fingerprint(files))


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="Тикет с перепиской",
            openapi_extra={"x-scope": "read"}, responses=responses(401, 403, 404, 429))
def get_ticket(ticket_id: Id, caller: TokenCaller = reader) -> TicketOut:
    return _ticket(caller, ticket_id)


@router.post("/tickets/{ticket_id}/messages", status_code=201, response_model=MessageOut,
             summary="Ответить в тикете",
             description="JSON или multipart/form-data со скриншотами в `files`. В закрытый тикет "
                         "ответить нельзя — 409.",
             openapi_extra={"x-scope": "write", "requestBody": request_body_doc(MessageIn)},
             responses=responses(401, 403, 404, 409, 413, 422, 429))
async def reply(ticket_id: Id, request: Request, idempotency_key: IdempotencyKey = None,
                caller: TokenCaller = writer) -> Response:
    body, files = await read_ticket_input(request, MessageIn)

    def work() -> tuple[int, MessageOut]:
        message_id = tickets.reply_to_ticket(ticket_id=ticket_id, user_id=caller.user_id, text=body.text,
                                             files=files)
        thread = tickets.ticket_thread(ticket_id=ticket_id, user_id=caller.user_id)
        return 201, _message(next(m for m in thread.messages if m.id == message_id))

    return await run_in_threadpool(run_idempotent, request, caller, idempotency_key, body, work,
                                   attachments=files_fingerprint(files))


@router.post("/tickets/{ticket_id}/archive", response_model=TicketOut, summary="Закрыть тикет (в архив)",
             openapi_extra={"x-scope": "write"}, responses=responses(401, 403, 404, 409, 429))
def archive(ticket_id: Id, request: Request, idempotency_key: IdempotencyKey = None,
            caller: TokenCaller = writer) -> Response:
    def work() -> tuple[int, TicketOut]:
        tickets.archive_ticket(ticket_id=ticket_id, user_id=caller.user_id)
        return 200, _ticket(caller, ticket_id)

    return run_idempotent(request, caller, idempotency_key, None, work)
