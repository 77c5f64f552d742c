"""The customer's licenses: list, one, buy, renew, the auto-renewal switch, delete, servers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ispgo_portal.api.rest.account import payment_out
from ispgo_portal.api.rest.auth import reader, writer
from ispgo_portal.api.rest.idempotency import IdempotencyKey, run_idempotent
from ispgo_portal.api.rest.problems import responses
from ispgo_portal.api.rest.schemas import (
    BuyLicense,
    Id,
    LicenseOut,
    LicensePage,
    PatchLicense,
    PaymentAccepted,
    RenewLicense,
    ServerOut,
    TariffRef,
    url_text,
)
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.billing import payments
from ispgo_portal.services.billing.payments import PaymentStart
from ispgo_portal.services.licensing import licenses
from ispgo_portal.services.licensing import views as license_views
from ispgo_portal.services.licensing.views import LicenseView
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.services.rest.tokens import TokenCaller

router = APIRouter(tags=["Лицензии"])
MONEY_ERRORS = responses(401, 402, 403, 404, 409, 422, 429, 502, 503)


def license_out(view: LicenseView) -> LicenseOut:
    return LicenseOut(
        id=view.id, key=view.key, tariff=TariffRef(id=view.tariff_id, name=view.tariff_name),
        status=view.status, status_reason=view.status_reason, expires_at=view.expires_at,
        auto_renew=view.auto_renew, max_servers=view.max_servers, max_sites=view.max_sites,
        servers=[ServerOut(id=s.id, fingerprint=s.fingerprint, hostname=s.hostname,
                           activated_at=s.activated_at, last_seen_at=s.last_seen_at) for s in view.servers])


def _license(caller: TokenCaller, license_id: int) -> LicenseOut:
    return license_out(license_views.license_view(user_id=caller.user_id, license_id=license_id))


def _accepted(caller: TokenCaller, payment_id: int) -> PaymentAccepted:
    return PaymentAccepted(payment=payment_out(payments.payment_info(user_id=caller.user_id,
                                                                     payment_id=payment_id)))


@router.get("/licenses", response_model=LicensePage, summary="Мои лицензии (новые первыми)",
            openapi_extra={"x-scope": "read"}, responses=responses(401, 403, 422, 429))
def list_licenses(caller: TokenCaller = reader,
                  limit: Annotated[int, Query(ge=1, le=cursors.MAX_LIMIT)] = cursors.DEFAULT_LIMIT,
                  cursor: Annotated[str, Query(max_length=200)] = "") -> LicensePage:
    page = license_views.licenses_after(user_id=caller.user_id, limit=limit, cursor=cursor)
    return LicensePage(items=[license_out(v) for v in page.views], next_cursor=page.next_cursor)


@router.get("/licenses/{license_id}", response_model=LicenseOut, summary="Лицензия",
            openapi_extra={"x-scope": "read"}, responses=responses(401, 403, 404, 429))
def get_license(license_id: Id, caller: TokenCaller = reader) -> LicenseOut:
    return _license(caller, license_id)


@router.post("/licenses", status_code=201, response_model=LicenseOut, summary="Купить лицензию",
             description="`balance`: списание с баланса (затем кредита), ответ 201 с лицензией. "
                         "`yookassa`: ответ 202 `{payment}` — лицензия появится, когда платёж пройдёт.",
             openapi_extra={"x-scope": "write"},
             responses={202: {"model": PaymentAccepted, "description": "Платёж ЮKassa создан"}, **MONEY_ERRORS})
def buy_license(body: BuyLicense, request: Request, idempotency_key: IdempotencyKey = None,
                caller: TokenCaller = writer) -> Response:
    def work() -> tuple[int, LicenseOut | PaymentAccepted]:
        if body.method == "balance":
            outcome: PaymentStart | int = licenses.buy_from_balance(user_id=caller.user_id, tariff_id=body.tariff_id,
                                                        promo_code=body.promo_code)
        else:
            outcome = licenses.order_purchase(user_id=caller.user_id, tariff_id=body.tariff_id,
                                              promo_code=body.promo_code, return_url=url_text(body.return_url))
        paid_now = isinstance(outcome, int)
        api_tokens.record_api_action(
            caller=caller, action="api.license_buy", target_type="license" if paid_now else "payment",
            target_id=outcome if paid_now else outcome.payment_id,
            after={"tariff_id": body.tariff_id, "method": body.method})
        if paid_now:
            return 201, _license(caller, outcome)
        return 202, _accepted(caller, outcome.payment_id)

    return run_idempotent(request, caller, idempotency_key, body, work)


@router.post("/licenses/{license_id}/renew", response_model=LicenseOut, summary="Продлить лицензию",
             description="Срок продлевается от max(сейчас, окончание). `yookassa`: ответ 202 `{payment}`.",
             openapi_extra={"x-scope": "write"},
             responses={202: {"model": PaymentAccepted, "description": "Платёж ЮKassa создан"}, **MONEY_ERRORS})
def renew_license(license_id: Id, body: RenewLicense, request: Request,
                  idempotency_key: IdempotencyKey = None, caller: TokenCaller = writer) -> Response:
    def work() -> tuple[int, LicenseOut | PaymentAccepted]:
        if body.method == "balance":
            licenses.renew_from_balance(user_id=caller.user_id, license_id=license_id,
                                        promo_code=body.promo_code)
            outcome: PaymentStart | int = license_id
        else:
            outcome = licenses.order_renewal(user_id=caller.user_id, license_id=license_id,
                                             promo_code=body.promo_code, return_url=url_text(body.return_url))
        paid_now = isinstance(outcome, int)
        api_tokens.record_api_action(
            caller=caller, action="api.license_renew", target_type="license" if paid_now else "payment",
            target_id=license_id if paid_now else outcome.payment_id,
            after={"license_id": license_id, "method": body.method})
        if paid_now:
            return 200, _license(caller, license_id)
        return 202, _accepted(caller, outcome.payment_id)

    return run_idempotent(request, caller, idempotency_key, body, work)


@router.patch("/licenses/{license_id}", response_model=LicenseOut, summary="Включить или выключить автопродление",
              openapi_extra={"x-scope": "write"}, responses=responses(401, 403, 404, 422, 429))
def patch_license(license_id: Id, body: PatchLicense, caller: TokenCaller = writer) -> LicenseOut:
    licenses.set_auto_renew(user_id=caller.user_id, license_id=license_id, enabled=body.auto_renew)
    return _license(caller, license_id)


@router.delete("/licenses/{license_id}", status_code=204, summary="Удалить лицензию",
               description="Только истёкшую или приостановленную; действующая — 409.",
               openapi_extra={"x-scope": "write"}, responses=responses(401, 403, 404, 409, 429))
def delete_license(license_id: Id, caller: TokenCaller = writer) -> Response:
    licenses.delete_license(user_id=caller.user_id, license_id=license_id)
    return Response(status_code=204)


@router.delete("/licenses/{license_id}/servers/{server_id}", status_code=204,
               summary="Отключить сервер от лицензии", openapi_extra={"x-scope": "write"},
               responses=responses(401, 403, 404, 429))
def delete_server(license_id: Id, server_id: Id, caller: TokenCaller = writer) -> Response:
    licenses.deactivate_server(user_id=caller.user_id, license_id=license_id, activation_id=server_id)
    return Response(status_code=204)
