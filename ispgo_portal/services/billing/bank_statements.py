"""«Платежи → Банковские поступления»: a bank statement uploaded by an admin pays invoices.

Every incoming payment order becomes one `BankPayment` (unique per payment, so the same
statement twice, or two statements covering the same days, add nothing). A payment that names
an open invoice in its purpose, for exactly its amount, from the invoice's ИНН is credited at
once; the rest wait for an admin, who assigns each by hand with a reason. Either way the
money is booked under `bank:<payment key>`, so it can be credited only once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import is_postgres, lock_row, session_scope
from ispgo_portal.models import (
    BANK_PAYMENT_STATUSES,
    BankPayment,
    BankStatement,
    Invoice,
    User,
    id_col,
    pk,
)
from ispgo_portal.money import format_rub
from ispgo_portal.services.audit.record import record as audit
from ispgo_portal.services.billing import ledger
from ispgo_portal.services.billing.invoices import find_by_number, settle_invoice
from ispgo_portal.services.billing.statement_1c import StatementDocument, parse_statement
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import bounded_text, text_field
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.settings import get_settings

INVOICE_NUMBER = re.compile(r"(?<!\d)(\d{4}-\d{6})(?!\d)")


@dataclass
class UploadResult:
    statement_id: int
    documents: int = 0  # payment orders in the file
    incoming: int = 0  # of them, money to us
    new: int = 0  # not seen in an earlier statement
    matched: int = 0
    waiting: int = 0
    credited: int = 0  # kopecks
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"Документов в выписке: {self.documents}, поступлений: {self.incoming}, новых: {self.new}. "
                f"Зачислено автоматически: {self.matched} на {format_rub(self.credited)}, "
                f"ждут разбора: {self.waiting}.")


@dataclass(frozen=True)
class BankPaymentView:
    id: int
    doc_number: str
    doc_date: date | None
    amount: int
    payer_name: str
    payer_inn: str
    purpose: str
    status: str
    status_label: str
    reason: str
    invoice_number: str
    created_at: datetime


def _reference(doc_key: str) -> str:
    return f"bank:{doc_key}"


def _is_incoming(doc: StatementDocument, account: str) -> bool:
    settings = get_settings()
    ours = {a for a in (account, settings.seller_account) if a}
    return doc.receiver_account in ours or (not doc.receiver_account and doc.receiver_inn == settings.seller_inn)


def upload_statement(*, admin_id: int, filename: str, content: bytes) -> UploadResult:
    statement = parse_statement(content)
    digest = hashlib.sha256(content).hexdigest()
    try:
        with session_scope() as session:
            acting_admin(session, admin_id)
            if session.exec(select(BankStatement.id).where(BankStatement.sha256 == digest)).first():
                raise DomainError("statement_seen", "Эта выписка уже загружена — повторно ничего не зачислено")
            row = BankStatement(sha256=digest, filename=filename[:200], account=statement.account,
                                date_from=statement.date_from, date_to=statement.date_to,
                                documents=len(statement.documents), uploaded_by=admin_id)
            session.add(row)
            session.flush()  # a concurrent upload of the same file waits here, then fails
            statement_id = pk(row)
            result = UploadResult(statement_id=statement_id, documents=len(statement.documents))
            for doc in statement.documents:
                if _is_incoming(doc, statement.account):
                    result.incoming += 1
                    _take_payment(session, statement_id=statement_id, doc=doc, result=result)
            audit(session, admin_id=admin_id, action="bank_statement.upload", target_type="bank_statement",
                  target_id=statement_id, after={"file": filename, "new": result.new, "matched": result.matched,
                                           "waiting": result.waiting, "credited": result.credited})
            return result
    except IntegrityError as exc:
        raise DomainError("statement_seen", "Эта выписка уже загружена — повторно ничего не зачислено") from exc


def _take_payment(session: Session, *, statement_id: int, doc: StatementDocument, result: UploadResult) -> None:
    dialect = postgresql if is_postgres(session) else sqlite
    inserted = session.exec(
        dialect.insert(BankPayment).values(
            doc_key=doc.key, statement_id=statement_id, doc_number=doc.number, doc_date=doc.day,
            amount=doc.amount, payer_name=doc.payer_name, payer_inn=doc.payer_inn,
            payer_account=doc.payer_account, purpose=doc.purpose, status="waiting", reason="",
            created_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["doc_key"]).returning(BankPayment.id)
    ).first()
    if inserted is None:
        return  # seen in an earlier statement: decided then
    result.new += 1
    payment = lock_row(session, BankPayment, inserted[0])
    if payment is None:  # inserted a moment ago in this transaction
        raise NotFound("Поступление не найдено")
    invoice, why = _match(session, payment)
    if invoice is None:
        payment.reason = why
        result.waiting += 1
    else:
        settle_invoice(session, invoice, amount=payment.amount, reference=_reference(payment.doc_key),
                       description=_credit_text(payment, invoice.number),
                       note=f"Оплачен банковским переводом, п/п № {payment.doc_number}")
        payment.status, payment.invoice_id, payment.user_id = "matched", invoice.id, invoice.user_id
        payment.resolved_at = utcnow()
        result.matched += 1
        result.credited += payment.amount
    session.add(payment)
    session.flush()


def _match(session: Session, payment: BankPayment) -> tuple[Invoice | None, str]:
    """The open invoice this payment pays, or None and why it waits for a person."""
    numbers = list(dict.fromkeys(INVOICE_NUMBER.findall(payment.purpose)))
    if not numbers:
        return None, "В назначении платежа нет номера счёта"
    found = [i for i in (find_by_number(session, n) for n in numbers) if i is not None]
    if not found:
        return None, f"Счёт № {numbers[0]} не найден"
    if len(found) > 1:
        return None, "В назначении несколько счетов — распределите вручную"
    invoice = lock_row(session, Invoice, pk(found[0]))
    if invoice is None:
        return None, f"Счёт № {found[0].number} не найден"
    if invoice.status != "issued":
        state = "уже оплачен" if invoice.status == "paid" else "аннулирован"
        return None, f"Счёт № {invoice.number} {state}"
    if payment.payer_inn != invoice.payer_inn:
        return None, f"ИНН плательщика {payment.payer_inn or '—'} не совпадает с ИНН в счёте {invoice.payer_inn}"
    if payment.amount < invoice.amount:
        return None, (f"Частичная оплата счёта № {invoice.number}: получено {format_rub(payment.amount)} "
                      f"из {format_rub(invoice.amount)}")
    if payment.amount > invoice.amount:
        return None, (f"Сумма больше счёта № {invoice.number}: получено {format_rub(payment.amount)}, "
                      f"по счёту {format_rub(invoice.amount)}")
    return invoice, ""


def _credit_text(payment: BankPayment, invoice_number: str = "") -> str:
    day = payment.doc_date.strftime("%d.%m.%Y") if payment.doc_date else "—"
    what = f"Оплата по счёту № {invoice_number}" if invoice_number else "Банковский перевод"
    return f"{what}: п/п № {payment.doc_number} от {day}, {payment.payer_name}"


def assign_bank_payment(*, admin_id: int, bank_payment_id: int, form: Mapping[str, Any]) -> str:
    """Credit a waiting payment by hand: to an invoice (`invoice_number`; paid if the money
    covers it, else the money stays on the balance) or to a customer (`email`). Audited."""
    reason = bounded_text(form, "reason", label="Причина", max_len=300, min_len=3)
    number, email = text_field(form, "invoice_number"), text_field(form, "email").lower()
    if bool(number) == bool(email):
        raise DomainError("target_required", "Укажите номер счёта или email клиента (что-то одно)",
                          field="invoice_number")
    with session_scope() as session:
        acting_admin(session, admin_id)
        payment = lock_row(session, BankPayment, bank_payment_id)
        if payment is None:
            raise NotFound("Поступление не найдено")
        if payment.status != "waiting":
            raise DomainError("bank_payment_done", "Это поступление уже зачислено")
        invoice = None
        if number:
            found = find_by_number(session, number)
            invoice = lock_row(session, Invoice, pk(found)) if found is not None else None
            if invoice is None:
                raise DomainError("invoice_not_found", f"Счёт № {number} не найден", field="invoice_number")
            user_id = invoice.user_id
        else:
            user = session.exec(select(User).where(User.email == email)).first()
            if user is None:
                raise DomainError("customer_not_found", "Клиент с таким email не найден", field="email")
            user_id = pk(user)
        outcome = _credit_by_hand(session, payment=payment, invoice=invoice, user_id=user_id, reason=reason)
        payment.status, payment.user_id, payment.assigned_by = "assigned", user_id, admin_id
        payment.invoice_id = invoice.id if invoice is not None else None
        payment.reason, payment.resolved_at = reason[:300], utcnow()
        session.add(payment)
        audit(session, admin_id=admin_id, action="bank_payment.assign", target_type="bank_payment",
              target_id=payment.id, target_user_id=user_id, before={"status": "waiting"},
              after={"status": "assigned", "amount": payment.amount,
                     "invoice": invoice.number if invoice else ""}, reason=reason)
        return outcome


def _credit_by_hand(session: Session, *, payment: BankPayment, invoice: Invoice | None, user_id: int,
                    reason: str) -> str:
    reference = _reference(payment.doc_key)
    if invoice is not None and invoice.status == "issued" and payment.amount >= invoice.amount:
        settle_invoice(session, invoice, amount=payment.amount, reference=reference,
                       description=_credit_text(payment, invoice.number),
                       note=f"Оплачен банковским переводом, п/п № {payment.doc_number} (вручную: {reason})")
        return f"Зачислено {format_rub(payment.amount)}, счёт № {invoice.number} оплачен"
    ledger.credit(session, user_id=user_id, amount=payment.amount, kind="topup",
                  description=f"{_credit_text(payment)} (вручную: {reason})", reference=reference)
    return f"Зачислено {format_rub(payment.amount)} на баланс клиента"


def _view(payment: BankPayment, numbers: dict[int, str]) -> BankPaymentView:
    return BankPaymentView(id=pk(payment), doc_number=payment.doc_number, doc_date=payment.doc_date,
                           amount=payment.amount, payer_name=payment.payer_name, payer_inn=payment.payer_inn,
                           purpose=payment.purpose, status=payment.status,
                           status_label=BANK_PAYMENT_STATUSES.get(payment.status, payment.status),
                           reason=payment.reason, invoice_number=numbers.get(payment.invoice_id or 0, ""),
                           created_at=payment.created_at)


def list_bank_payments(*, admin_id: int, waiting_only: bool, limit: int = 100) -> list[BankPaymentView]:
    with session_scope() as session:
        acting_admin(session, admin_id)
        query = select(BankPayment).order_by(col(BankPayment.id).desc()).limit(limit)
        if waiting_only:
            query = query.where(BankPayment.status == "waiting")
        rows = session.exec(query).all()
        ids = {p.invoice_id for p in rows if p.invoice_id}
        numbers: dict[int, str] = {}
        if ids:
            numbers = dict(session.exec(select(id_col(Invoice), Invoice.number)
                                        .where(col(Invoice.id).in_(ids))).all())
        return [_view(p, numbers) for p in rows]
