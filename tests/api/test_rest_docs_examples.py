"""The REST API samples of «Документация» work as printed, against the real API (the portal's
HTTP app on a server, YooKassa through the real SDK and the emulator).

The Python sample is the reseller's script of issue 11: top up, buy three licenses, renew one,
open a ticket. Run twice with the same keys it gives the same result and no second effect."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from sqlmodel import select

from ispgo_portal.content import docs, rest_api_docs
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment, Ticket
from tests.payments.helpers import balance_of, ledger_of


def _run(source: str, token: str, *, run: str = "test-run") -> subprocess.CompletedProcess:
    env = {**os.environ, "ISPGO_TOKEN": token, "RUN": run}
    return subprocess.run([sys.executable, "-c", source], env=env, capture_output=True, text=True, timeout=60)


def _pay_when_asked(control, stop: threading.Event) -> threading.Thread:
    """The customer paying at the checkout page while the script waits."""
    paid: set[str] = set()

    def payer() -> None:
        while not stop.wait(0.2):
            with session_scope() as session:
                ids = session.exec(select(Payment.yookassa_id).where(Payment.status == "pending")).all()
            for yookassa_id in set(ids) - paid:
                control.pay(yookassa_id)
                paid.add(yookassa_id)

    thread = threading.Thread(target=payer, daemon=True)
    thread.start()
    return thread


def test_reseller_script_works_and_is_safe_to_run_twice(portal_api, control, make_customer, make_token,
                                                         make_tariff) -> None:
    make_tariff(name="Старт", price=50_000)
    make_tariff(name="Бизнес", price=120_000)
    user = make_customer(email="reseller@example.ru")
    token = make_token(user, "read,write")
    source = docs.sample(rest_api_docs.PYTHON_EXAMPLE, portal_api.url)
    stop = threading.Event()
    payer = _pay_when_asked(control, stop)
    try:
        first = _run(source, token)
        second = _run(source, token)
    finally:
        stop.set()
        payer.join(timeout=5)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout.splitlines()[-4:] == second.stdout.splitlines()[-4:]
    assert first.stdout.splitlines()[-1] == "Баланс, копеек: 100000"  # 3 000 ₽ − 4 × 500 ₽
    with session_scope() as session:
        assert len(session.exec(select(License).where(License.user_id == user)).all()) == 3
        assert len(session.exec(select(Ticket).where(Ticket.user_id == user)).all()) == 1
        assert len(session.exec(select(Payment).where(Payment.user_id == user)).all()) == 1
    assert [e.kind for e in ledger_of(user)] == ["topup", "purchase", "purchase", "purchase", "renewal"]
    assert balance_of(user) == 100_000


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_curl_example_works(portal_api, make_customer, make_token) -> None:
    user = make_customer()
    script = docs.sample(rest_api_docs.CURL_EXAMPLE, portal_api.url).replace(
        "export ISPGO_TOKEN=ispgo_…", "")
    env = {**os.environ, "ISPGO_TOKEN": make_token(user, "read,write")}
    for _ in range(2):
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    me, end = decoder.raw_decode(result.stdout)
    ticket, _ = decoder.raw_decode(result.stdout[end:].lstrip())
    assert me["id"] == user and ticket["subject"] == "Закрывающие документы"
    with session_scope() as session:
        assert len(session.exec(select(Ticket)).all()) == 1  # the repeated POST replayed


def test_reference_covers_every_path_of_the_openapi_document() -> None:
    doc = rest_api_docs.openapi_document()
    listed = {(op.method, op.path) for op in rest_api_docs.reference()}
    assert listed == {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    for op in rest_api_docs.reference():
        assert op.scope in ("read", "write") and op.summary and op.answers and "401" in op.errors
