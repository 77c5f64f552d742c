"""HTTP requests in /metrics: a counter by route, method and status class and a latency
histogram by route. The label is the route's template (`/api/v1/licenses/{license_id}`), never
the raw path, so ids in URLs cannot grow the series without bound; unknown paths share one
label. Websockets are not requests here: their events are measured where they are handled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.routing import BaseRoute, Match, Mount, Route

UNMATCHED = "(unmatched)"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter("ispgo_http_requests", "HTTP requests served by this process",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("ispgo_http_request_duration_seconds", "HTTP request latency in this process",
                         ["route", "method"], buckets=LATENCY_BUCKETS)


async def _never(_request: object) -> None:  # matchers below are never served
    return None


def _flatten(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """(template, matcher) for every leaf route with its full path: FastAPI's included
    routers (prefix on their include context) and Starlette mounts (Reflex's backend is one,
    mounted at "") are opened up; a mount without routes (socket.io, static files) is one
    leaf `prefix/*`."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from _flatten(list(included.routes), prefix + getattr(context, "prefix", ""))
        elif isinstance(route, Mount):
            inner = route.routes
            if inner:
                yield from _flatten(list(inner), prefix + route.path)
            else:
                yield f"{prefix}{route.path}/*", Mount(prefix + route.path, app=_never)
        elif isinstance(route, Route):
            path = prefix + route.path
            yield path, Route(path, endpoint=_never, methods=list(route.methods or ()) or None)


class RouteLabels:
    """The route template for a request, from a flat list built on first use (the app's
    routes are complete by then)."""

    def __init__(self) -> None:
        self._table: list[tuple[str, BaseRoute]] | None = None

    def label(self, app: object, scope: dict) -> str:
        if self._table is None:
            self._table = list(_flatten(list(getattr(app, "routes", []) or [])))
        probe = {"type": "http", "path": scope.get("path", ""), "method": scope.get("method", "GET"),
                 "root_path": ""}
        partial = UNMATCHED
        for template, matcher in self._table:
            match, _child = matcher.matches(probe)
            if match == Match.FULL:
                return template
            if match == Match.PARTIAL and partial == UNMATCHED:
                partial = template  # the path exists, not for this method (405)
        return partial


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


class HttpMetricsMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.labels = RouteLabels()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_watching(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        finally:
            route = self.labels.label(scope.get("app"), scope)
            HTTP_LATENCY.labels(route, scope["method"]).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(route, scope["method"], _status_class(status)).inc()
