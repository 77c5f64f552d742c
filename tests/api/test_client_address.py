"""One function gives the client address to every route: the socket peer, or behind our own
proxy the rightmost hop that is not one of our proxies; never what the client wrote."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from ispgo_portal.api.client_address import client_address
from ispgo_portal.settings import Settings


def _request(peer: str, headers: dict[str, str]) -> Request:
    return Request({"type": "http", "client": (peer, 5555),
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


@pytest.mark.parametrize(("header", "proxies", "peer", "sent", "expected"), [
    ("", "", "203.0.113.7", {"X-Forwarded-For": "1.1.1.1"}, "203.0.113.7"),  # no proxy: the socket
    ("X-Real-IP", "", "127.0.0.1", {"X-Real-IP": "203.0.113.7"}, "203.0.113.7"),
    ("X-Real-IP", "", "127.0.0.1", {}, "127.0.0.1"),  # did not come through the proxy
    ("X-Forwarded-For", "", "127.0.0.1", {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}, "203.0.113.7"),
    ("X-Forwarded-For", "10.0.0.0/8", "127.0.0.1", {"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.1.2.3"},
     "203.0.113.7"),  # our second proxy's hop skipped, the client's guess still ignored
    ("X-Forwarded-For", "", "127.0.0.1", {"X-Forwarded-For": "6.6.6.6, not-an-ip"}, "127.0.0.1"),
    ("X-Real-IP", "", "127.0.0.1", {"X-Real-IP": "2001:db8::5"}, "2001:db8::5"),
])
def test_client_address(header: str, proxies: str, peer: str, sent: dict[str, str], expected: str) -> None:
    settings = Settings(_env_file=None, TRUSTED_PROXY_HEADER=header, TRUSTED_PROXIES=proxies)
    assert client_address(_request(peer, sent), settings) == expected


def test_every_route_uses_the_one_function() -> None:
    from ispgo_portal.api import client_address as module
    from ispgo_portal.api import licenses, payments, sessions

    assert licenses.client_address is module.client_address
    assert payments.client_address is module.client_address
    assert sessions.client_address is module.client_address
