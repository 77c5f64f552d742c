"""A paid invoice for a tariff buys the licence, as a paid YooKassa order does: billing has
already credited the money (in the same transaction) and hands the invoice here."""

from __future__ import annotations

import logging

from sqlmodel import Session

from ispgo_portal.models import Invoice, Tariff
from ispgo_portal.models.enums import LedgerKind
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.licensing.licenses import _create_license, _queue_bought

log = logging.getLogger(__name__)


def fulfil_invoice(session: Session, invoice: Invoice) -> int | None:
    """Charge the invoice amount as the purchase and create the licence; its id. At most once
    per invoice (ledger reference `invoice-purchase:<id>`). None when nothing is delivered
    (the tariff is gone, or the money is out of reach): the money stays on the balance."""
    reference = f"invoice-purchase:{invoice.id}"
    user = billing.lock_user(session, invoice.user_id)
    if billing.reference_exists(session, reference):
        return invoice.license_id
    # An archived tariff is still delivered: it was on sale when the invoice was issued.
    tariff = session.get(Tariff, invoice.tariff_id) if invoice.tariff_id else None
    if tariff is None:
        return None
    if billing.funds_of(user).available < invoice.amount:
        log.warning("invoice %s: funds too low to buy the licence, money left on the balance", invoice.id)
        return None
    lic = _create_license(session, user_id=invoice.user_id, tariff=tariff)
    billing.charge(session, user_id=invoice.user_id, amount=invoice.amount, kind=LedgerKind.PURCHASE,
                   description=f"Покупка лицензии «{tariff.name}», {tariff.period_days} дн. (счёт № {invoice.number})",
                   reference=reference)
    _queue_bought(session, user=user, tariff=tariff, lic=lic)
    return lic.id
