"""GET /api/health: 200 when the database answers, 503 when it does not."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ispgo_portal.db import get_engine


async def health(_request: Request) -> JSONResponse:
    import anyio

    def _ping() -> None:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await anyio.to_thread.run_sync(_ping)
    except Exception as exc:
        return JSONResponse({"status": "error", "database": "unavailable", "detail": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


routes = [Route("/api/health", health, methods=["GET"])]
