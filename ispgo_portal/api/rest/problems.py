"""Errors as `application/problem+json` (RFC 9457): {type, title, status, detail, code}.

One place maps the services' DomainError codes to HTTP statuses; `detail` is the service's
Russian message, `reason` its own code when it is more specific than `code`."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ispgo_portal.services.errors import DomainError

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/v1/"

TITLES = {
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable",
}
# Service codes that are not "bad input" (422); anything ending in _not_found is 404.
STATUS_OF = {
    "unauthorized": 401,
    "forbidden_scope": 403,
    "not_found": 404,
    "insufficient_funds": 402,
    "idempotency_key_reused": 409,
    "idempotency_in_progress": 409,
    "license_active": 409,
    "ticket_closed": 409,
    "suspended_by_admin": 409,
    "too_many_open_payments": 409,
    "too_many_payments": 409,
    "payment_mismatch": 409,
    "rate_limited": 429,
    "payment_gateway_unavailable": 503,
    "payment_gateway_rejected": 502,
}
# The contract's codes per status; a more specific service code goes to `reason`.
CODE_OF_STATUS = {401: "unauthorized", 403: "forbidden_scope", 404: "not_found", 402: "insufficient_funds",
                  409: "conflict", 422: "validation_error", 429: "rate_limited"}
KEEP_OWN_CODE = {"idempotency_key_reused", "payment_gateway_unavailable", "payment_gateway_rejected"}


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    reason: str | None = None
    field: str | None = None


class ApiProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = {"type": f"urn:ispgo:problem:{code}", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "code": code, **{k: v for k, v in extra.items() if v not in (None, "")}}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


def status_of(code: str) -> int:
    if code in STATUS_OF:
        return STATUS_OF[code]
    return 404 if code.endswith("_not_found") else 422


def domain_problem(exc: DomainError) -> JSONResponse:
    status = status_of(exc.code)
    code = exc.code if exc.code in KEEP_OWN_CODE else CODE_OF_STATUS.get(status, exc.code)
    extra: dict[str, Any] = {"reason": exc.code if code != exc.code else None, "field": exc.field or None}
    errors = getattr(exc, "errors", None)  # a ticket form names every bad field
    if errors:
        extra["errors"] = [{"field": f, "message": m} for f, m in errors.items()]
    headers = {"Retry-After": "30"} if status == 503 else None
    return problem_response(status, code, exc.message, headers=headers, **extra)


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "header"))


async def on_api_problem(_request: Request, exc: ApiProblem) -> JSONResponse:
    return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)


async def on_domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    return domain_problem(exc)


async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field_name(tuple(e.get("loc", ()))) or "body", "message": e.get("msg", "")}
              for e in exc.errors()]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem_response(422, "validation_error", f"Проверьте данные запроса: {fields}", errors=errors)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    from fastapi.exception_handlers import http_exception_handler

    if not request.url.path.startswith(API_PREFIX):
        return await http_exception_handler(request, exc)
    if exc.status_code == 405:
        return problem_response(405, "method_not_allowed", "Этот метод для этого адреса не поддерживается")
    if exc.status_code == 404:
        return problem_response(404, "not_found", "Не найдено")
    if exc.status_code == 400:  # a body that is not even text (FastAPI cannot parse it)
        return problem_response(422, "validation_error", "Тело запроса — не JSON в кодировке UTF-8")
    return problem_response(exc.status_code, "error", str(exc.detail))


def install(app) -> None:
    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers an operation can give."""
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {status: {"description": TITLES.get(status, "Error"), "content": {PROBLEM_TYPE: ref}}
            for status in statuses}
