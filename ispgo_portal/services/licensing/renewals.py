"""The auto-renewal and expiry pass, and the expiry reminders.

For every active license whose term has ended:
* auto-renewal on  → charge the renewal (customer's discount; balance, then credit), extend
  the term, email "license_renewed";
* auto-renewal on, too little money, a saved card chosen for autopay → the card is charged
  (an ordinary top-up by payment_method_id, see billing/payment_methods.py), then the renewal
  as above; the email names the card. The license is released during that HTTP call and
  taken again after it;
* auto-renewal on, too little money and no card (or the card declined) → nothing is charged,
  the license is suspended with the reason, email "renewal_failed" saying how much is missing
  (and why the card was declined);
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

Emails of the pass: a renewal wave can be thousands of licenses at once, so instead of one
broker message per email after each commit (notifications.queue_email), the pass writes the
outbox row in the license's transaction with one INSERT … ON CONFLICT (dedupe_key) DO
NOTHING, and after every batch of committed licenses hands all their emails to one
`flush_outbox` task. Rows whose hand-over is lost (the pass killed, the broker down) are
ordinary pending rows: the periodic flush sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import get_engine, is_postgres, session_scope
from ispgo_portal.models import License, Tariff, User, id_col, pk
from ispgo_portal.models.enums import LicenseStatus, SuspendedBy
from ispgo_portal.money import format_rub
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.billing import payment_methods
from ispgo_portal.services.billing.payment_methods import CardCharge, CardOutcome
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing.licenses import renew_locked_license, renewal_quote
from ispgo_portal.services.licensing.views import days_left
from ispgo_portal.services.mail.dispatch import dispatch_outbox
from ispgo_portal.services.mail.notifications import queue_email

log = logging.getLogger(__name__)

ID_BATCH = 500
REMINDER_STAGES = (7, 1)  # days before expiry; each is sent once per term
EXPIRED_REASON = "Срок действия закончился, автопродление выключено"

RENEWED, SUSPENDED, EXPIRED = "renewed", "suspended", "expired"
NEEDS_CARD = "needs_card"  # not an outcome: the pass charges the card, then settles again


@dataclass
class PassResult:
    renewed: int = 0
    suspended: int = 0
    expired: int = 0
    failed: int = 0  # unexpected errors; those licenses are retried by the next pass
    charged: int = 0  # kopecks
    card_charges: int = 0  # renewals that needed the saved card (charged or declined)
    card_declined: int = 0
    errors: list[str] = field(default_factory=list)
    email_ids: list[int] = field(default_factory=list)  # outbox rows written by the pass

    @property
    def processed(self) -> int:
        return self.renewed + self.suspended + self.expired

    def summary(self) -> str:
        return (f"Продлено: {self.renewed} (списано {format_rub(self.charged)}), "
                f"оплат с сохранённой карты: {self.card_charges} (отклонено: {self.card_declined}), "
                f"приостановлено из-за нехватки средств: {self.suspended}, "
                f"истекло без автопродления: {self.expired}, ошибок: {self.failed}")


def autorenew_reference(license_id: int, expires_at: datetime) -> str:
    """The key of one renewal: this license, this term end."""
    return f"autorenew:{license_id}:{as_utc(expires_at).isoformat()}"


def _candidate_ids(*, where: list[ColumnElement[bool]], after_id: int) -> Iterator[int]:
    """Ids matching `where`, ascending, read in batches outside the per-license transactions."""
    while True:
        with session_scope() as session:
            batch = session.exec(select(id_col(License)).where(*where, col(License.id) > after_id)
                                 .order_by(col(License.id)).limit(ID_BATCH)).all()
        if not batch:
            return
        yield from batch
        after_id = batch[-1]


_LockQuery = Select[License, User, Tariff]


def _lock_query(*where: ColumnElement[bool], postgres: bool) -> _LockQuery:
    query = (select(License, User, Tariff)
             .join(User, col(User.id) == License.user_id)
             .join(Tariff, col(Tariff.id) == License.tariff_id)
             .where(*where))
    if postgres:
        # Two locking clauses in one statement: a license another worker holds is skipped,
        # its owner is waited for (license → customer, the order used everywhere). The owner
        # then needs no lock query of its own before money moves.
        query = query.with_for_update(of=License, skip_locked=True).suffix_with("FOR UPDATE OF users")
    return query.execution_options(populate_existing=True)


@lru_cache
def _due_lock_query(postgres: bool) -> _LockQuery:
    """`_lock_if` for the pass, built once: the same statement runs for every license."""
    return _lock_query(col(License.id) == bindparam("license_id"),
                       col(License.status) == LicenseStatus.ACTIVE,
                       col(License.expires_at) <= bindparam("now"), postgres=postgres)


def _locked(session: Session, query: _LockQuery,
            params: dict[str, object] | None = None) -> tuple[License, User, Tariff] | None:
    row = session.execute(query, params).first()
    return (row[0], row[1], row[2]) if row else None


def _lock_if(session: Session, license_id: int,
             *where: ColumnElement[bool]) -> tuple[License, User, Tariff] | None:
    """The license and its owner (both locked for this transaction) with the tariff, in one
    query, if the license still matches `where`; None if it no longer does or another worker
    holds it (PostgreSQL: skipped, not waited for). Holding the owner and tariff here also keeps them
    in the session for the services called next, so they do not load them again."""
    return _locked(session, _lock_query(col(License.id) == license_id, *where, postgres=is_postgres(session)))


def _context(user: User, tariff: Tariff, lic: License) -> dict[str, Any]:
    return {"name": user.name, "tariff": tariff.name, "key": lic.key}


def _record_email(session: Session, *, template: str, to: str, context: dict[str, Any],
                  dedupe_key: str) -> int | None:
    """The outbox row of one event; the pass hands the ids to the sender in batches itself."""
    return queue_email(session, template=template, to=to, context=context, dedupe_key=dedupe_key,
                       dispatch=False)


@dataclass
class Settled:
    outcome: str
    amount: int = 0  # kopecks charged
    email_id: int | None = None
    charge: CardCharge | None = None  # NEEDS_CARD: what to charge


def _renew(session: Session, lic: License, user: User, tariff: Tariff, now: datetime,
           card: CardOutcome | None = None) -> Settled:
    term_end = as_utc(lic.expires_at)
    reference = autorenew_reference(pk(lic), term_end)
    try:
        entry = renew_locked_license(session, lic=lic, tariff=tariff, reference=reference, owner=user)
    except DomainError as exc:
        if exc.code != "insufficient_funds":
            raise
        method = payment_methods.autopay_card(session, user_id=pk(user), now=now) if card is None else None
        if method is not None:
            missing = _renewal_shortfall(session, lic, user)[1]
            return Settled(NEEDS_CARD, charge=CardCharge(
                license_id=pk(lic), term_end=term_end, user_id=pk(user), method_id=pk(method),
                amount=max(missing, payment_methods.MIN_CHARGE)))
        return _suspend(session, lic, user, tariff, term_end, card)
    paid_by = card.card if card is not None and card.paid else ""
    email_id = _record_email(session, template="license_renewed", to=user.email,
                             context={**_context(user, tariff, lic), "amount": -entry.amount,
                                      "expires_at": as_utc(lic.expires_at), "automatic": True,
                                      "card": paid_by},
                             dedupe_key=f"license_renewed:{reference}")
    return Settled(RENEWED, -entry.amount, email_id)


def _renewal_shortfall(session: Session, lic: License, user: User) -> tuple[int, int]:
    """(renewal price, how much is missing for it) with the customer's discount."""
    price = renewal_quote(session, license_id=pk(lic)).final_price
    return price, max(0, price - billing.funds_of(user).available)


