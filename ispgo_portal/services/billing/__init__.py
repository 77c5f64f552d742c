"""Billing: money. The ledger (the only code that changes a balance, one row per change),
prices, discounts and promo codes, YooKassa payments and their reconciliation, refunds
(never more than was paid), the customer's transaction history and the admin's reports,
payments and promo pages. Amounts are integer kopecks throughout. Billing knows nothing
of licences: a paid order is handed to whoever registered for its purpose (`fulfilment`)."""
