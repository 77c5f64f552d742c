"""The auto-renewal and expiry pass, and the expiry reminders.

For every active license whose term has ended:
* auto-renewal on  → charge the renewal (customer's discount; balance, then credit), extend
  the term, email "license_renewed";
* auto-renewal on, too little money → nothing is charged, the license is suspended with the
  reason, email "renewal_failed" saying how much is missing;
* auto-renewal off → status "expired", email "license_expired".

Safety under retries and concurrency:
* Each license is its own transaction; an unexpected error rolls back that license only,
  is counted, and the pass goes on (the next pass tries that license again).
* The license row is taken with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers
  running the pass at once share the work instead of queueing on the same rows, and the
  WHERE clause is re-checked under the lock: a license another worker already renewed is
  no longer due. SQLite transactions start with the write lock (db.py), which serialises
  passes there.
* The charge carries the ledger reference `autorenew:<license>:<term end>`, which is unique:
  a retried, duplicated or killed-and-restarted pass can never charge one term twice. The
  emails carry dedupe keys built the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import License, Tariff, User
from ispgo_portal.money import format_rub
from ispgo_portal.services import billing
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.license_views import days_left
from ispgo_portal.services.notifications import queue_email

log = logging.getLogger(__name__)

ID_BATCH = 500
REMINDER_STAGES = (7, 1)  # days before expiry; each is sent once per term
EXPIRED_REASON = "Срок действия закончился, автопродление выключено"

RENEWED, SUSPENDED, EXPIRED = "renewed", "suspended", "expired"


@dataclass
class PassResult:
    renewed: int = 0
    suspended: int = 0
    expired: int = 0
    failed: int = 0  # unexpected errors; those licenses are retried by the next pass
    charged: int = 0  # kopecks
    errors: list[str] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.renewed + self.suspended + self.expired

    def summary(self) -> str:
        return (f"Продлено: {self.renewed} (списано {format_rub(self.charged)}), "
                f"приостановлено из-за нехватки средств: {self.suspended}, "
                f"истекло без автопродления: {self.expired}, ошибок: {self.failed}")


def autorenew_reference(license_id: int, expires_at: datetime) -> str:
    """The key of one renewal: this license, this term end."""
    return f"autorenew:{license_id}:{as_utc(expires_at).isoformat()}"


def _candidate_ids(*, where: list, after_id: int) -> Iterator[int]:  # noqa: ANN001
    """Ids matching `where`, ascending, read in batches outside the per-license transactions."""
    while True:
        with session_scope() as session:
            batch = list(session.exec(select(License.id).where(*where, License.id > after_id)
                                      .order_by(License.id).limit(ID_BATCH)).all())
        if not batch:
            return
        yield from batch
        after_id = batch[-1]


def _lock_if(session: Session, license_id: int, *where) -> License | None:  # noqa: ANN002
    """The license locked for this transaction if it still matches `where`; None if it no
    longer does or another worker holds it (PostgreSQL: skipped, not waited for)."""
    query = select(License).where(License.id == license_id, *where)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.exec(query.execution_options(populate_existing=True)).first()


def _context(user: User, tariff: Tariff, lic: License) -> dict:
    return {"name": user.name, "tariff": tariff.name, "key": lic.key}


def _renew(session: Session, lic: License, user: User, tariff: Tariff) -> tuple[str, int]:
    from ispgo_portal.services.licenses import renew_license

    term_end = as_utc(lic.expires_at)
    reference = autorenew_reference(lic.id, term_end)
    try:
        entry = renew_license(session, license_id=lic.id, reference=reference)
    except DomainError as exc:
        if exc.code != "insufficient_funds":
            raise
        return _suspend(session, lic, user, tariff, term_end), 0
    amount = -entry.amount
    queue_email(session, template="license_renewed", to=user.email,
                context={**_context(user, tariff, lic), "amount": amount,
                         "expires_at": as_utc(lic.expires_at)},
                dedupe_key=f"license_renewed:{reference}")
    return RENEWED, amount


def _renewal_shortfall(session: Session, lic: License, user: User) -> tuple[int, int]:
    """(renewal price, how much is missing for it) with the customer's discount."""
    from ispgo_portal.services.licenses import renewal_quote

    price = renewal_quote(session, license_id=lic.id).final_price
    return price, max(0, price - billing.funds_of(user).available)


def _suspend(session: Session, lic: License, user: User, tariff: Tariff, term_end: datetime) -> str:
    price, missing = _renewal_shortfall(session, lic, user)
    lic.status = "suspended"
    lic.status_reason = (f"Автопродление не выполнено: недостаточно средств, не хватает "
                         f"{format_rub(missing)} (стоимость продления {format_rub(price)})")
    lic.updated_at = utcnow()
    session.add(lic)
    queue_email(session, template="renewal_failed", to=user.email,
                context={**_context(user, tariff, lic), "price": price, "missing": missing},
                dedupe_key=f"renewal_failed:{lic.id}:{term_end.isoformat()}")
    return SUSPENDED