def _suspend(session: Session, lic: License, user: User, tariff: Tariff, term_end: datetime,
             card: CardOutcome | None = None) -> Settled:
    price, missing = _renewal_shortfall(session, lic, user)
    lic.status = LicenseStatus.SUSPENDED
    lic.suspended_by = SuspendedBy.BILLING
    declined = card if card is not None and not card.paid and card.card else None
    lic.status_reason = (f"Автопродление не выполнено: недостаточно средств, не хватает "
                         f"{format_rub(missing)} (стоимость продления {format_rub(price)})"
                         + (f"; карта {declined.card} отклонена: {declined.reason_ru}" if declined else ""))[:300]
    session.add(lic)
    email_id = _record_email(session, template="renewal_failed", to=user.email,
                             context={**_context(user, tariff, lic), "price": price, "missing": missing,
                                      "card": declined.card if declined else "",
                                      "card_reason": declined.reason_ru if declined else "",
                                      "card_removed": bool(declined and declined.removed)},
                             dedupe_key=f"renewal_failed:{lic.id}:{term_end.isoformat()}")
    return Settled(SUSPENDED, 0, email_id)


def _expire(session: Session, lic: License, user: User, tariff: Tariff) -> Settled:
    term_end = as_utc(lic.expires_at)
    lic.status = LicenseStatus.EXPIRED
    lic.suspended_by = None
    lic.status_reason = EXPIRED_REASON
    session.add(lic)
    email_id = _record_email(session, template="license_expired", to=user.email,
                             context={**_context(user, tariff, lic), "expires_at": term_end},
                             dedupe_key=f"license_expired:{lic.id}:{term_end.isoformat()}")
    return Settled(EXPIRED, 0, email_id)


