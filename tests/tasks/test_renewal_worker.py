"""The renewal pass in real Celery worker processes on the real Redis broker, with the
emails delivered to a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, User
from ispgo_portal.services.billing.ledger import ledger_mismatches
from ispgo_portal.services.licensing.renewals import autorenew_reference
from ispgo_portal.tasks.renewals import run_renewal_pass
from tests.tasks.conftest import wait_until
from tests.tasks.seeding import due_count, renewal_counts, seed_due_licenses
from tests.tasks.smtp_sink import text_part

NBSP = "\u00a0"
PRICE = 100_000
# The task logs PassResult.summary(): "Продлено: N (…), …, ошибок: M".
PASS_DONE = re.compile(r"renewal pass: Продлено: (\d+) .*, ошибок: (\d+)")


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


def _passes_done(*workers) -> list[int]:
    """Licenses renewed by each finished pass."""
    return [int(n) for w in workers for n, _errors in PASS_DONE.findall(w.log())]


def _pass_errors(*workers) -> list[int]:
    """The error count of each finished pass: a license two workers fought over (the unique
    ledger reference refusing the second charge) counts here, not in the renewals."""
    return [int(errors) for w in workers for _n, errors in PASS_DONE.findall(w.log())]


def _renewal_references() -> dict[int, list[str]]:
    """Ledger references of the auto-renewal charges, per license."""
    with session_scope() as session:
        refs = session.exec(select(LedgerEntry.reference).where(LedgerEntry.kind == "renewal")).all()
    per_license: dict[int, list[str]] = {}
    for ref in refs:
        prefix, license_id, _term_end = ref.split(":", 2)
        assert prefix == "autorenew", ref
        per_license.setdefault(int(license_id), []).append(ref)
    return per_license


def test_worker_renews_from_balance_and_email_arrives(make_customer, make_tariff, smtp_sink,
                                                      start_worker) -> None:
    user_id = make_customer(balance=150_000, email="ivan@example.ru", name="Иван")
    license_id = _due_license(user_id, make_tariff(name="Бизнес", price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="продлена")
    assert f"Списано: 1{NBSP}000,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (50_000, "active", 1)


def test_worker_renews_from_balance_then_credit(make_customer, make_tariff, smtp_sink,
                                                start_worker) -> None:
    user_id = make_customer(balance=40_000, credit_limit=100_000, discount=10, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="продлена")
    assert f"Списано: 900,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (-50_000, "active", 1)


def test_worker_suspends_when_short_and_charges_nothing(make_customer, make_tariff, smtp_sink,
                                                       start_worker) -> None:
    user_id = make_customer(balance=10_000, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE))
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="Не удалось продлить")
    assert f"Не хватает: 900,00{NBSP}₽" in text_part(message)
    assert _state(user_id, license_id) == (10_000, "suspended", 0)


def test_worker_expires_license_without_auto_renew(make_customer, make_tariff, smtp_sink,
                                                   start_worker) -> None:
    user_id = make_customer(balance=500_000, email="ivan@example.ru")
    license_id = _due_license(user_id, make_tariff(price=PRICE), auto_renew=False)
    start_worker(smtp_port=smtp_sink.port)
    run_renewal_pass.delay()
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru", subject_part="истёк")
    assert "перешла в статус «Истекла»" in text_part(message)
    assert _state(user_id, license_id) == (500_000, "expired", 0)


def _assert_each_renewed_once(license_ids: list[int], terms_ended: dict[int, datetime]) -> None:
    """One renewal ledger row per license, for the term that had ended, and nothing else."""
    counts = renewal_counts()
    assert len(counts) == len(license_ids)
    assert set(counts.values()) == {1}
    assert _renewal_references() == {
        lid: [autorenew_reference(lid, terms_ended[lid])] for lid in license_ids}
    with session_scope() as session:
        licenses = session.exec(select(License).where(License.id.in_(license_ids))).all()
        balances = {u.balance for u in session.exec(select(User).where(User.id.in_(counts))).all()}
        assert ledger_mismatches(session) == []
    assert {lic.status for lic in licenses} == {"active"}
    assert min(as_utc(lic.expires_at) for lic in licenses) > utcnow() + timedelta(days=29)
    assert balances == {2 * PRICE}


def _terms_ended(license_ids: list[int]) -> dict[int, datetime]:
    with session_scope() as session:
        rows = session.exec(select(License.id, License.expires_at).where(License.id.in_(license_ids))).all()
    return {lid: expires_at for lid, expires_at in rows}


def test_pass_run_twice_renews_once(start_worker) -> None:
    license_ids = seed_due_licenses(50, price=PRICE, balance=3 * PRICE)
    terms = _terms_ended(license_ids)
    worker = start_worker()
    run_renewal_pass.delay()
    run_renewal_pass.delay()
    wait_until(lambda: len(_passes_done(worker)) == 2, what="both passes")
    assert sorted(_passes_done(worker)) == [0, 50]
    assert _pass_errors(worker) == [0, 0]
    _assert_each_renewed_once(license_ids, terms)


def test_two_workers_share_one_thousand_due_licenses(start_worker) -> None:
    license_ids = seed_due_licenses(1000, price=PRICE, balance=3 * PRICE)
    terms = _terms_ended(license_ids)
    first, second = start_worker(name="first"), start_worker(name="second")
    run_renewal_pass.delay()
    run_renewal_pass.delay()
    wait_until(lambda: len(_passes_done(first, second)) == 2, what="a pass in each worker", timeout=300)
    per_worker = [_passes_done(first), _passes_done(second)]
    assert sum(sum(n) for n in per_worker) == 1000
    assert all(n and n[0] > 0 for n in per_worker), f"both workers renewed licenses: {per_worker}"
    # Without the row locks both workers pick the same licenses, and every second charge of a
    # term is refused by the unique ledger reference: the totals still add up, the errors do not.
    assert _pass_errors(first, second) == [0, 0]
    _assert_each_renewed_once(license_ids, terms)


def test_worker_killed_mid_pass_then_fresh_pass_renews_each_once(start_worker) -> None:
    license_ids = seed_due_licenses(1000, price=PRICE, balance=3 * PRICE)
    terms = _terms_ended(license_ids)
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
    assert _pass_errors(fresh) == [0]
    assert due_count() == 0
    _assert_each_renewed_once(license_ids, terms)
