"""`make cluster`: the production shape on one machine.

nginx on http://127.0.0.1:8080 serves the built pages and spreads the websocket and the HTTP
API over two portal processes; Reflex keeps every page's state in Redis, so either process
serves any user. Two Celery workers and one beat run the background work. Everything runs on
the local PostgreSQL (database `ispgo_cluster`) and Redis; payments go to the built-in
YooKassa emulator unless shop credentials are set. Pid files are in `data/cluster/`, logs in
`data/cluster/logs/`; Ctrl-C stops every process.

Environment (all optional): CLUSTER_PORT (8080), CLUSTER_PORTAL_PORTS ("8081,8082"),
CLUSTER_DATABASE_URL, CLUSTER_REDIS_URL (Celery broker), CLUSTER_STATE_REDIS_URL (Reflex state),
CLUSTER_SKIP_BUILD=1 (reuse the pages built by an earlier start).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _banner import print_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLUSTER_DIR = ROOT / "data" / "cluster"
LOGS = CLUSTER_DIR / "logs"
STATIC = ROOT / ".web" / "build" / "client"
# Paths served by the portal processes; everything else is a built page or asset.
BACKEND_PATHS = r"^/(_event|_upload|api/|ping|_health|emulator/|metrics)"

NGINX_CONF = """\
worker_processes 1;
pid {pid};
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {logs}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 30m;

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

    upstream portal {{
        # A process that refuses connections is skipped for 5 s; its websockets reconnect
        # to the other one.
{servers}
        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{port};
        root {static};

        location ~ {backend_paths} {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_read_timeout 3600s;
            proxy_next_upstream error timeout http_502 http_503;
        }}

        location / {{
            gzip_static on;
            rewrite ^(.+)/$ $1 last;
            try_files $uri $uri.html $uri/index.html =404;
        }}
        error_page 404 /404.html;
    }}
}}
"""


def _env() -> dict[str, str]:
    port = os.environ.get("CLUSTER_PORT", "8080")
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": os.environ.get("CLUSTER_DATABASE_URL",
                                       "postgresql://postgres@127.0.0.1:5432/ispgo_cluster"),
        "REDIS_URL": os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/3"),
        # Reflex's own variable: page state in Redis, shared by both portal processes.
        "REFLEX_REDIS_URL": os.environ.get("CLUSTER_STATE_REDIS_URL", "redis://127.0.0.1:6379/4"),
        "BASE_URL": url,
        "REFLEX_API_URL": url,  # the pages open their websocket through nginx
        "TRUSTED_PROXY_HEADER": "X-Real-IP",
        "DATA_DIR": str(ROOT / "data" / "cluster-data"),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
    })
    return env


def _ensure_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    print("• устанавливаем nginx…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def _write_nginx_conf(port: int, portal_ports: list[int]) -> Path:
    tmp = CLUSTER_DIR / "nginx-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in portal_ports)
    conf = CLUSTER_DIR / "nginx.conf"
    conf.write_text(NGINX_CONF.format(pid=CLUSTER_DIR / "nginx.pid", logs=LOGS, tmp=tmp, servers=servers,
                                      port=port, static=STATIC, backend_paths=BACKEND_PATHS))
    return conf


class Cluster:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[str], *, pid_file: bool = True,
              env: dict[str, str] | None = None) -> None:
        log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        if pid_file:
            (CLUSTER_DIR / f"{name}.pid").write_text(f"{proc.pid}\n")
        print(f"• запущен {name} (журнал: data/cluster/logs/{name}.log)", flush=True)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.time() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for name in self.procs:
            (CLUSTER_DIR / f"{name}.pid").unlink(missing_ok=True)


def _wait_for(url: str, *, cluster: Cluster, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name, proc in cluster.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} завершился с кодом {proc.returncode}, "
                                   f"см. data/cluster/logs/{name}.log")
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} не ответил за {timeout:.0f} с")


def _build_pages(env: dict[str, str]) -> None:
    """The pages once, for nginx to serve; both portal processes then run backend-only."""
    if env.get("CLUSTER_SKIP_BUILD") == "1" and (STATIC / "index.html").exists():
        return
    print("• собираем интерфейс (первый раз — несколько минут)…", flush=True)
    with open(LOGS / "build.log", "ab") as log:
        subprocess.run([str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
                       cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)


def main() -> int:
    os.chdir(ROOT)
    LOGS.mkdir(parents=True, exist_ok=True)
    env = _env()
    port = int(os.environ.get("CLUSTER_PORT", "8080"))
    portal_ports = [int(p) for p in os.environ.get("CLUSTER_PORTAL_PORTS", "8081,8082").split(",")]
    nginx = _ensure_nginx()
    _ensure_database(env["DATABASE_URL"])
    os.environ.update(env)

    from ispgo_portal.migrations import upgrade_to_head
    from ispgo_portal.services.demo import seed_demo

    print("• применяем миграции…", flush=True)
    upgrade_to_head()
    logins = seed_demo()
    _build_pages(env)

    cluster = Cluster(env)

    def stop(*_args: object) -> None:
        print("\n• останавливаем…", flush=True)
        cluster.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for n, portal_port in enumerate(portal_ports, start=1):
            cluster.start(f"portal-{n}", [str(BIN / "reflex"), "run", "--env", "prod", "--backend-only",
                                          "--backend-port", str(portal_port), "--backend-host", "127.0.0.1"],
                          # rxconfig names the single-port default; a backend-only process has no frontend.
                          env={"REFLEX_FRONTEND_PORT": "0", "GRANIAN_WORKERS": "1"})
        celery = [str(BIN / "celery"), "-A", "ispgo_portal.tasks.celery_app"]
        for n in (1, 2):
            cluster.start(f"worker-{n}", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "1",
                                          "-n", f"worker-{n}@%h"])
        cluster.start("beat", [*celery, "beat", "--loglevel", "INFO",
                               "--schedule", str(CLUSTER_DIR / "celerybeat-schedule")])
        conf = _write_nginx_conf(port, portal_ports)
        # nginx writes its own pid file (named in the config) as data/cluster/nginx.pid.
        cluster.start("nginx", [nginx, "-c", str(conf), "-p", str(CLUSTER_DIR), "-g", "daemon off;"],
                      pid_file=False)
        for portal_port in portal_ports:
            _wait_for(f"http://127.0.0.1:{portal_port}/api/health", cluster=cluster, timeout=300)
        _wait_for(f"http://127.0.0.1:{port}/login/", cluster=cluster, timeout=60)
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        print(f"! {exc}", flush=True)
        cluster.stop()
        return 1

    print_ready("Портал ISPGo (кластер) работает", env["BASE_URL"], logins,
                f"nginx → portal-1 :{portal_ports[0]}, portal-2 :{portal_ports[1]}; 2 worker, 1 beat")
    while True:
        time.sleep(1)
        for name, proc in cluster.procs.items():
            if proc.poll() is not None and name == "nginx":
                print("! nginx завершился, см. data/cluster/logs/nginx-error.log")
                stop()


if __name__ == "__main__":
    sys.exit(main())
