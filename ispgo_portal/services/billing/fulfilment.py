"""What a paid order delivers, without billing knowing what is sold.

Billing credits the paid amount and then hands the payment to the fulfiller registered for
its purpose, in the same transaction. Licensing registers "purchase" and "renewal" when its
package is imported (every process that settles payments imports it: the app, the API, the
workers). A fulfiller returns the id of what it delivered, or None when there is nothing to
deliver (the money then stays on the balance); a DomainError means the same."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from ispgo_portal.models import Payment
from ispgo_portal.models.enums import PaymentPurpose

Fulfiller = Callable[[Session, Payment], "int | None"]
_fulfillers: dict[str, Fulfiller] = {}


def register_fulfiller(purpose: str, fulfiller: Fulfiller) -> None:
    _fulfillers[purpose] = fulfiller


def fulfiller_for(purpose: str) -> Fulfiller | None:
    """The fulfiller of a purpose that delivers something; None for a plain top-up.
    A purpose that should deliver but has none registered is a wiring bug: raise, so the
    payment is retried once the process is fixed instead of silently kept as a top-up."""
    if purpose in (PaymentPurpose.TOPUP, PaymentPurpose.AUTOPAY):  # an autopayment is a top-up; the renewal pass charges after it
        return None
    fulfiller = _fulfillers.get(purpose)
    if fulfiller is None:
        raise RuntimeError(f"no fulfiller registered for payment purpose {purpose!r}")
    return fulfiller
