"""Behind nginx with TRUSTED_PROXY_HEADER: failed logins are counted per client address (the
one nginx writes in X-Real-IP, not nginx's own), and a burst of them from one client neither
locks out other accounts from that address nor slows down anyone else."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LoginAttempt
from ispgo_portal.services.accounts import auth
from ispgo_portal.settings import get_settings
from tests.e2e.portal import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ORIGIN = {"Origin": "http://localhost:3000"}
ATTACKER, NEIGHBOUR, OTHER = "127.0.0.2", "127.0.0.2", "127.0.0.3"

NGINX_CONF = """
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def portal_api() -> Iterator[int]:
    from ispgo_portal.api.app import create_api

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def nginx(portal_api: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is required: apt-get install -y nginx")
    root = tmp_path_factory.mktemp("nginx")
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(NGINX_CONF.format(user=user, root=root, port=port, upstream=portal_api))
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while True:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code in (200, 503):
                break
        except httpx.TransportError as exc:
            if proc.poll() is not None or time.time() > deadline:
                detail = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"nginx did not start: {detail}") from exc
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "trusted_proxy_header", "X-Real-IP")


def _login(url: str, source: str, email: str, password: str) -> tuple[str, float]:
    """("ok" | "refused" | "throttled", seconds taken) of one login through nginx from `source`."""
    started = time.monotonic()
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30) as client:
        answer = client.post(f"{url}/api/session/login", headers=ORIGIN, json={"email": email, "password": password})
    outcome = "throttled" if answer.status_code == 429 else "ok" if answer.json()["ok"] else "refused"
    return outcome, time.monotonic() - started


def _attack(url: str, emails: list[str]) -> list[str]:
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda email: _login(url, ATTACKER, email, "wrong-password"), emails))
    return [status for status, _ in results]


def test_thirty_failures_from_one_client_lock_no_one_out(nginx: str, behind_proxy: None, make_customer) -> None:
    make_customer(email="victim@example.ru", password="password123")
    make_customer(email="admin@example.ru", password="admin-password-1", role="admin")
    # A new user sprays 30 wrong passwords across accounts, and hammers one of them.
    statuses = _attack(nginx, [f"guess{i}@example.ru" for i in range(30)])
    statuses += _attack(nginx, ["victim@example.ru"] * 30)
    assert set(statuses) <= {"refused", "throttled"} and statuses.count("refused") >= 30

    # Counted under the client's address from X-Real-IP, not under nginx's own 127.0.0.1.
    with session_scope() as session:
        addresses = set(session.exec(select(LoginAttempt.ip)).all())
    assert addresses == {ATTACKER}

    # Someone else: not even slowed down.
    status, took = _login(nginx, OTHER, "admin@example.ru", "admin-password-1")
    assert status == "ok" and took < auth.SLOWDOWN_FIRST_SECONDS * 4
    # Someone behind the attacker's own address (an office NAT) is slowed, never refused.
    status, took = _login(nginx, NEIGHBOUR, "admin@example.ru", "admin-password-1")
    assert status == "ok" and auth.SLOWDOWN_MAX_SECONDS <= took < auth.SLOWDOWN_MAX_SECONDS + 5
    # The hammered account is held by its own per-email limit, as before.
    assert _login(nginx, OTHER, "victim@example.ru", "password123")[0] == "throttled"
