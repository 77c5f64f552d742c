"""PDF downloads: invoices and acts for their owner and admins, the reconciliation statement
for its owner. The caller comes from the session cookie, checked in the database on every
request; anyone else (anonymous, another customer, a guessed id) gets the same 404."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ispgo_portal.services.accounts.cookie import SESSION_COOKIE
from ispgo_portal.services.billing import closing_documents, invoices
from ispgo_portal.services.billing.documents import pdf
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.forms import parse_day
from ispgo_portal.services.guard import resolve_caller

MAX_ID = 2**31 - 1
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _not_found(message: str = "Не найдено") -> Response:
    return PlainTextResponse(message, status_code=404, headers=PRIVATE_HEADERS)


def _pdf(content: bytes, filename: str) -> Response:
    ascii_name = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_.")) or "document.pdf"
    return Response(content, media_type="application/pdf", headers={
        **PRIVATE_HEADERS,
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}",
        "Referrer-Policy": "no-referrer",
    })


def _render_for_caller(token: str, render: Callable[[int], tuple[bytes, str]]) -> tuple[bytes, str] | None:
    caller = resolve_caller(token) if token else None
    if caller is None:
        return None
    try:
        return render(caller.user_id)
    except DomainError:
        return None


async def _pdf_for_caller(request: Request, render: Callable[[int], tuple[bytes, str]]) -> Response:
    """`render(viewer id)` for the session's caller, in a worker thread (the database and the
    PDF renderer block): the PDF, or 404 for no session or a document the service refuses."""
    found = await anyio.to_thread.run_sync(_render_for_caller, request.cookies.get(SESSION_COOKIE, ""), render)
    return _not_found() if found is None else _pdf(*found)


def _invoice_pdf(invoice_id: int, viewer_id: int) -> tuple[bytes, str]:
    view = invoices.invoice_for_viewer(invoice_id=invoice_id, viewer_id=viewer_id)
    return pdf.render_invoice(view), f"Счёт {view.number}.pdf"


def _act_pdf(act_id: int, viewer_id: int) -> tuple[bytes, str]:
    act = closing_documents.act_for_viewer(act_id=act_id, viewer_id=viewer_id)
    return pdf.render_act(act), f"Акт {act.number}.pdf"


def _pdf_by_id(prefix: str, param: str, render: Callable[[int, int], tuple[bytes, str]]) -> Route:
    """GET <prefix>/{<param>:int}: `render(id, viewer id)` as a PDF download. An id no table can
    hold, no session, or a document the service refuses to this viewer: the same 404."""

    async def download(request: Request) -> Response:
        document_id = request.path_params[param]
        if not 0 < document_id <= MAX_ID:
            return _not_found()
        return await _pdf_for_caller(request, functools.partial(render, document_id))

    # Named get_invoice_pdf / get_act_pdf, as these routes always were.
    return Route(f"{prefix}/{{{param}:int}}", download, methods=["GET"], name=f"get{render.__name__}")


async def get_reconciliation_pdf(request: Request) -> Response:
    params = request.query_params
    try:
        payer_id = int(params.get("payer_id", ""))
        date_from = parse_day(params.get("from", ""), field="date_from", label="Начало периода")
        date_to = parse_day(params.get("to", ""), field="date_to", label="Конец периода")
    except (ValueError, DomainError):
        return PlainTextResponse("Укажите плательщика и период", status_code=400, headers=PRIVATE_HEADERS)
    if date_from is None or date_to is None or not 0 < payer_id <= MAX_ID:
        return PlainTextResponse("Укажите плательщика и период", status_code=400, headers=PRIVATE_HEADERS)

    def render(viewer_id: int) -> tuple[bytes, str]:
        rec = closing_documents.reconciliation(user_id=viewer_id, payer_id=payer_id,
                                               date_from=date_from, date_to=date_to)
        return pdf.render_reconciliation(rec), f"Акт сверки {date_from:%d.%m.%Y}-{date_to:%d.%m.%Y}.pdf"

    return await _pdf_for_caller(request, render)


routes = [
    _pdf_by_id("/api/documents/invoices", "invoice_id", _invoice_pdf),
    _pdf_by_id("/api/documents/acts", "act_id", _act_pdf),
    Route("/api/documents/reconciliation", get_reconciliation_pdf, methods=["GET"]),
]
