"""The panel license API (JSON in and out, every response body signed with Ed25519).

    POST /api/v1/licenses/activate    {"key", "fingerprint", "hostname"[, "nonce"]}
    POST /api/v1/licenses/validate    {"key", "fingerprint"[, "nonce"]}
    POST /api/v1/licenses/deactivate  {"key", "fingerprint"[, "nonce"]}
    GET  /api/v1/licenses/public-key

`X-Signature` holds the base64 Ed25519 signature of the exact response bytes; the public key
is served by /public-key (raw 32 bytes in base64, and PEM). Codes and HTTP statuses are
listed in services/licensing/panel_api.py.

Throttling per client address and per license key (fixed one-minute windows, Redis when
REDIS_URL is set): LICENSE_API_RATE_PER_ADDRESS (default 600) and LICENSE_API_RATE_PER_KEY
(default 60) requests per minute, 0 = no limit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ispgo_portal.api.client_address import client_address
from ispgo_portal.api.rate_limit import Bucket, RateLimiter
from ispgo_portal.services.licensing import panel_api as license_api
from ispgo_portal.services.licensing import signing
from ispgo_portal.services.licensing.panel_api import InvalidRequest, LicenseAnswer
from ispgo_portal.settings import get_settings

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4096


@lru_cache
def limiter() -> RateLimiter:
    return RateLimiter(redis_url=get_settings().redis_url, prefix="ispgo:rl:licenses")


def signed_body(payload: dict[str, Any], status: int = 200,
                extra_headers: dict[str, str] | None = None) -> tuple[bytes, int, dict[str, str]]:
    """Serialise once and sign exactly those bytes."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return body, status, {"X-Signature": signing.sign(body), "Cache-Control": "no-store", **(extra_headers or {})}


def signed_json(payload: dict[str, Any], status: int = 200) -> Response:
    body, status, headers = signed_body(payload, status)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def read_json_body(request: Request) -> Any:
    """The parsed body, refusing more than MAX_BODY_BYTES before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidRequest("body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidRequest("body too large")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest("body is not JSON") from exc


async def _handle(request: Request, required: tuple[str, ...], operation: Callable[..., LicenseAnswer]) -> Response:
    try:
        payload, problem = await read_json_body(request), ""
    except InvalidRequest as exc:
        payload, problem = None, str(exc)
    address = client_address(request)
    # One hop to a worker thread for everything blocking: counters, database, signature.
    body, status, headers = await anyio.to_thread.run_sync(
        _answer, payload, problem, address, required, operation)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _answer(payload: Any, problem: str, address: str, required: tuple[str, ...],
            operation: Callable[..., LicenseAnswer]) -> tuple[bytes, int, dict[str, str]]:
    fields: dict[str, str] | None = None
    if not problem:
        try:
            fields = license_api.clean_fields(payload, required)
        except InvalidRequest as exc:
            problem = str(exc)
    settings = get_settings()
    buckets = [Bucket(f"addr:{address}", settings.license_api_rate_per_address)]
    if fields is not None:
        buckets.append(Bucket(f"key:{fields['key']}", settings.license_api_rate_per_key))
    retry_after = limiter().hit(buckets)
    if retry_after is not None:
        return signed_body(LicenseAnswer("rate_limited").body(), 429, {"Retry-After": str(retry_after)})
    if fields is None:
        return signed_body({**LicenseAnswer("invalid_request").body(), "detail": problem}, 400)
    nonce = fields.pop("nonce", "")
    answer = operation(**fields)
    return signed_body(answer.body(nonce=nonce), answer.http_status)


async def activate(request: Request) -> Response:
    return await _handle(request, ("key", "fingerprint", "hostname"), license_api.activate_license)


async def validate(request: Request) -> Response:
    return await _handle(request, ("key", "fingerprint"), license_api.validate_license)


async def deactivate(request: Request) -> Response:
    return await _handle(request, ("key", "fingerprint"), license_api.deactivate_license)


async def public_key(_request: Request) -> Response:
    return signed_json({"algorithm": "Ed25519", "public_key": signing.public_key_base64(),
                        "public_key_pem": signing.public_key_pem(), "signature_header": "X-Signature"})


routes = [
    Route("/api/v1/licenses/activate", activate, methods=["POST"]),
    Route("/api/v1/licenses/validate", validate, methods=["POST"]),
    Route("/api/v1/licenses/deactivate", deactivate, methods=["POST"]),
    Route("/api/v1/licenses/public-key", public_key, methods=["GET"]),
]
