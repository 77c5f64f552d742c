"""Money soak: many mixed money operations from several threads, then the drift check.

    .venv/bin/python bench/money_soak.py [--ops 100000] [--threads 8] [--customers 40] [--seed 1]

On a throwaway PostgreSQL database (TEST_PG_URL's server) with the YooKassa emulator in this
process, `--threads` threads run `--ops` operations in total, each picked at random and
done through the service the portal uses: top-ups (booked as settlement books them, and a
share through the emulator: created with the real SDK, paid, settled), purchases and manual
renewals from the balance (some with promo codes), auto-renewals at term end, refunds,
admin balance corrections, credit-limit, discount and promo changes. The customers are few,
so the threads keep meeting on the same rows.

A refusal the rules call for (insufficient funds, an exhausted promo, a refund above what
is left) is counted, not an error; anything else raised is an error. It prints ops/s and
latency per kind and overall, then checks for drift:
* every customer's balance equals the sum of their ledger;
* every promo code's uses_count equals its redemption rows (and stays within its limit);
* every payment's refunded_amount equals its succeeded refunds and their ledger rows.
Exit status 1 on any drift or unexpected error.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from _common import create_database, drop_database, enrol_admin, percentile_ms

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
TARIFF_PRICES = (100_000, 33_333, 149_050, 99)
PROMOS = {"SOAK10": (10, 0), "SOAK50": (50, 500), "SOAKFREE": (100, 50)}  # code: (percent, max uses)
REASON = "Нагрузочная проверка"
# Kind → weight. Emulator top-ups and refunds make HTTP calls; they stay a small share.
MIX = {
    "topup": 20, "topup_yookassa": 3, "buy": 22, "renew": 15, "auto_renew": 6, "refund": 3,
    "adjust": 12, "credit_limit": 8, "discount": 8, "promo_edit": 3,
}
EXPECTED_REFUSALS = {
    "insufficient_funds", "promo_exhausted", "promo_already_used", "promo_not_found",
    "refund_exceeds_paid", "max_uses_below_used", "promo_state_unchanged",
}


@dataclass
class World:
    admin_id: int
    customers: list[int]
    tariffs: list[int]
    promos: dict[str, int]
    control: object
    licenses: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    payments: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


# --- setup -------------------------------------------------------------------------------

def _seed(customers: int) -> World:
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Tariff, User
    from ispgo_portal.services.billing import promo_admin as admin_promo

    with session_scope() as session:
        users = [User(email=f"soak{i}@example.ru", name=f"Клиент {i}", password_hash="!")
                 for i in range(customers)]
        admin = User(email="soak-admin@example.ru", name="Админ", password_hash="!", role="admin")
        tariffs = [Tariff(name=f"Тариф {p}", price=p, period_days=30, description="Нагрузка")
                   for p in TARIFF_PRICES]
        session.add_all([*users, admin, *tariffs])
        session.flush()
        ids = ([u.id for u in users], admin.id, [t.id for t in tariffs])
    customer_ids, admin_id, tariff_ids = ids
    enrol_admin(admin_id)
    promos = {code: admin_promo.create_promo(admin_id=admin_id, form=_promo_form(code, pct, uses))
              for code, (pct, uses) in PROMOS.items()}
    return World(admin_id=admin_id, customers=customer_ids, tariffs=tariff_ids, promos=promos, control=None)


def _promo_form(code: str, percent: int, max_uses: int) -> dict[str, str]:
    return {"code": code, "percent": str(percent), "max_uses": str(max_uses),
            "valid_from": "", "valid_until": "", "tariff_ids": ""}


# --- the operations ----------------------------------------------------------------------

def op_topup(w: World, rnd: random.Random) -> None:
    """Booked as a settled payment books it (billing.credit, kind topup)."""
    from ispgo_portal.db import session_scope
    from ispgo_portal.services.billing import ledger as billing

    with session_scope() as session:
        billing.credit(session, user_id=rnd.choice(w.customers), amount=rnd.randint(100, 300_000),
                       kind="topup", description="Пополнение баланса (нагрузка)",
                       reference=f"soak-topup:{uuid.uuid4().hex}")


def op_topup_yookassa(w: World, rnd: random.Random) -> None:
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Payment
    from ispgo_portal.services.billing import payments

    started = payments.start_topup(user_id=rnd.choice(w.customers), amount=rnd.randint(100, 300_000))
    with session_scope() as session:
        yookassa_id = session.get(Payment, started.payment_id).yookassa_id
    w.control.pay(yookassa_id)
    if not payments.settle_payment(payment_id=started.payment_id).applied:
        raise AssertionError(f"payment {started.payment_id} paid but not applied")
    with w.lock:
        w.payments.append(started.payment_id)


def _code(rnd: random.Random) -> str:
    return rnd.choice(["", "", "", *PROMOS, "soak50"])


def op_buy(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.licensing import licenses

    user_id = rnd.choice(w.customers)
    license_id = licenses.buy_from_balance(user_id=user_id, tariff_id=rnd.choice(w.tariffs),
                                           promo_code=_code(rnd))
    with w.lock:
        w.licenses[user_id].append(license_id)


def _some_license(w: World, rnd: random.Random) -> tuple[int, int] | None:
    with w.lock:
        owners = [uid for uid, ids in w.licenses.items() if ids]
        if not owners:
            return None
        user_id = rnd.choice(owners)
        return user_id, rnd.choice(w.licenses[user_id])


def op_renew(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.licensing import licenses

    picked = _some_license(w, rnd)
    if picked is not None:
        licenses.renew_from_balance(user_id=picked[0], license_id=picked[1], promo_code=_code(rnd))


def op_auto_renew(w: World, rnd: random.Random) -> None:
    """The term of one license ends now; the pass's per-license step settles it."""
    from sqlalchemy import update

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import License
    from ispgo_portal.services.licensing import renewals

    picked = _some_license(w, rnd)
    if picked is None:
        return
    with session_scope() as session:
        session.exec(update(License).where(License.id == picked[1])
                     .values(status="active", auto_renew=True, expires_at=utcnow() - timedelta(seconds=1)))
    with session_scope() as session:
        renewals.settle_due_license(session, license_id=picked[1], now=utcnow())


