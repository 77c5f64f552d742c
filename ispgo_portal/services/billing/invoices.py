"""Invoices for bank transfer (счёт на оплату): issued to a company profile for an amount or
for a tariff, numbered from a gap-free yearly sequence, paid from a bank statement or marked
paid by an admin. Paying credits the balance once (ledger reference per payment event); an
invoice for a tariff then buys the licence through the fulfiller licensing registers here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ispgo_portal.clock import to_msk, utcnow
from ispgo_portal.db import lock_row, session_scope
from ispgo_portal.models import INVOICE_STATUSES, Invoice, Tariff, User, pk
from ispgo_portal.services.audit.record import record as audit
from ispgo_portal.services.billing import ledger, pricing
from ispgo_portal.services.billing.numbering import next_number
from ispgo_portal.services.billing.payers import (
    COMPANY_KINDS,
    PayerView,
    details_from_json,
    details_json,
    owned_payer,
)
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import bounded_text, rubles_field
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.settings import get_settings

log = logging.getLogger(__name__)

TOPUP_ITEM = "Пополнение лицевого счёта в портале ISPGo (аванс за лицензии панели управления ISPGo)"
MIN_INVOICE = 100_00  # 100 ₽: a smaller bank transfer costs more than it is worth

# Delivers what a paid tariff invoice bought; licensing registers it (billing knows no licences).
InvoiceFulfiller = Callable[[Session, Invoice], "int | None"]
_fulfiller: list[InvoiceFulfiller] = []


def register_invoice_fulfiller(fulfiller: InvoiceFulfiller) -> None:
    _fulfiller[:] = [fulfiller]


@dataclass(frozen=True)
class InvoiceView:
    id: int
    number: str
    user_id: int
    payer: PayerView
    item: str
    amount: int
    status: str
    status_label: str
    created_at: datetime
    paid_at: datetime | None
    paid_note: str
    license_id: int | None
    tariff_id: int | None


def view_of(invoice: Invoice) -> InvoiceView:
    return InvoiceView(id=pk(invoice), number=invoice.number, user_id=invoice.user_id,
                       payer=details_from_json(invoice.payer_details), item=invoice.item,
                       amount=invoice.amount, status=invoice.status,
                       status_label=INVOICE_STATUSES.get(invoice.status, invoice.status),
                       created_at=invoice.created_at, paid_at=invoice.paid_at, paid_note=invoice.paid_note,
                       license_id=invoice.license_id, tariff_id=invoice.tariff_id)


def issue_invoice(*, user_id: int, form: Mapping[str, Any]) -> int:
    """form: payer_id, and either tariff_id or amount (rubles). Returns the invoice id."""
    payer_id = _int(form.get("payer_id"))
    tariff_id = _int(form.get("tariff_id"))
    with session_scope() as session:
        user = ledger.lock_user(session, user_id)
        payer = owned_payer(session, user_id=user_id, payer_id=payer_id) if payer_id else None
        if payer is None or payer.kind not in COMPANY_KINDS:
            raise DomainError("payer_required", "Выберите организацию или ИП — счёт выставляется на компанию",
                              field="payer_id")
        if tariff_id:
            tariff = session.get(Tariff, tariff_id)
            if tariff is None or not tariff.is_active:
                raise DomainError("tariff_not_found", "Тариф не найден или больше не продаётся", field="tariff_id")
            amount = pricing.quote(session, user=user, tariff=tariff).final_price
            item = f"Лицензия панели управления ISPGo, тариф «{tariff.name}», {tariff.period_days} дн."
            if amount < 1:
                raise DomainError("free_tariff", "Этот тариф для вас бесплатен — купите его в разделе «Тарифы»")
        else:
            amount = rubles_field(form, "amount", label="Сумма", min_kopecks=MIN_INVOICE,
                                  max_kopecks=get_settings().max_topup_kopecks)
            item = TOPUP_ITEM
        invoice = Invoice(
            number=next_number(session, kind="invoice", year=to_msk(utcnow()).year),
            user_id=user_id, payer_id=payer.id, payer_details=details_json(payer), payer_inn=payer.inn,
            item=item, amount=amount, tariff_id=tariff_id or None,
        )
        session.add(invoice)
        session.flush()
        return pk(invoice)


def _int(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


def list_invoices(*, user_id: int) -> list[InvoiceView]:
    with session_scope() as session:
        rows = session.exec(select(Invoice).where(Invoice.user_id == user_id)
                            .order_by(col(Invoice.id).desc()).limit(200)).all()
        return [view_of(i) for i in rows]


def invoice_for_viewer(*, invoice_id: int, viewer_id: int) -> InvoiceView:
    """The owner and admins see an invoice; anyone else gets «Не найдено»."""
    with session_scope() as session:
        invoice = session.get(Invoice, invoice_id)
        viewer = session.get(User, viewer_id)
        if invoice is None or viewer is None or viewer.is_blocked or (
                invoice.user_id != viewer_id and not viewer.is_admin):
            raise NotFound("Счёт не найден")
        return view_of(invoice)


def cancel_invoice(*, user_id: int, invoice_id: int) -> None:
    with session_scope() as session:
        invoice = lock_row(session, Invoice, invoice_id)
        if invoice is None or invoice.user_id != user_id:
            raise NotFound("Счёт не найден")
        if invoice.status != "issued":
            raise DomainError("invoice_not_open", "Аннулировать можно только неоплаченный счёт")
        invoice.status = "cancelled"
        session.add(invoice)


def find_by_number(session: Session, number: str) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.number == number)).first()


def settle_invoice(session: Session, invoice: Invoice, *, amount: int, reference: str,
                   description: str, note: str) -> bool:
    """Credit `amount` to the invoice owner's balance under `reference`, mark the invoice
    paid and deliver a tariff. The invoice row must be locked by the caller. False when this
    reference was booked before (nothing changes)."""
    entry = ledger.credit(session, user_id=invoice.user_id, amount=amount, kind="topup",
                          description=description, reference=reference)
    if entry is None:
        return False
    invoice.status = "paid"
    invoice.paid_at = utcnow()
    invoice.paid_note = note[:300]
    session.add(invoice)
    session.flush()
    if invoice.tariff_id and _fulfiller:
        try:
            with session.begin_nested():
                invoice.license_id = _fulfiller[0](session, invoice)
        except DomainError as exc:
            log.warning("invoice %s paid but not delivered (%s); money left on the balance", invoice.id, exc)
        session.add(invoice)
    return True


def list_open_invoices(*, admin_id: int, limit: int = 100) -> list[InvoiceView]:
    with session_scope() as session:
        acting_admin(session, admin_id)
        rows = session.exec(select(Invoice).where(Invoice.status == "issued")
                            .order_by(col(Invoice.id).desc()).limit(limit)).all()
        return [view_of(i) for i in rows]


def mark_invoice_paid(*, admin_id: int, invoice_id: int, form: Mapping[str, Any]) -> None:
    """«Отметить оплаченным»: the admin confirms money arrived some other way; audited."""
    reason = bounded_text(form, "reason", label="Причина", max_len=300, min_len=3)
    with session_scope() as session:
        acting_admin(session, admin_id)
        invoice = lock_row(session, Invoice, invoice_id)
        if invoice is None:
            raise NotFound("Счёт не найден")
        if invoice.status != "issued":
            raise DomainError("invoice_not_open", "Счёт уже оплачен или аннулирован")
        settle_invoice(session, invoice, amount=invoice.amount, reference=f"invoice:{invoice.id}:manual",
                       description=f"Оплата по счёту № {invoice.number} (отмечена администратором)",
                       note=f"Отмечен оплаченным вручную: {reason}")
        audit(session, admin_id=admin_id, action="invoice.mark_paid", target_type="invoice",
              target_id=invoice.id, target_user_id=invoice.user_id,
              before={"status": "issued"}, after={"status": "paid", "amount": invoice.amount},
              reason=reason)
