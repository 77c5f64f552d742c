"""Accounts: who a customer is and how they prove it. Registration and login (argon2
passwords, server-side sessions, login throttling), password resets, the customer's own
summary (balance, credit, discount as the cabinet shows them) and the admin's customer
tools (edit, block, credit limit, discount, balance corrections — each audited)."""
