"""Licensing: what a customer buys. The tariff catalog and its admin, licences (purchase,
renewal by hand and automatic, suspension, expiry), license keys and their signing, the
panel activation/validation API and the admin's licence tools. Charges go through billing."""

from ispgo_portal.models.enums import PaymentPurpose
from ispgo_portal.services.billing.fulfilment import register_fulfiller
from ispgo_portal.services.billing.invoices import register_invoice_fulfiller
from ispgo_portal.services.licensing.invoice_purchase import fulfil_invoice
from ispgo_portal.services.licensing.licenses import fulfil_payment

# A paid YooKassa order for a licence is delivered by licensing (see billing/fulfilment.py).
register_fulfiller(PaymentPurpose.PURCHASE, fulfil_payment)
register_fulfiller(PaymentPurpose.RENEWAL, fulfil_payment)
# So is a paid bank-transfer invoice for a tariff (see billing/invoices.py).
register_invoice_fulfiller(fulfil_invoice)