def op_refund(w: World, rnd: random.Random) -> None:
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Payment
    from ispgo_portal.services.billing import refunds

    with w.lock:
        if not w.payments:
            return
        payment_id = rnd.choice(w.payments)
    with session_scope() as session:
        paid = session.get(Payment, payment_id).amount
    amount = max(1, paid // rnd.choice([1, 2, 3, 10]))
    refunds.request_refund(admin_id=w.admin_id, payment_id=payment_id, amount=amount, reason=REASON)


def op_adjust(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.accounts import admin as admin_customers

    amount = rnd.choice([-1, 1]) * rnd.randint(1, 200_000)
    admin_customers.adjust_balance(admin_id=w.admin_id, customer_id=rnd.choice(w.customers),
                                   amount=amount, reason=REASON)


def op_credit_limit(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.accounts import admin as admin_customers

    admin_customers.set_credit_limit(admin_id=w.admin_id, customer_id=rnd.choice(w.customers),
                                     credit_limit=rnd.choice([0, 0, 10_000, 100_000, 500_000]))


def op_discount(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.accounts import admin as admin_customers

    admin_customers.set_discount(admin_id=w.admin_id, customer_id=rnd.choice(w.customers),
                                 percent=rnd.choice([0, 0, 10, 20, 50, 100]))


def op_promo_edit(w: World, rnd: random.Random) -> None:
    from ispgo_portal.services.billing import promo_admin as admin_promo

    code = rnd.choice(list(PROMOS))
    if rnd.random() < 0.3:
        active = rnd.random() < 0.7
        admin_promo.set_promo_active(admin_id=w.admin_id, promo_id=w.promos[code], active=active)
        return
    percent, limit = PROMOS[code]
    admin_promo.update_promo(admin_id=w.admin_id, promo_id=w.promos[code],
                             form=_promo_form(code, rnd.choice([percent, 20, 100]),
                                              rnd.choice([limit, 0, 100, 1000])))


OPERATIONS: dict[str, Callable[[World, random.Random], None]] = {
    "topup": op_topup, "topup_yookassa": op_topup_yookassa, "buy": op_buy, "renew": op_renew,
    "auto_renew": op_auto_renew, "refund": op_refund, "adjust": op_adjust,
    "credit_limit": op_credit_limit, "discount": op_discount, "promo_edit": op_promo_edit,
}


# --- running -----------------------------------------------------------------------------

def _worker(w: World, stats: Stats, ops: int, seed: int) -> None:
    from ispgo_portal.services.errors import DomainError

    rnd = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    for _ in range(ops):
        kind = rnd.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            OPERATIONS[kind](w, rnd)
        except DomainError as exc:
            if exc.code in EXPECTED_REFUSALS:
                stats.refused[kind] += 1
            else:
                stats.errors[kind].append(f"{exc.code}: {exc.message}")
        except Exception as exc:
            stats.errors[kind].append(f"{type(exc).__name__}: {exc}"[:300])
        stats.latencies[kind].append(time.perf_counter() - started)


def run(w: World, *, ops: int, threads: int, seed: int) -> tuple[Stats, float]:
    stats = Stats()  # appends to per-kind lists and counters are atomic enough under the GIL
    share = [ops // threads + (i < ops % threads) for i in range(threads)]
    workers = [threading.Thread(target=_worker, args=(w, stats, n, seed * 1000 + i)) for i, n in enumerate(share)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return stats, time.perf_counter() - started


def drift() -> list[str]:
    """Every way money or a promo count can have drifted; empty when none has."""
    from sqlalchemy import text

    from ispgo_portal.db import session_scope
    from ispgo_portal.services.billing.ledger import ledger_mismatches

    with session_scope() as session:
        problems = [f"customer {uid} ({email}): balance {bal} != ledger {total}"
                    for uid, email, bal, total in ledger_mismatches(session)]
        for code, uses, max_uses, rows in session.execute(text(
            "SELECT p.code, p.uses_count, p.max_uses, count(r.id) FROM promo_codes p"
            " LEFT JOIN promo_redemptions r ON r.promo_code_id = p.id GROUP BY p.id"
        )):
            if uses != rows or (max_uses and uses > max_uses):
                problems.append(f"promo {code}: uses_count {uses}, redemptions {rows}, limit {max_uses}")
        # One ledger row per succeeded refund (reference refund:<id>), so the join adds no rows.
        for pid, paid, refunded, succeeded, booked in session.execute(text(
            "SELECT p.id, p.amount, p.refunded_amount,"
            " coalesce(sum(r.amount) FILTER (WHERE r.status = 'succeeded'), 0),"
            " coalesce(-sum(l.amount), 0)"
            " FROM payments p LEFT JOIN refunds r ON r.payment_id = p.id"
            " LEFT JOIN ledger_entries l ON l.reference = 'refund:' || r.id"
            " GROUP BY p.id"
        )):
            if not refunded == succeeded == booked or refunded > paid:
                problems.append(f"payment {pid}: paid {paid}, refunded_amount {refunded}, "
                                f"succeeded refunds {succeeded}, refund ledger rows {booked}")
    return problems


def report(stats: Stats, seconds: float) -> int:
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    print(f"{'kind':<15} {'ops':>7} {'refused':>8} {'errors':>7} {'ops/s':>8} {'mean ms':>8} {'p99 ms':>8}")
    for kind in MIX:
        lat = stats.latencies.get(kind, [])
        mean = sum(lat) / len(lat) * 1000 if lat else float("nan")
        print(f"{kind:<15} {len(lat):>7} {stats.refused.get(kind, 0):>8} {len(stats.errors.get(kind, [])):>7} "
              f"{len(lat) / seconds:>8.1f} {mean:>8.1f} {percentile_ms(lat, 0.99):>8.1f}")
    print(f"{'overall':<15} {total:>7} {sum(stats.refused.values()):>8} {errors:>7} {total / seconds:>8.1f}"
          f"   ({seconds:.1f} s)")
    for kind, messages in stats.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  error in {kind}: {message}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    db_name, db_url = create_database()
    os.environ["DATABASE_URL"] = db_url
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="ispgo-soak-")
    os.environ["REDIS_URL"] = REDIS_URL  # emails queued after commit go to this broker database
    # Thousands of YooKassa top-ups per customer within the run: the per-customer abuse limits
    # would refuse them, and the soak measures money paths, not those limits.
    os.environ["MAX_OPEN_PAYMENTS"] = os.environ["MAX_PAYMENTS_PER_HOUR"] = "1000000"
    for var in ("SMTP_HOST", "YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY"):
        os.environ.pop(var, None)
    import redis

    from ispgo_portal.payments.emulator import create_emulator_app
    from ispgo_portal.payments.emulator_control import EmulatorControl
    from ispgo_portal.payments.emulator_server import ThreadedServer
    from ispgo_portal.payments.emulator_store import EmulatorConfig

    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    # Payments send the customer back to the portal's own origin, the only one YooKassa takes.
    base_url = os.environ.setdefault("BASE_URL", "http://localhost:3000").rstrip("/")
    emulator = ThreadedServer(create_emulator_app(EmulatorConfig(return_origins=(base_url,)))).start()
    os.environ["YOOKASSA_API_URL"] = f"{emulator.url}/v3"
    try:
        from ispgo_portal.migrations import upgrade_to_head

        upgrade_to_head()
        world = _seed(args.customers)
        world.control = EmulatorControl(emulator.url)
        print(f"{args.ops} operations, {args.threads} threads, {args.customers} customers, seed {args.seed}")
        stats, seconds = run(world, ops=args.ops, threads=args.threads, seed=args.seed)
        errors = report(stats, seconds)
        problems = drift()
        print("drift: none" if not problems else f"drift: {len(problems)} problems")
        for problem in problems[:50]:
            print(f"  {problem}")
        return 1 if problems or errors else 0
    finally:
        from ispgo_portal.db import get_engine

        get_engine().dispose()
        emulator.stop()
        broker.flushdb()
        drop_database(db_name)


if __name__ == "__main__":
    sys.exit(main())
