"""Auto-renewal of 1,000 licenses where 300 owners need their saved card (20 of those cards
declined), run by two worker processes at once, one of them killed in the middle, then a
fresh pass: every license is renewed or suspended exactly once, every card is charged at most
once per license term, and every balance equals its ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License, Payment, PaymentMethod, Tariff, User
from ispgo_portal.services.billing.ledger import ledger_mismatches
from ispgo_portal.services.licensing import renewals

ROOT = Path(__file__).resolve().parents[2]
PRICE = 100_000
LICENSES, CARD_OWNERS, DECLINED = 1000, 300, 20
DECLINE_REASONS = ("insufficient_funds", "card_expired", "general_decline", "call_issuer", "permission_revoked")
WORKER = ("import ispgo_portal.services.licensing\n"
          "from ispgo_portal.services.licensing.renewals import run_renewal_pass\n"
          "r = run_renewal_pass()\n"
          "print('PASS', r.renewed, r.suspended, r.failed, r.card_charges, flush=True)\n")


def _seed(control) -> tuple[list[int], set[int], dict[int, str]]:
    """1,000 customers with one due license each; every tenth three have no money but a saved
    card. Returns (license ids, ids of the card owners' licenses, declined: license -> reason)."""
    now = utcnow()
    tag = f"{now.timestamp():.6f}"
    needs_card = [i % 10 < 3 for i in range(LICENSES)]
    with session_scope() as session:
        tariff = Tariff(name="Автоплатёж", price=PRICE, period_days=30)
        session.add(tariff)
        session.flush()
        session.execute(insert(User), [
            {"email": f"ap{i}-{tag}@example.ru", "name": f"Клиент {i}", "password_hash": "!", "role": "customer",
             "balance": 0 if needs_card[i] else 2 * PRICE, "credit_limit": 0, "discount_percent": 0,
             "is_blocked": False, "created_at": now, "updated_at": now} for i in range(LICENSES)])
        users = list(session.execute(select(User.id, User.balance).where(
            User.email.like(f"ap%-{tag}@example.ru")).order_by(User.id)).all())
        session.execute(insert(LedgerEntry), [
            {"user_id": uid, "kind": "adjustment", "amount": bal, "balance_after": bal,
             "description": "Начальный баланс (тест)", "reference": f"seed:{uid}", "created_at": now}
            for uid, bal in users if bal])
        expires = now - timedelta(minutes=1)
        session.execute(insert(License), [
            {"user_id": uid, "tariff_id": tariff.id, "key": f"AP-{uid:08d}-{tag}", "status": "active",
             "status_reason": "", "auto_renew": True, "starts_at": expires - timedelta(days=30),
             "expires_at": expires, "reminded_for": "", "created_at": now, "updated_at": now}
            for uid, _bal in users])
        lic_of = dict(session.execute(select(License.user_id, License.id).where(License.tariff_id == tariff.id)).all())
        card_users = [uid for uid, bal in users if bal == 0]
        assert len(card_users) == CARD_OWNERS
        methods = [control.add_method(last4=f"{n:04d}") for n in range(CARD_OWNERS)]
        session.execute(insert(PaymentMethod), [
            {"user_id": uid, "yookassa_method_id": m["id"], "method_type": "bank_card", "card_type": "MasterCard",
             "last4": m["card"]["last4"], "expiry_month": "12", "expiry_year": "2030", "title": m["title"],
             "is_autopay": True, "decline_reason": "", "created_at": now}
            for uid, m in zip(card_users, methods, strict=True)])
    declined = {}
    for n, (uid, method) in enumerate(zip(card_users[::15], methods[::15], strict=True)):
        reason = DECLINE_REASONS[n % len(DECLINE_REASONS)]
        control.decline_method(method["id"], reason)
        declined[lic_of[uid]] = reason
    assert len(declined) == DECLINED
    return sorted(lic_of.values()), {lic_of[uid] for uid in card_users}, declined


def _processed() -> int:
    with session_scope() as session:
        renewed = session.execute(select(func.count()).select_from(LedgerEntry)
                                  .where(LedgerEntry.kind == "renewal")).scalar_one()
        suspended = session.execute(select(func.count()).select_from(License)
                                    .where(License.status == "suspended")).scalar_one()
    return renewed + suspended


def _worker() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def test_thousand_licenses_three_hundred_cards_two_workers_one_killed(control) -> None:
    started = time.monotonic()
    license_ids, card_licenses, declined = _seed(control)
    print(f"seeded in {time.monotonic() - started:.1f} s")
    doomed, survivor = _worker(), _worker()
    deadline = time.monotonic() + 120
    while _processed() < 300:
        assert time.monotonic() < deadline, "the passes did not get under way"
        assert doomed.poll() is None, "the worker to kill finished before it could be killed"
        time.sleep(0.02)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert "PASS" not in (doomed.stdout.read() or "")
    print(f"killed at {time.monotonic() - started:.1f} s")
    out, _ = survivor.communicate(timeout=180)
    assert out.startswith("PASS")
    print(f"survivor done at {time.monotonic() - started:.1f} s: {out.strip()}")
    print(renewals.run_renewal_pass().summary())
    print(f"fresh pass done at {time.monotonic() - started:.1f} s")  # whatever the killed worker held is picked up here

    with session_scope() as session:
        licenses = {lic.id: lic for lic in session.exec(select(License).where(License.id.in_(license_ids))).all()}
        renewal_rows = Counter(session.exec(select(LedgerEntry.reference).where(LedgerEntry.kind == "renewal")).all())
        autopay = list(session.exec(select(Payment).where(Payment.purpose == "autopay")).all())
        assert ledger_mismatches(session) == []
    # Each license: renewed once (one ledger row for its ended term) or suspended, never both.
    assert set(renewal_rows.values()) == {1}
    renewed_ids = {int(ref.split(":")[1]) for ref in renewal_rows}
    suspended_ids = {lid for lid, lic in licenses.items() if lic.status == "suspended"}
    assert renewed_ids.isdisjoint(suspended_ids)
    assert renewed_ids | suspended_ids == set(license_ids)
    assert suspended_ids == set(declined)
    assert all(licenses[lid].expires_at > utcnow() + timedelta(days=29) for lid in renewed_ids)
    # Each card charged at most once for its license's term: one payment of ours per card
    # license, and YooKassa saw one payment per such payment of ours.
    assert Counter(p.license_id for p in autopay) == Counter(card_licenses)
    remote = [p for p in control.payments() if p.get("payment_method") and p["metadata"].get("purpose") == "autopay"]
    assert Counter(p["metadata"]["payment_id"] for p in remote) == Counter(str(p.id) for p in autopay)
    assert {p.status for p in autopay if p.license_id in declined} == {"canceled"}
    assert {p.status for p in autopay if p.license_id not in declined} == {"succeeded"}
    with session_scope() as session:
        revoked = [lid for lid, reason in declined.items() if reason == "permission_revoked"]
        owners = [licenses[lid].user_id for lid in revoked]
        assert session.exec(select(PaymentMethod).where(PaymentMethod.user_id.in_(owners))).all() == []
    print(f"1000 licenses, 300 cards, two workers, one killed: {time.monotonic() - started:.1f} s")
