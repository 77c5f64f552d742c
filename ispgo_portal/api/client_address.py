"""The client's address, one way for every route: login throttling, the license API's rate
limit and the webhook's source check.

Without TRUSTED_PROXY_HEADER the socket's peer is the client. With it (our own reverse proxy
in front, e.g. nginx setting `X-Real-IP $remote_addr`), the header is read from the right:
proxies append, so everything left of what our proxy wrote came from the client and proves
nothing. Hops listed in TRUSTED_PROXIES (a chain of our own proxies) are skipped; the first
address that is not one of them is the client. A request that did not pass through the proxy
(no header) is judged by its socket address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from starlette.requests import Request

from ispgo_portal.settings import Settings, get_settings


def client_address_from(*, headers: Mapping[str, str], peer: str, settings: Settings) -> str:
    header = settings.trusted_proxy_header
    value = (headers.get(header.lower(), "") or headers.get(header, "")) if header else ""
    if not value:
        return peer
    proxies = settings.trusted_proxy_networks
    for hop in reversed([part.strip() for part in value.split(",")]):
        try:
            ip = ipaddress.ip_address(hop.removeprefix("[").split("]")[0])
        except ValueError:
            return peer  # not what our proxy writes: believe only the socket
        if not any(ip.version == net.version and ip in net for net in proxies):
            return str(ip)
    return peer


def client_address(request: Request, settings: Settings | None = None) -> str:
    peer = request.client.host if request.client else ""
    return client_address_from(headers=request.headers, peer=peer, settings=settings or get_settings())
