"""The one way to write a state handler.

Every public method of a state class can be called by a crafted websocket message, and a plain
`def` handler runs on the backend's event loop: while it waits on the database, argon2 or
YooKassa every websocket of the process waits. So each handler is written as a plain method
body and wrapped by one of the decorators here, which

  * resolves the caller from the database (`customer_handler`: a valid session;
    `admin_handler`: an admin; `public_handler`: anyone) and passes it as `caller`;
  * runs that check and the body in ONE worker thread (`asyncio.to_thread`), never on the loop;
  * turns a `DomainError` into the field error next to its input (`fields`: exc.field →
    the state var that shows it; the one way to show a field error) or into a toast, or into
    what the handler's `on_error` hook says (for anything else it must do on an error);
  * times the handler into `ispgo_event_seconds{handler, outcome}`.

Anything unexpected propagates to the app's `backend_exception_handler`, which logs the
traceback and shows a calm message.

The body mutates `self` from the worker thread. That is safe: Reflex holds the state's lock
for the whole event, so nothing else reads or writes this state while the body runs, and the
delta is computed on the loop only after the thread has finished (or the body has yielded).

A body that `yield`s (to show a spinner before a slow call) is a plain generator: each step
runs in a worker thread and what it yields is sent on the loop between the steps. Handlers that
only flip the state's own vars (no database, no files) may say `inline=True` and run on the
loop; the stall test in tests/state proves no such handler touches anything blocking.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import reflex as rx
from prometheus_client import Histogram
from reflex.event import EventSpec  # by this name: Reflex evaluates the handler's return annotation

from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import Caller, require_admin, require_user

log = logging.getLogger("ispgo_portal.state")

Role = Literal["public", "customer", "admin"]
ErrorHook = Callable[[Any, DomainError, "Caller | None"], Any]

EVENT_SECONDS = Histogram(
    "ispgo_event_seconds",
    "Time a portal state handler took, by handler and outcome (ok, domain_error, error).",
    ["handler", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

CALM_MESSAGE = "Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз через минуту."


def error_toast(exc: DomainError) -> rx.event.EventSpec:
    """The one mapping from a domain error that belongs to no field to what the user sees."""
    return rx.toast.error(exc.message, close_button=True)


def ok_toast(message: str) -> rx.event.EventSpec:
    return rx.toast.success(message, close_button=True)


def backend_exception_handler(exception: Exception) -> EventSpec:
    """`rx.App(backend_exception_handler=...)`: a bug in a handler is logged with its traceback
    and the visitor gets a calm Russian message, never the traceback."""
    log.error("unexpected error in a state handler", exc_info=(type(exception), exception,
                                                              exception.__traceback__))
    return rx.toast.error(CALM_MESSAGE, close_button=True)


def _resolve(role: Role, token: str) -> Caller | None:
    if role == "admin":
        return require_admin(token)
    if role == "customer":
        return require_user(token)
    return None


def _report(state: Any, exc: DomainError, caller: Caller | None, fields: Mapping[str, str],
            on_error: ErrorHook | None) -> Any:
    """What a domain error becomes: a field error under its input when `fields` names it,
    otherwise what the handler's own hook `(self, exc, caller)` returns (caller None when the
    session check itself refused), or a toast. The hook runs for every domain error, for what
    the handler must also do then (stop a spinner); under a field its answer is not sent."""
    # A form error may name several fields at once (`errors`: field -> message).
    named = getattr(exc, "errors", None)
    per_field = named if isinstance(named, dict) else {exc.field: exc.message}
    shown = [field for field in per_field if field in fields]
    for field in shown:
        setattr(state, fields[field], per_field[field])
    answer = on_error(state, exc, caller) if on_error is not None else error_toast(exc)
    return None if shown else answer


@dataclass(frozen=True)
class _Finished:
    value: Any


def _advance(gen: Iterator[Any]) -> Any:
    """One step of a generator body (in a worker thread): the next yielded value, or
    `_Finished(return value)`."""
    try:
        return next(gen)
    except StopIteration as stop:
        return _Finished(stop.value)


def _handler(role: Role, *, fields: Mapping[str, str] | None = None, on_error: ErrorHook | None = None,
             inline: bool = False, page: bool = False) -> Callable[[Callable[..., Any]], Any]:
    field_vars = dict(fields or {})

    def decorate(body: Callable[..., Any]) -> Any:
        if page and (role == "public" or inspect.isgeneratorfunction(body)):
            raise TypeError(f"{body.__qualname__}: a page loader is a plain customer or admin handler")
        params = list(inspect.signature(body).parameters.values())
        skip = 1 if role == "public" else 2  # self, then caller
        exposed = inspect.Signature([params[0], *params[skip:]])
        hidden = {p.name for p in params[1:skip]}
        is_generator = inspect.isgeneratorfunction(body)

        def begin(state: Any, token: str, box: list[Caller | None], args: tuple[Any, ...],
                  kwargs: dict[str, Any]) -> Any:
            for var in field_vars.values():
                setattr(state, var, "")
            if role == "public":
                return body(state, *args, **kwargs)
            try:
                box[0] = _resolve(role, token)
            except AccessDenied as exc:
                if not page:
                    raise
                return state._page_refused(exc)  # the page is not shown: no body, no hook
            if page:
                state._fill_header(box[0])
            return body(state, box[0], *args, **kwargs)

        async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
            return fn(*args) if inline else await asyncio.to_thread(fn, *args)

        def label(state: Any) -> str:
            # The concrete class, not the body's: a mixin's handler serves several pages.
            return f"{type(state).__name__}.{body.__name__}"

        def guarded(state: Any, box: list[Caller | None], fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
            try:
                return "ok", fn(*args)
            except DomainError as exc:
                return "domain_error", _report(state, exc, box[0], field_vars, on_error)

        if is_generator:
            async def wrapper(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                started, outcome = time.perf_counter(), "error"
                token = self.session_token if role != "public" else ""
                box: list[Caller | None] = [None]  # the caller, once resolved, for `on_error`
                try:
                    outcome, gen = await in_worker(guarded, self, box, begin, self, token, box, args, kwargs)
                    if outcome != "ok":
                        yield gen  # what the domain error became
                        return
                    while True:
                        outcome, item = await in_worker(guarded, self, box, _advance, gen)
                        if isinstance(item, _Finished):
                            if item.value is not None:
                                yield item.value
                            return
                        yield item
                        if outcome != "ok":
                            return
                except Exception:
                    outcome = "error"
                    raise
                finally:
                    EVENT_SECONDS.labels(label(self), outcome).observe(time.perf_counter() - started)
        else:
            async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                started, outcome = time.perf_counter(), "error"
                token = self.session_token if role != "public" else ""
                box: list[Caller | None] = [None]  # the caller, once resolved, for `on_error`
                try:
                    outcome, result = await in_worker(guarded, self, box, begin, self, token, box, args, kwargs)
                    return result
                finally:
                    EVENT_SECONDS.labels(label(self), outcome).observe(time.perf_counter() - started)

        functools.update_wrapper(wrapper, body)
        wrapper.__signature__ = exposed  # type: ignore[attr-defined]  # Reflex reads the event args from it
        wrapper.__annotations__ = {k: v for k, v in body.__annotations__.items() if k not in hidden}
        return rx.event(wrapper)

    return decorate


def public_handler(fn: Callable[..., Any] | None = None, *, fields: Mapping[str, str] | None = None,
                   on_error: ErrorHook | None = None, inline: bool = False) -> Any:
    """Any visitor may call it: body `(self, *args)`."""
    decorate = _handler("public", fields=fields, on_error=on_error, inline=inline)
    return decorate(fn) if fn is not None else decorate


def customer_handler(fn: Callable[..., Any] | None = None, *, fields: Mapping[str, str] | None = None,
                     on_error: ErrorHook | None = None, page: bool = False) -> Any:
    """A logged-in user (customer or admin): body `(self, caller, *args)`; ownership is the
    service's business (every service takes `user_id=caller.user_id`).

    `page=True`: the page's `on_load` loader, which is also its guard — a refused session
    redirects (to the login form, back here after it) instead of a toast, and the header is
    filled from the same caller check. One event and one session query per page open instead
    of a separate guard event before the loader."""
    decorate = _handler("customer", fields=fields, on_error=on_error, page=page)
    return decorate(fn) if fn is not None else decorate


def admin_handler(fn: Callable[..., Any] | None = None, *, fields: Mapping[str, str] | None = None,
                  on_error: ErrorHook | None = None, page: bool = False) -> Any:
    """An admin, re-checked from the database on every call: body `(self, caller, *args)`.
    `page=True` as for `customer_handler`; a customer is sent to the dashboard and an admin
    without a second factor to «Безопасность», each with a toast saying why."""
    decorate = _handler("admin", fields=fields, on_error=on_error, page=page)
    return decorate(fn) if fn is not None else decorate


def unless_denied(state: Any, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
    """`on_error` for a second `on_load` loader beside a page loader: a refused session says
    nothing more (the page loader has already redirected and said why); any other error is a
    toast."""
    del state, caller
    return None if isinstance(exc, AccessDenied) else error_toast(exc)
