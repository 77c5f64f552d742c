"""HTTP routes that are not Reflex pages (webhook, return page, license API, health)."""