def _expire(session: Session, lic: License, user: User, tariff: Tariff) -> str:
    term_end = as_utc(lic.expires_at)
    lic.status = "expired"
    lic.status_reason = EXPIRED_REASON
    lic.updated_at = utcnow()
    session.add(lic)
    queue_email(session, template="license_expired", to=user.email,
                context={**_context(user, tariff, lic), "expires_at": term_end},
                dedupe_key=f"license_expired:{lic.id}:{term_end.isoformat()}")
    return EXPIRED


def settle_due_license(session: Session, *, license_id: int, now: datetime) -> tuple[str, int] | None:
    """Renew, suspend or expire one license whose term ended, in `session`.
    None if it is not due any more or another worker is on it."""
    lic = _lock_if(session, license_id, License.status == "active", License.expires_at <= now)
    if lic is None:
        return None
    user = session.get(User, lic.user_id)
    tariff = session.get(Tariff, lic.tariff_id)
    if lic.auto_renew:
        return _renew(session, lic, user, tariff)
    return _expire(session, lic, user, tariff), 0


def run_renewal_pass(*, now: datetime | None = None, limit: int | None = None) -> PassResult:
    """One pass over the licenses whose term ended by `now` (at most `limit` of them)."""
    now = now or utcnow()
    result = PassResult()
    due = [License.status == "active", License.expires_at <= now]
    for license_id in _candidate_ids(where=due, after_id=0):
        if limit is not None and result.processed >= limit:
            break
        try:
            with session_scope() as session:
                settled = settle_due_license(session, license_id=license_id, now=now)
        except Exception as exc:  # noqa: BLE001 - one license must never stop the rest
            log.exception("renewal pass: license %s failed", license_id)
            result.failed += 1
            result.errors.append(f"license {license_id}: {exc}")
            continue
        if settled is None:
            continue
        outcome, amount = settled
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.charged += amount
    return result


# --- reminders ---------------------------------------------------------------------------

@dataclass
class ReminderResult:
    sent: int = 0
    failed: int = 0

    def summary(self) -> str:
        return f"Напоминаний отправлено: {self.sent}, ошибок: {self.failed}"


def _reminder_stage(expires_at: datetime, now: datetime) -> int:
    return 1 if expires_at - now <= timedelta(days=1) else 7


def _already_reminded(mark: str, stage: int, term_end: datetime) -> bool:
    """reminded_for holds '<stage>:<term end timestamp>' of the last reminder sent."""
    sent_stage, _, sent_term = mark.partition(":")
    if sent_term != str(int(term_end.timestamp())) or not sent_stage.isdigit():
        return False
    return int(sent_stage) <= stage  # the 1-day reminder also covers a missed 7-day one


def _reminder_window(now: datetime) -> list:
    return [License.status == "active", License.expires_at > now,
            License.expires_at <= now + timedelta(days=max(REMINDER_STAGES))]


def remind_license(session: Session, *, license_id: int, now: datetime) -> bool:
    """Queue the due reminder for one license, in `session`; False if none is due."""
    lic = _lock_if(session, license_id, *_reminder_window(now))
    if lic is None:
        return False
    term_end = as_utc(lic.expires_at)
    stage = _reminder_stage(term_end, now)
    if _already_reminded(lic.reminded_for, stage, term_end):
        return False
    user = session.get(User, lic.user_id)
    tariff = session.get(Tariff, lic.tariff_id)
    missing = _renewal_shortfall(session, lic, user)[1] if lic.auto_renew else 0
    queue_email(session, template="license_expiring", to=user.email,
                context={**_context(user, tariff, lic), "expires_at": term_end,
                         "days_left": days_left(term_end, now), "auto_renew": lic.auto_renew,
                         "missing": missing},
                dedupe_key=f"license_expiring:{lic.id}:{stage}:{int(term_end.timestamp())}")
    lic.reminded_for = f"{stage}:{int(term_end.timestamp())}"
    session.add(lic)
    return True


def send_expiry_reminders(*, now: datetime | None = None) -> ReminderResult:
    """Remind 7 days and 1 day before expiry, once each per term. For an auto-renewing
    license whose owner lacks the money, the email says how much to top up."""
    now = now or utcnow()
    result = ReminderResult()
    for license_id in _candidate_ids(where=_reminder_window(now), after_id=0):
        try:
            with session_scope() as session:
                result.sent += remind_license(session, license_id=license_id, now=now)
        except Exception:  # noqa: BLE001 - one license must never stop the rest
            log.exception("expiry reminders: license %s failed", license_id)
            result.failed += 1
    return result
