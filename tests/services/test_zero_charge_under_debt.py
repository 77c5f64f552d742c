"""A 0 ₽ charge never needs funds, even when the customer owes more than the credit limit
(issue 18, item 4). Found by the model-based money test; strictly xfailed until the fix is
merged — then these XPASS, fail, and go (with SKIP_ZERO_CHARGE_UNDER_DEBT in
test_money_model.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, User
from ispgo_portal.services import licenses, renewals

BUG = "issue 18 item 4: a 0 ₽ charge under debt is refused as insufficient funds"


@pytest.mark.xfail(strict=True, reason=BUG)
def test_free_purchase_under_debt_succeeds(make_customer, make_tariff) -> None:  # noqa: ANN001
    user_id = make_customer(balance=-5_000, discount=100)  # owes 50 ₽, no credit limit
    licenses.buy_from_balance(user_id=user_id, tariff_id=make_tariff(price=100_000))
    with session_scope() as session:
        assert session.get(User, user_id).balance == -5_000


@pytest.mark.xfail(strict=True, reason=BUG)
def test_free_auto_renewal_under_debt_renews(make_customer, make_tariff) -> None:  # noqa: ANN001
    user_id = make_customer(balance=-5_000, discount=100)
    with session_scope() as session:  # its term has just ended, auto-renewal on
        lic = License(user_id=user_id, tariff_id=make_tariff(price=100_000), key="ISPG-ZERO-DEBT-0001",
                      auto_renew=True, expires_at=utcnow() - timedelta(seconds=1))
        session.add(lic)
        session.flush()
        license_id = lic.id
    with session_scope() as session:
        settled = renewals.settle_due_license(session, license_id=license_id, now=utcnow())
    assert settled.outcome == renewals.RENEWED
