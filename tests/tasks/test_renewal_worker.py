"""The renewal pass in real Celery worker processes on the real Redis broker, with the
emails delivered to a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, User
from ispgo_portal.services.billing import ledger_mismatches
from ispgo_portal.tasks.renewals import run_renewal_pass
from tests.tasks.conftest import wait_until
from tests.tasks.seeding import due_count, renewal_counts, seed_due_licenses
from tests.tasks.smtp_sink import text_part

NBSP = "\u00a0"
PRICE = 100_000
PASS_DONE = re.compile(r"renewal pass: Продлено: (\d+)")


def _due_license(user_id: int, tariff_id: int, *, auto_renew: bool = True) -> int:
    with session_scope() as session:
        lic = License(user_id=user_id, tariff_id=tariff_id, key=f"ISPG-W{user_id:03d}-TEST-0001",
                      auto_renew=auto_renew, expires_at=utcnow() - timedelta(minutes=1))
        session.add(lic)
        session.flush()
        return lic.id


def _state(user_id: int, license_id: int) -> tuple[int, str, int]:
    """(balance, license status, renewal ledger rows)."""
    with session_scope() as session:
        renewals = session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id,
                                                          LedgerEntry.kind == "renewal")).all()
        return (session.get(User, user_id).balance, session.get(License, license_id).status, len(renewals))


def _passes_done(*workers) -> list[int]:  # noqa: ANN002
    return [int(n) for w in workers for n in PASS_DONE.findall(w.log())]


def test_worker_renews_from_balance_and_email_arrives(make_customer, make_tariff, smtp_sink,
                                                      start_worker) -> None:  # noqa: ANN001
    user_id = make_customer(balance=150_000, email="ivan@example.ru", name="Иван")
    license_id = _due_license(user_id, make_tariff(name="Бизнес", price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="продлена")
    assert f"Списано: 1{NBSP}000,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (50_000, "active", 1)


def test_worker_renews_from_balance_then_credit(make_customer, make_tariff, smtp_sink,
                                                start_worker) -> None:  # noqa: ANN001
    user_id = make_customer(balance=40_000, credit_limit=100_000, discount=10, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="продлена")
    assert f"Списано: 900,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (-50_000, "active", 1)


def test_worker_suspends_when_short_and_charges_nothing(make_customer, make_tariff, smtp_sink,
                                                       start_worker) -> None:  # noqa: ANN001
    user_id = make_customer(balance=10_000, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="Не удалось продлить")
    assert f"Не хватает: 900,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (10_000, "suspended", 0)


def test_worker_expires_license_without_auto_renew(make_customer, make_tariff, smtp_sink,
                                                   start_worker) -> None:  # noqa: ANN001
    user_id = make_customer(balance=500_000, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE), auto_renew=False)
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="истёк")
    assert "перешла в статус «Истекла»" in text_part(message)
    assert _state(user_id, license_id) == (500_000, "expired", 0)


def _assert_each_renewed_once(license_ids: list[int]) -> None:
    counts = renewal_counts()
    assert len(counts) == len(license_ids)
    assert set(counts.values()) == {1}
    with session_scope() as session:
        licenses = session.exec(select(License).where(License.id.in_(license_ids))).all()
        balances = {u.balance for u in session.exec(select(User).where(User.id.in_(counts))).all()}
        assert ledger_mismatches(session) == []
    assert {lic.status for lic in licenses} == {"active"}
    assert min(as_utc(lic.expires_at) for lic in licenses) > utcnow() + timedelta(days=29)
    assert balances == {2 * PRICE}


def test_pass_run_twice_renews_once(start_worker) -> None:  # noqa: ANN001
    license_ids = seed_due_licenses(50, price=PRICE, balance=3 * PRICE)
    worker = start_worker()
    run_renewal_pass.delay()
    run_renewal_pass.delay()
    wait_until(lambda: len(_passes_done(worker)) == 2, what="both passes")
    assert sorted(_passes_done(worker)) == [0, 50]
    _assert_each_renewed_once(license_ids)


def test_two_workers_share_one_thousand_due_licenses(start_worker) -> None:  # noqa: ANN001
    license_ids = seed_due_licenses(1000, price=PRICE, balance=3 * PRICE)
    first, second = start_worker(name="first"), start_worker(name="second")
    run_renewal_pass.delay()
    run_renewal_pass.delay()
    wait_until(lambda: len(_passes_done(first, second)) == 2, what="a pass in each worker", timeout=300)
    per_worker = [_passes_done(first), _passes_done(second)]
    assert sum(sum(n) for n in per_worker) == 1000
    assert all(n and n[0] > 0 for n in per_worker), f"both workers renewed licenses: {per_worker}"
    _assert_each_renewed_once(license_ids)


def test_worker_killed_mid_pass_then_fresh_pass_renews_each_once(start_worker) -> None:  # noqa: ANN001
    license_ids = seed_due_licenses(1000, price=PRICE, balance=3 * PRICE)
    doomed = start_worker(name="doomed")
    run_renewal_pass.delay()
    wait_until(lambda: sum(renewal_counts().values()) >= 100, what="the pass to be under way", interval=0.01)
    doomed.kill()
    renewed_before_fresh_pass = sum(renewal_counts().values())
    assert 100 <= renewed_before_fresh_pass < 1000, "the worker died in the middle of the pass"
    assert _passes_done(doomed) == []
    fresh = start_worker(name="fresh")
    run_renewal_pass.delay()
    wait_until(lambda: _passes_done(fresh), what="the fresh pass", timeout=300)
    assert _passes_done(fresh) == [1000 - renewed_before_fresh_pass]
    assert due_count() == 0
    _assert_each_renewed_once(license_ids)
