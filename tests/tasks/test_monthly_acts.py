"""The beat runs the monthly acts on the 1st; the task issues last month's acts and a rerun
issues nothing twice."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ispgo_portal.clock import to_msk, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ClosingAct, LedgerEntry
from ispgo_portal.services.billing import payers
from ispgo_portal.services.billing.closing_documents import previous_period
from ispgo_portal.services.licensing import licenses
from ispgo_portal.tasks.documents import issue_monthly_acts
from ispgo_portal.tasks.schedule import BEAT_SCHEDULE
from tests.services.payer_factories import company_form


def test_beat_runs_the_acts_on_the_first_of_the_month() -> None:
    entry = BEAT_SCHEDULE["monthly-acts"]
    assert entry["task"] == issue_monthly_acts.name
    assert entry["schedule"].day_of_month == {1}


def test_task_issues_last_months_act_once(make_customer, make_tariff) -> None:
    user = make_customer(balance=500_000)
    payers.create_payer(user_id=user, form=company_form())
    licenses.buy_from_balance(user_id=user, tariff_id=make_tariff(price=120_000))
    with session_scope() as session:  # the purchase happened last month
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "purchase")).one()
        entry.created_at = to_msk(utcnow()).replace(day=1, hour=12) - timedelta(days=3)
        session.add(entry)
    period = previous_period()
    assert issue_monthly_acts() == "acts created=1 skipped=0"
    assert issue_monthly_acts() == "acts created=0 skipped=1"
    with session_scope() as session:
        act = session.exec(select(ClosingAct)).one()
    assert (act.period, act.total, act.lines) == (period, 120_000, 1)
