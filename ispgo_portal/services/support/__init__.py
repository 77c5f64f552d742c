"""Support: tickets. The customer's tickets and replies, the admin's queue (assign,
answer, close), and screenshot attachments (validated, stored outside the web root,
served only to the ticket's owner and admins)."""
