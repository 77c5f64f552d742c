"""Mail: email as a durable outbox. Services record an outbox row in their own transaction
(`notifications` renders the templates); after commit the row is handed to the sender
(`mailer`, SMTP) with retries; the admin's outbox page resends or drops."""
