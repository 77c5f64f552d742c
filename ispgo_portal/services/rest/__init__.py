"""The reseller REST API's own rules: API tokens (scoped, hashed, revocable) and
`Idempotency-Key` handling for POST requests. The endpoints call the other domains."""
