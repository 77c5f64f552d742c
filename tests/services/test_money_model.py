"""Model-based money test: random sequences of the portal's money operations on PostgreSQL
against a small reference model of the rules (DESIGN.md, «Money» and «Pricing»).

Every step goes through the service entry point the portal itself uses — top-ups are
created with the real SDK at the YooKassa emulator, paid there and settled by
`settle_payment`; refunds go to the emulator too — and afterwards each customer's balance
and credit limit equal the model's, every balance equals the sum of its ledger, each promo
code's use count equals the model's and its redemption rows, and each payment's refunded
amount equals the model's.

The rules the model holds (and nothing else):
* available = balance + credit limit; a charge succeeds only if available ≥ amount, and a
  0 ₽ charge never needs funds; a refund or an admin debit may take the balance anywhere;
* price = tariff × (100 − max(individual, promo)) / 100, half-up; the promo is applied (and
  only then spent) when its percent is strictly larger than the individual discount;
* a promo code is refused when inactive, when its total limit is used up, or when this
  customer has used it before — checked before the price, whichever discount wins;
* auto-renewal prices with the individual discount only; short of money it suspends the
  license and charges nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, Payment, PromoCode, PromoRedemption, Tariff, User
from ispgo_portal.payments.emulator import create_emulator_app
from ispgo_portal.payments.emulator_control import EmulatorControl
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.payments.emulator_store import EmulatorConfig
from ispgo_portal.services.accounts import admin as admin_customers
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import payments, refunds
from ispgo_portal.services.billing import promo_admin as admin_promo
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing import licenses, renewals
from tests.conftest import truncate_all
from tests.totp import enrol_totp

# Odd prices make the half-up rounding matter (99 × 0.5 = 49.5 → 50).
TARIFF_PRICES = (100_000, 33_333, 149_050, 99)
PROMOS = {"HALF": (50, 0), "ONCE": (20, 1), "FREE": (100, 2)}  # code: (percent, max uses)
CUSTOMERS = 3
REASON = "Проверка модели"

# --- the reference model -----------------------------------------------------------------


def model_price(tariff_price: int, individual: int, promo_percent: int | None) -> tuple[int, bool]:
    """(price to pay, whether the promo is what gets applied)."""
    applied = promo_percent is not None and promo_percent > individual
    percent = promo_percent if applied else individual
    value = Decimal(tariff_price) * Decimal(100 - percent) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)), applied


@dataclass
class MCustomer:
    id: int
    balance: int = 0
    credit_limit: int = 0
    discount: int = 0
    licenses: list[tuple[int, int]] = field(default_factory=list)  # (license id, tariff price)

    def can_pay(self, amount: int) -> bool:
        return amount == 0 or self.balance + self.credit_limit >= amount


@dataclass
class MPromo:
    id: int
    code: str
    percent: int
    max_uses: int
    uses: int = 0
    active: bool = True
    used_by: set[int] = field(default_factory=set)

    def refusal(self, customer: int) -> str | None:
        if not self.active:
            return "promo_not_found"
        if self.max_uses and self.uses >= self.max_uses:
            return "promo_exhausted"
        if customer in self.used_by:
            return "promo_already_used"
        return None


@dataclass
class MPayment:
    id: int
    customer: int
    amount: int
    refunded: int = 0


# --- the real thing ----------------------------------------------------------------------


def _insert_user(role: str = "customer") -> int:
    with session_scope() as session:
        user = User(email=f"m{uuid.uuid4().hex[:10]}@example.ru", name="Модель", password_hash="!", role=role)
        session.add(user)
        session.flush()
        return user.id


def _insert_tariff(price: int) -> int:
    with session_scope() as session:
        tariff = Tariff(name=f"Тариф {price}", price=price, period_days=30, description="Модель")
        session.add(tariff)
        session.flush()
        return tariff.id


def _promo_form(code: str, percent: int, max_uses: int) -> dict[str, str]:
    return {"code": code, "percent": str(percent), "max_uses": str(max_uses),
            "valid_from": "", "valid_until": "", "tariff_ids": ""}


class MoneyMachine(RuleBasedStateMachine):
    control: EmulatorControl  # set by the test before running

    def __init__(self) -> None:
        super().__init__()
        truncate_all()
        self.admin_id = _insert_user(role="admin")
        enrol_totp(self.admin_id)  # admins act only with a second factor
        self.customers = [MCustomer(id=_insert_user()) for _ in range(CUSTOMERS)]
        self.tariffs = [(_insert_tariff(price), price) for price in TARIFF_PRICES]
        self.promos = [
            MPromo(id=admin_promo.create_promo(admin_id=self.admin_id, form=_promo_form(code, pct, uses)),
                   code=code, percent=pct, max_uses=uses)
            for code, (pct, uses) in PROMOS.items()
        ]
        self.payments: list[MPayment] = []

    # -- helpers ----------------------------------------------------------------------------

    def _promo(self, code: str | None) -> MPromo | None:
        return next((p for p in self.promos if p.code == code.upper()), None) if code else None

    def _expect(self, expected_error: str | None, call) -> object:
        """Run `call`; it must fail with `expected_error` (and change nothing) or succeed."""
        if expected_error is None:
            return call()
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == expected_error, refused.value
        return None

    def _charge_with_promo(self, c: MCustomer, index: int, tariff_price: int, code: str | None,
                           call) -> object:
        promo = self._promo(code)
        refusal = promo.refusal(index) if promo else None
        price, applied = model_price(tariff_price, c.discount, promo.percent if promo else None)
        expected = refusal or (None if c.can_pay(price) else "insufficient_funds")
        result = self._expect(expected, call)
        if expected is None:
            c.balance -= price
            if applied:
                promo.uses += 1
                promo.used_by.add(index)
        return result

    # -- operations -------------------------------------------------------------------------

    @rule(who=st.integers(0, CUSTOMERS - 1), amount=st.integers(100, 300_000))
    def top_up_through_yookassa(self, who: int, amount: int) -> None:
        c = self.customers[who]
        started = payments.start_topup(user_id=c.id, amount=amount)
        with session_scope() as session:
            yookassa_id = session.get(Payment, started.payment_id).yookassa_id
        self.control.pay(yookassa_id)
        assert payments.settle_payment(payment_id=started.payment_id).applied
        c.balance += amount
        self.payments.append(MPayment(id=started.payment_id, customer=who, amount=amount))

    @rule(who=st.integers(0, CUSTOMERS - 1), tariff=st.integers(0, len(TARIFF_PRICES) - 1),
          code=st.sampled_from([None, None, *PROMOS, "half", "Free"]))
    def buy_from_balance(self, who: int, tariff: int, code: str | None) -> None:
        c = self.customers[who]
        tariff_id, price = self.tariffs[tariff]
        license_id = self._charge_with_promo(
            c, who, price, code,
            lambda: licenses.buy_from_balance(user_id=c.id, tariff_id=tariff_id, promo_code=code or ""))
        if license_id is not None:
            c.licenses.append((license_id, price))

    @precondition(lambda self: any(c.licenses for c in self.customers))
    @rule(pick=st.integers(0, 10_000), code=st.sampled_from([None, None, *PROMOS]))
    def renew_by_hand(self, pick: int, code: str | None) -> None:
        owners = [(i, c) for i, c in enumerate(self.customers) if c.licenses]
        who, c = owners[pick % len(owners)]
        license_id, price = c.licenses[pick % len(c.licenses)]
        self._charge_with_promo(
            c, who, price, code,
            lambda: licenses.renew_from_balance(user_id=c.id, license_id=license_id, promo_code=code or ""))

    @precondition(lambda self: any(c.licenses for c in self.customers))
    @rule(pick=st.integers(0, 10_000))
    def auto_renewal_at_term_end(self, pick: int) -> None:
        owners = [c for c in self.customers if c.licenses]
        c = owners[pick % len(owners)]
        license_id, tariff_price = c.licenses[pick % len(c.licenses)]
        price, _ = model_price(tariff_price, c.discount, None)
        with session_scope() as session:  # the term ends now (and the switch is on)
            lic = session.get(License, license_id)
            lic.status, lic.auto_renew, lic.expires_at = "active", True, utcnow() - timedelta(seconds=1)
            session.add(lic)
        with session_scope() as session:
            settled = renewals.settle_due_license(session, license_id=license_id, now=utcnow())
        if c.can_pay(price):
            assert settled.outcome == renewals.RENEWED
            c.balance -= price
        else:
            assert settled.outcome == renewals.SUSPENDED

    @precondition(lambda self: self.payments)
    @rule(pick=st.integers(0, 10_000), share=st.sampled_from([1, 2, 3, 100]))
    def refund(self, pick: int, share: int) -> None:
        p = self.payments[pick % len(self.payments)]
        amount = max(1, p.amount // share) + (pick % 3 == 0)  # sometimes a kopeck too much
        expected = None if amount <= p.amount - p.refunded else "refund_exceeds_paid"
        self._expect(expected, lambda: refunds.request_refund(admin_id=self.admin_id, payment_id=p.id,
                                                              amount=amount, reason=REASON))
        if expected is None:
            p.refunded += amount
            self.customers[p.customer].balance -= amount

    @rule(who=st.integers(0, CUSTOMERS - 1),
          amount=st.integers(-200_000, 200_000).filter(lambda a: a != 0))
    def adjust_balance(self, who: int, amount: int) -> None:
        c = self.customers[who]
        admin_customers.adjust_balance(admin_id=self.admin_id, customer_id=c.id, amount=amount, reason=REASON)
        c.balance += amount

    @rule(who=st.integers(0, CUSTOMERS - 1), limit=st.sampled_from([0, 0, 50, 10_000, 100_000, 500_000]))
    def set_credit_limit(self, who: int, limit: int) -> None:
        c = self.customers[who]
        admin_customers.set_credit_limit(admin_id=self.admin_id, customer_id=c.id, credit_limit=limit)
        c.credit_limit = limit

    @rule(who=st.integers(0, CUSTOMERS - 1), percent=st.sampled_from([0, 10, 20, 33, 50, 100]))
    def set_discount(self, who: int, percent: int) -> None:
        c = self.customers[who]
        admin_customers.set_discount(admin_id=self.admin_id, customer_id=c.id, percent=percent)
        c.discount = percent

    @rule(which=st.integers(0, len(PROMOS) - 1), percent=st.sampled_from([10, 20, 33, 50, 100]),
          limit=st.sampled_from(["unlimited", "below", "at", "above"]))
    def edit_promo(self, which: int, percent: int, limit: str) -> None:
        promo = self.promos[which]
        max_uses = {"unlimited": 0, "below": max(0, promo.uses - 1), "at": promo.uses,
                    "above": promo.uses + 1}[limit]  # the limit relative to the uses made
        expected = "max_uses_below_used" if max_uses and max_uses < promo.uses else None
        self._expect(expected, lambda: admin_promo.update_promo(
            admin_id=self.admin_id, promo_id=promo.id, form=_promo_form(promo.code, percent, max_uses)))
        if expected is None:
            promo.percent, promo.max_uses = percent, max_uses

    @rule(which=st.integers(0, len(PROMOS) - 1))
    def toggle_promo(self, which: int) -> None:
        promo = self.promos[which]
        admin_promo.set_promo_active(admin_id=self.admin_id, promo_id=promo.id, active=not promo.active)
        promo.active = not promo.active

    # -- after every step -------------------------------------------------------------------

    @invariant()
    def database_matches_the_model(self) -> None:
        with session_scope() as session:
            for c in self.customers:
                user = session.get(User, c.id)
                assert (user.balance, user.credit_limit, user.discount_percent) == (
                    c.balance, c.credit_limit, c.discount)
            assert billing.ledger_mismatches(session) == []
            for p in self.promos:
                redemptions = session.exec(select(func.count()).select_from(PromoRedemption)
                                           .where(PromoRedemption.promo_code_id == p.id)).one()
                assert (session.get(PromoCode, p.id).uses_count, redemptions) == (p.uses, p.uses), p.code
            for p in self.payments:
                assert session.get(Payment, p.id).refunded_amount == p.refunded


@pytest.fixture(scope="module")
def emulator_control() -> Iterator[EmulatorControl]:
    """The YooKassa emulator on its own server (no webhooks: each step settles itself), with
    the portal's gateway pointed at it."""
    from ispgo_portal.settings import get_settings

    # Payments send the customer back to the portal's own origin, the only one YooKassa takes.
    config = EmulatorConfig(return_origins=(os.environ["BASE_URL"].rstrip("/"),))
    server = ThreadedServer(create_emulator_app(config)).start()
    saved = os.environ.get("YOOKASSA_API_URL")
    os.environ["YOOKASSA_API_URL"] = f"{server.url}/v3"
    get_settings.cache_clear()
    control = EmulatorControl(server.url)
    yield control
    control.close()
    server.stop()
    if saved is None:
        os.environ.pop("YOOKASSA_API_URL", None)
    else:
        os.environ["YOOKASSA_API_URL"] = saved
    get_settings.cache_clear()


def test_money_follows_the_model(emulator_control: EmulatorControl) -> None:
    MoneyMachine.control = emulator_control
    run_state_machine_as_test(MoneyMachine, settings=settings(
        max_examples=50, stateful_step_count=30, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
