"""Calling state handlers the way Reflex calls them, without a browser: a real state tree,
the session cookie the browser's websocket handshake would carry, and the handler's own function."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run_coroutine(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run `coro` to completion on a fresh event loop in its own thread: the caller's thread
    may already have a running loop (Playwright's sync API keeps one for the browser tests)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def make_state(cls: type, token: str = "", url: str = "") -> Any:
    """The instance of `cls` in a fresh state tree, logged in with `token` (empty: anonymous),
    on the page `url` when given ("/licenses?highlight=7")."""
    from reflex.state import State

    import ispgo_portal.ispgo_portal  # noqa: F401 - registers every state class

    root = State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    object.__setattr__(state, "dirty_vars", set())
    router_data: dict[str, Any] = {}
    if url:
        path, _, query = url.partition("?")
        router_data = {"pathname": path, "query": dict(p.split("=") for p in query.split("&") if p),
                       "asPath": url}
    root.router_data = router_data
    log_in(state, token)
    return state


def log_in(state: Any, token: str) -> None:
    """Give the state's websocket the session cookie, as the browser's handshake would."""
    from ispgo_portal.services.accounts.cookie import SESSION_COOKIE

    root = state
    while root.parent_state is not None:
        root = root.parent_state
    headers = {"cookie": f"{SESSION_COOKIE}={token}"} if token else {}
    root.router_data = {**root.router_data, "headers": headers}
    root.router = type(root.router).from_router_data(root.router_data)


def call(state: Any, name: str, *args: Any) -> Any:
    """Run a handler to its end and give what it returned (a coroutine's result; what an
    async generator yielded, as a list; a plain handler's return value as it is)."""
    result = type(state).event_handlers[name].fn(state, *args)
    if inspect.iscoroutine(result):
        return run_coroutine(result)
    if inspect.isasyncgen(result):
        return run_coroutine(_drain(result))
    return result


async def _drain(result: Any) -> list[Any]:
    return [item async for item in result]


def run(state: Any, name: str, *args: Any) -> list[Any]:
    """Call a handler and collect everything it yields or returns, draining (async) generators."""
    return run_coroutine(run_on_loop(state, name, *args))


async def run_on_loop(state: Any, name: str, *args: Any) -> list[Any]:
    """What Reflex's event processor does: call the handler on the running event loop and drain
    what it produces there (a plain `def` handler therefore runs on the loop thread)."""
    result = type(state).event_handlers[name].fn(state, *args)
    if inspect.iscoroutine(result):
        return [await result]
    if inspect.isasyncgen(result):
        return await _drain(result)
    if inspect.isgenerator(result):
        return list(result)
    return [result]