def settle_due_license(session: Session, *, license_id: int, now: datetime,
                       card: CardOutcome | None = None) -> Settled | None:
    """Renew, suspend or expire one license whose term ended, in `session`.
    None if it is not due any more or another worker is on it. NEEDS_CARD (nothing changed):
    the balance is short and a saved card may pay; `card` is how that charge ended."""
    locked = _locked(session, _due_lock_query(is_postgres(session)), {"license_id": license_id, "now": now})
    if locked is None:
        return None
    lic, user, tariff = locked
    return _renew(session, lic, user, tariff, now, card) if lic.auto_renew else _expire(session, lic, user, tariff)


class _HeldConnection:
    """One database connection held through a pass. Each license is still its own
    transaction; holding the connection only saves the pool checkout and its liveness ping
    per license. After a failure the connection is dropped and the next license gets a
    fresh one, so a broken connection cannot fail the rest of the pass."""

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def __enter__(self) -> _HeldConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self._connection is None:
            self._connection = get_engine().connect()
        session = Session(bind=self._connection, expire_on_commit=False)
        try:
            with session.begin():
                yield session
        except BaseException:
            self.close()
            raise
        finally:
            session.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()




def _settle_with_card(connection: _HeldConnection, license_id: int, now: datetime,
                      result: PassResult) -> Settled | None:
    """Settle one license; if its saved card must pay, charge it with no transaction open
    (the license is free for that HTTP call), then settle again knowing how it went."""
    with connection.transaction() as session:
        settled = settle_due_license(session, license_id=license_id, now=now)
    if settled is None or settled.charge is None:  # only a NEEDS_CARD outcome carries a charge
        return settled
    try:
        card = payment_methods.charge_for_renewal(settled.charge)
    except gateway.GatewayError as exc:
        # YooKassa unreachable: nothing decided; the next pass asks again with the same key.
        raise RuntimeError(f"autopay for license {license_id}: {exc}") from exc
    if card is None:  # the card was deleted meanwhile: as if there never was one
        card = CardOutcome(paid=False, card="", reason="")
    else:
        result.card_charges += 1
        result.card_declined += not card.paid
    with connection.transaction() as session:
        return settle_due_license(session, license_id=license_id, now=now, card=card)


def run_renewal_pass(*, now: datetime | None = None, limit: int | None = None) -> PassResult:
    """One pass over the licenses whose term ended by `now` (at most `limit` of them)."""
    now = now or utcnow()
    result = PassResult()
    due = [col(License.status) == LicenseStatus.ACTIVE, col(License.expires_at) <= now]
    handed_over = 0
    with _HeldConnection() as connection:
        for index, license_id in enumerate(_candidate_ids(where=due, after_id=0), start=1):
            if limit is not None and result.processed >= limit:
                break
            try:
                settled = _settle_with_card(connection, license_id, now, result)
            except Exception as exc:
                log.exception("renewal pass: license %s failed", license_id)
                result.failed += 1
                result.errors.append(f"license {license_id}: {exc}")
                continue
            if settled is not None:
                setattr(result, settled.outcome, getattr(result, settled.outcome) + 1)
                result.charged += settled.amount
                if settled.email_id is not None:
                    result.email_ids.append(settled.email_id)
            if index % ID_BATCH == 0:
                dispatch_outbox(result.email_ids[handed_over:])
                handed_over = len(result.email_ids)
    dispatch_outbox(result.email_ids[handed_over:])
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


def _reminder_window(now: datetime) -> list[ColumnElement[bool]]:
    return [col(License.status) == LicenseStatus.ACTIVE, col(License.expires_at) > now,
            col(License.expires_at) <= now + timedelta(days=max(REMINDER_STAGES))]


def remind_license(session: Session, *, license_id: int, now: datetime) -> bool:
    """Queue the due reminder for one license, in `session`; False if none is due."""
    locked = _lock_if(session, license_id, *_reminder_window(now))
    if locked is None:
        return False
    lic, user, tariff = locked
    term_end = as_utc(lic.expires_at)
    stage = _reminder_stage(term_end, now)
    if _already_reminded(lic.reminded_for, stage, term_end):
        return False
    missing = _renewal_shortfall(session, lic, user)[1] if lic.auto_renew else 0
    # Which way the renewal will be paid: the balance (and credit), else the autopay card.
    method = payment_methods.autopay_card(session, user_id=pk(user), now=now) if missing else None
    queue_email(session, template="license_expiring", to=user.email,
                context={**_context(user, tariff, lic), "expires_at": term_end,
                         "days_left": days_left(term_end, now), "auto_renew": lic.auto_renew,
                         "missing": missing, "card": payment_methods.label_of(method) if method else ""},
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
        except Exception:
            log.exception("expiry reminders: license %s failed", license_id)
            result.failed += 1
    return result
