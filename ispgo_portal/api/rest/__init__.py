"""The customer REST API under /api/v1 (FastAPI): routers, errors and the OpenAPI document.

`mount(app)` adds it to the portal's FastAPI app after the panel license routes, which
therefore keep matching first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request

from ispgo_portal.api.rest import account, licenses, problems, tickets
from ispgo_portal.api.rest.problems import ApiProblem, Problem

PREFIX = "/api/v1"
OPENAPI_URL = f"{PREFIX}/openapi.json"
TITLE = "ISPGo Portal REST API"
DESCRIPTION = (
    "API личного кабинета ISPGo: баланс и история, тарифы, лицензии, пополнения и платежи, тикеты. "
    "Авторизация: `Authorization: Bearer ispgo_…` (токен создаётся в разделе «API-токены»). "
    "Суммы — целые копейки, время — UTC (ISO 8601, `Z`). Ошибки — `application/problem+json`. "
    "Для POST передавайте `Idempotency-Key`: повтор с тем же ключом вернёт первый ответ и не спишет "
    "деньги дважды."
)

_fallback = APIRouter()


@_fallback.api_route(f"{PREFIX}/{{path:path}}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                     include_in_schema=False)
def unknown_path(path: str, request: Request) -> None:
    raise ApiProblem(404, "not_found", "Такого адреса в API нет")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=TITLE, version="1.0.0", description=DESCRIPTION, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema()
        # Validation errors are problems too: document them as such, not as FastAPI's default.
        for item in schema["paths"].values():
            for operation in item.values():
                if "422" in operation.get("responses", {}):
                    operation["responses"]["422"] = problems.responses(422)[422]
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def mount(app: FastAPI) -> None:
    for module in (account, licenses, tickets):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(_fallback)
    problems.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the REST API alone (for the docs page, built without a server)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    mount(app)
    return app.openapi()
