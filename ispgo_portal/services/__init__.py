"""Business rules. Plain Python, no Reflex: pages and tasks call these."""
