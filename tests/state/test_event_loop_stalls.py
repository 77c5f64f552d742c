"""No state handler blocks the event loop.

Reflex runs every handler on the backend's event loop; a blocking call there (the database,
argon2, YooKassa over HTTP, SMTP, file I/O) makes every websocket of the process wait. This
test records each such call made on the thread that runs the loop, then drives EVERY public
handler of every state class the way Reflex does (on a running loop) with a valid session —
an admin's for admin pages, the data owner's for the rest, none for public handlers — and
asserts that nothing was recorded.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
import smtplib
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
import requests
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.state.harness import make_state, run_coroutine, run_on_loop
from tests.state.test_handler_security import (
    HANDLERS,
    PUBLIC_HANDLERS,
    _args,
    _id,
    _is_admin_class,
    _seed_victim,
)


def _on_loop() -> bool:
    return asyncio._get_running_loop() is not None


class StallRecorder:
    """Patches the blocking primitives to note calls made on an event loop's thread."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def note(self, what: str) -> None:
        if _on_loop():
            self.violations.append(what)

    def wrap(self, what: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.note(what)
            return fn(*args, **kwargs)

        return watched

    def on_sql(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.note(f"database: {statement.split(chr(10))[0][:60]}")


@pytest.fixture
def stalls(monkeypatch: pytest.MonkeyPatch) -> Iterator[StallRecorder]:
    recorder = StallRecorder()
    event.listen(Engine, "before_cursor_execute", recorder.on_sql)
    # Hashes run on a pool of their own: what must not happen on the loop is waiting for one. (The
    # loop itself reads the result of a future that is already done: asyncio.to_thread does.)
    wait_for_future = Future.result

    def result(future: Future, timeout: float | None = None) -> Any:
        if not future.done():
            recorder.note("waiting for a worker thread (argon2)")
        return wait_for_future(future, timeout)

    monkeypatch.setattr(Future, "result", result)
    monkeypatch.setattr(requests.Session, "send", recorder.wrap("HTTP (YooKassa)", requests.Session.send))
    monkeypatch.setattr(smtplib.SMTP, "connect", recorder.wrap("SMTP", smtplib.SMTP.connect))
    monkeypatch.setattr(builtins, "open", recorder.wrap("file open", builtins.open))
    monkeypatch.setattr(os, "open", recorder.wrap("file open", os.open))
    try:
        yield recorder
    finally:
        event.remove(Engine, "before_cursor_execute", recorder.on_sql)


def test_recorder_catches_a_blocking_call_on_the_loop(stalls: StallRecorder, make_customer) -> None:
    """The detector itself works: a query on the loop is caught, one in a worker thread is not."""
    from ispgo_portal.services.accounts.summary import account_summary

    user_id = make_customer()

    async def on_loop_then_thread() -> None:
        account_summary(user_id=user_id)
        await asyncio.to_thread(account_summary, user_id=user_id)

    count = len(stalls.violations)
    run_coroutine(on_loop_then_thread())
    caught = stalls.violations[count:]
    assert caught and all(v.startswith("database") for v in caught)
    stalls.violations.clear()
    run_coroutine(asyncio.to_thread(account_summary, user_id=user_id))
    assert stalls.violations == []


def test_recorder_catches_a_password_hash_on_the_loop(stalls: StallRecorder) -> None:
    from ispgo_portal.services.accounts.passwords import hash_password

    async def on_loop() -> None:
        hash_password("a-password-to-hash")

    run_coroutine(on_loop())
    assert stalls.violations == ["waiting for a worker thread (argon2)"]
    stalls.violations.clear()
    run_coroutine(asyncio.to_thread(hash_password, "a-password-to-hash"))
    assert stalls.violations == []


@pytest.mark.parametrize("handler", HANDLERS, ids=[_id(h) for h in HANDLERS])
def test_handler_does_not_block_the_event_loop(handler: tuple[type, str], stalls: StallRecorder,
                                               make_admin, session_token) -> None:
    cls, name = handler
    ids = _seed_victim()
    if _id(handler) in PUBLIC_HANDLERS:
        token = ""
    elif _is_admin_class(cls):
        token = session_token(make_admin(email="boss@example.ru"))
    else:
        token = session_token(ids["user"])  # the owner of every seeded object: the real work runs
    state = make_state(cls, token, url="/licenses?highlight=1&payment=1&token=x")
    stalls.violations.clear()
    with contextlib.suppress(Exception):  # what a handler answers is other tests' business
        run_coroutine(run_on_loop(state, name, *_args(cls, name, ids)))
    assert sorted(set(stalls.violations)) == [], f"{_id(handler)} blocked the event loop"
