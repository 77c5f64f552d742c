"""Audit: the append-only record of who did what (`record`) and the admin's filtered view
of it (`log`). Every domain writes here; this package imports no other domain."""
