"""The account, its ledger, the tariffs on sale, top-ups and payments."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ispgo_portal.api.rest.auth import reader, writer
from ispgo_portal.api.rest.idempotency import IdempotencyKey, run_idempotent
from ispgo_portal.api.rest.problems import responses
from ispgo_portal.api.rest.schemas import (
    Id,
    LedgerItem,
    LedgerPage,
    Me,
    PaymentOut,
    TariffList,
    TariffOut,
    TopupIn,
    url_text,
)
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.accounts import summary as accounts
from ispgo_portal.services.billing import history as ledger_history
from ispgo_portal.services.billing import payments
from ispgo_portal.services.billing.payments import PaymentInfo
from ispgo_portal.services.licensing import catalog
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.services.rest.tokens import TokenCaller

router = APIRouter()
READ_ERRORS = responses(401, 403, 429)


def payment_out(info: PaymentInfo) -> PaymentOut:
    return PaymentOut(id=info.id, status=info.status, amount=info.amount, purpose=info.purpose,
                      created_at=info.created_at, confirmation_url=info.confirmation_url)


@router.get("/me", response_model=Me, tags=["Аккаунт"], summary="Аккаунт и баланс",
            openapi_extra={"x-scope": "read"}, responses=READ_ERRORS)
def get_me(caller: TokenCaller = reader) -> Me:
    s = accounts.account_summary(user_id=caller.user_id)
    return Me(id=caller.user_id, email=s.email, name=s.name, balance=s.balance, credit_limit=s.credit_limit,
              credit_used=s.credit_used, available=s.available, discount_percent=s.discount_percent)


@router.get("/ledger", response_model=LedgerPage, tags=["Аккаунт"], summary="История операций по балансу",
            openapi_extra={"x-scope": "read"}, responses=responses(401, 403, 422, 429))
def get_ledger(
    caller: TokenCaller = reader,
    kind: Annotated[str, Query(description="topup, purchase, renewal, refund или adjustment")] = "",
    from_: Annotated[date | None, Query(alias="from", description="С даты (по Москве), ГГГГ-ММ-ДД")] = None,
    to: Annotated[date | None, Query(description="По дату включительно (по Москве), ГГГГ-ММ-ДД")] = None,
    limit: Annotated[int, Query(ge=1, le=cursors.MAX_LIMIT)] = cursors.DEFAULT_LIMIT,
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> LedgerPage:
    filters = ledger_history.parse_history_filter(
        kind=kind, date_from=from_.isoformat() if from_ else "", date_to=to.isoformat() if to else "")
    page = ledger_history.ledger_after(user_id=caller.user_id, filters=filters, limit=limit, cursor=cursor)
    return LedgerPage(items=[LedgerItem(id=r.id, created_at=r.created_at, kind=r.kind, amount=r.amount,
                                        balance_after=r.balance_after, description=r.description)
                             for r in page.rows], next_cursor=page.next_cursor)


@router.get("/tariffs", response_model=TariffList, tags=["Тарифы"], summary="Тарифы в продаже",
            openapi_extra={"x-scope": "read"}, responses=READ_ERRORS)
def get_tariffs(caller: TokenCaller = reader) -> TariffList:
    return TariffList(items=[TariffOut(**{k: t[k] for k in TariffOut.model_fields})
                             for t in catalog.list_active_tariffs()])


@router.post("/topups", status_code=202, response_model=PaymentOut, tags=["Платежи"],
             summary="Пополнить баланс через ЮKassa", openapi_extra={"x-scope": "write"},
             responses=responses(401, 403, 409, 422, 429, 502, 503))
def post_topup(body: TopupIn, request: Request, idempotency_key: IdempotencyKey = None,
               caller: TokenCaller = writer) -> Response:
    def work() -> tuple[int, PaymentOut]:
        started = payments.start_topup(user_id=caller.user_id, amount=body.amount,
                                       return_url=url_text(body.return_url))
        api_tokens.record_api_action(caller=caller, action="api.topup", target_type="payment",
                                     target_id=started.payment_id, after={"amount": body.amount})
        return 202, payment_out(payments.payment_info(user_id=caller.user_id, payment_id=started.payment_id))

    return run_idempotent(request, caller, idempotency_key, body, work)


@router.get("/payments/{payment_id}", response_model=PaymentOut, tags=["Платежи"],
            summary="Платёж (статус уточняется в ЮKassa)", openapi_extra={"x-scope": "read"},
            responses=responses(401, 403, 404, 429))
def get_payment(payment_id: Id, caller: TokenCaller = reader) -> PaymentOut:
    return payment_out(payments.payment_info(user_id=caller.user_id, payment_id=payment_id, refresh=True))
