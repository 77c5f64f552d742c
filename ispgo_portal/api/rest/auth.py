"""Who is calling: the Bearer token, checked in the database on every request, its scope,
and the per-token rate limit (API_RATE_PER_TOKEN a minute, Redis when REDIS_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ispgo_portal.api.licenses import client_address
from ispgo_portal.api.rate_limit import Bucket, RateLimiter
from ispgo_portal.api.rest.problems import ApiProblem
from ispgo_portal.services.errors import AccessDenied
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.services.rest.tokens import TokenCaller
from ispgo_portal.settings import get_settings

bearer = HTTPBearer(auto_error=False, scheme_name="ApiToken",
                    description="API-токен из раздела «API-токены»: `Authorization: Bearer ispgo_…`")


@lru_cache
def limiter() -> RateLimiter:
    return RateLimiter(redis_url=get_settings().redis_url, prefix="ispgo:rl:rest")


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="ispgo"'})


def current_caller(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> TokenCaller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("Нужен API-токен: заголовок Authorization: Bearer ispgo_…")
    try:
        caller = api_tokens.authenticate(credentials.credentials, address=client_address(request))
    except AccessDenied as exc:
        raise _unauthorized(exc.message) from exc
    # The prefix keeps buckets apart when a database is recreated and ids start again.
    bucket = Bucket(f"token:{caller.token_id}:{caller.prefix}", get_settings().api_rate_per_token)
    retry_after = limiter().hit([bucket])
    if retry_after is not None:
        raise ApiProblem(429, "rate_limited", f"Слишком много запросов с этим токеном. Повторите через "
                                               f"{retry_after} с.", headers={"Retry-After": str(retry_after)})
    return caller


def scope(name: str) -> Callable[..., TokenCaller]:
    def check(caller: TokenCaller = Depends(current_caller)) -> TokenCaller:
        if not caller.allows(name):
            what = "чтение (read)" if name == "read" else "изменение (write)"
            raise ApiProblem(403, "forbidden_scope", f"У этого токена нет права на {what}")
        return caller

    return check


reader = Depends(scope("read"))
writer = Depends(scope("write"))
