"""`make cluster`: the production shape on one machine.

nginx on http://127.0.0.1:8080 serves the built pages and spreads the websocket and the HTTP
API over two portal processes; Reflex keeps every page's state in Redis, so either process
serves any user. Two Celery workers and one beat run the background work. Everything runs on
the local PostgreSQL (database `ispgo_cluster`) and Redis; payments go to the built-in
YooKassa emulator unless shop credentials are set. Pid files are in `data/cluster/`, logs in
`data/cluster/logs/`; Ctrl-C stops every process.

What the processes share, and how: page state in Redis (REFLEX_REDIS_URL); sessions, login
throttling and the one-poller-per-payment claim in PostgreSQL; rate limits in Redis; the
license signing key and the ticket screenshots in one folder (DATA_DIR, ATTACHMENTS_DIR —
on several machines a shared mount or LICENSE_SIGNING_KEY); one beat. The YooKassa emulator
keeps its payments in memory, so here it is one process of its own behind nginx at /emulator
(mounted inside each portal it would know only the payments made through that portal).

A portal process that dies is started again after a second, as systemd's Restart=always
would: kill one and watch the pages move to the other and back.

Environment (all optional): CLUSTER_PORT (8080), CLUSTER_PORTAL_PORTS ("8081,8082"),
CLUSTER_EMULATOR_PORT (8083), CLUSTER_DIR (data/cluster), CLUSTER_DATABASE_URL,
CLUSTER_REDIS_URL (Celery broker), CLUSTER_STATE_REDIS_URL (Reflex state). The built pages are
kept in data/cluster-pages/ per port and source state: a start with nothing changed skips the build.
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import hashlib
import os
import pwd
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
CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR", ROOT / "data" / "cluster")).resolve()
LOGS = CLUSTER_DIR / "logs"
EXPORTED = ROOT / ".web" / "build" / "client"
# Built pages, one folder per portal URL (the URL is compiled into them) and source state.
PAGES_CACHE = ROOT / "data" / "cluster-pages"
# The project's one `.web` folder: a build here must not overlap another (the browser tests'
# portal takes the same lock).
WEB_LOCK = Path("/tmp/ispgo-portal-web.lock")
# Paths served by the portal processes; everything else is a built page or asset.
BACKEND_PATHS = r"^/(_event|_upload|api/|ping|_health|metrics)"
PORTAL_RESTART_DELAY = 1.0

NGINX_CONF = """\
{user}worker_processes 1;
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

{emulator}
        location ~ {backend_paths} {{
            proxy_pass http://portal;
            # Which process answered: for the operator and the failover tests.
            add_header X-Upstream $upstream_addr always;
            proxy_set_header X-Request-ID $request_id;
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


EMULATOR_LOCATION = """\
        # The one YooKassa emulator (its payments live in its memory).
        location ^~ /emulator/ {{
            proxy_pass http://127.0.0.1:{port}/;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }}
"""


def _uses_emulator() -> bool:
    return not (os.environ.get("YOOKASSA_SHOP_ID") and os.environ.get("YOOKASSA_SECRET_KEY"))


def _env() -> dict[str, str]:
    port = os.environ.get("CLUSTER_PORT", "8080")
    url = f"http://127.0.0.1:{port}"
    data_dir = CLUSTER_DIR.parent / f"{CLUSTER_DIR.name}-data"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": os.environ.get("CLUSTER_DATABASE_URL",
                                       "postgresql://postgres@127.0.0.1:5432/ispgo_cluster"),
        "REDIS_URL": os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/3"),
        # Reflex's own variable: page state in Redis, shared by both portal processes.
        "REFLEX_REDIS_URL": os.environ.get("CLUSTER_STATE_REDIS_URL", "redis://127.0.0.1:6379/4"),
        # A process keeps the page state it has just used (and its Redis lock) for half a second,
        # so the events of one click (the load handlers a page chains) skip Redis; another process
        # asking for that state makes it hand the state over at once. See README → Production.
        "REFLEX_OPLOCK_ENABLED": os.environ.get("REFLEX_OPLOCK_ENABLED", "true"),
        "REFLEX_OPLOCK_HOLD_TIME": os.environ.get("REFLEX_OPLOCK_HOLD_TIME", "500ms"),
        "BASE_URL": url,
        "REFLEX_API_URL": url,  # the pages open their websocket through nginx
        "TRUSTED_PROXY_HEADER": "X-Real-IP",
        # One folder for every process: the signing key made on first start, the screenshots.
        "DATA_DIR": str(data_dir),
        "ATTACHMENTS_DIR": str(data_dir / "attachments"),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
    })
    if _uses_emulator():
        env["YOOKASSA_API_URL"] = f"{url}/emulator/v3"
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


def _nginx_user() -> str:
    """Started as root, nginx runs its workers as `nobody`, who may not enter the data folder
    (0700: it holds secrets) to read the pages or buffer uploads: run them as us instead."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"


def _write_nginx_conf(port: int, portal_ports: list[int], static: Path, emulator_port: int | None) -> Path:
    tmp = CLUSTER_DIR / "nginx-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in portal_ports)
    conf = CLUSTER_DIR / "nginx.conf"
    emulator = EMULATOR_LOCATION.format(port=emulator_port) if emulator_port else ""
    conf.write_text(NGINX_CONF.format(user=_nginx_user(), pid=CLUSTER_DIR / "nginx.pid", logs=LOGS, tmp=tmp, servers=servers,
                                      port=port, static=static, backend_paths=BACKEND_PATHS,
                                      emulator=emulator))
    return conf


class Cluster:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, tuple[list[str], dict[str, str] | None, bool]] = {}

    def start(self, name: str, cmd: list[str], *, pid_file: bool = True,
              env: dict[str, str] | None = None) -> None:
        with open(LOGS / f"{name}.log", "ab") as log:  # the child keeps its own copy
            proc = subprocess.Popen(cmd, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        self.commands[name] = (cmd, env, pid_file)
        if pid_file:
            (CLUSTER_DIR / f"{name}.pid").write_text(f"{proc.pid}\n")
        print(f"• запущен {name} (журнал: {LOGS / name}.log)", flush=True)

    def restart_dead_portals(self) -> None:
        for name, proc in list(self.procs.items()):
            if name.startswith("portal-") and proc.poll() is not None:
                print(f"! {name} завершился (код {proc.returncode}), запускаем снова", flush=True)
                # `reflex run` serves from a child process: one left behind by a killed parent
                # would keep the port (and its websockets) forever.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                time.sleep(PORTAL_RESTART_DELAY)
                cmd, env, pid_file = self.commands[name]
                self.start(name, cmd, env=env, pid_file=pid_file)

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
                                   f"см. {LOGS / name}.log")
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} не ответил за {timeout:.0f} с")


def _pages_key(url: str) -> str:
    """The portal URL the pages talk to, and every source file that shapes them."""
    digest = hashlib.sha256(url.encode())
    for folder in ("ispgo_portal", "assets"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update((ROOT / "rxconfig.py").read_bytes())
    return digest.hexdigest()[:16]


def build_pages(env: dict[str, str]) -> Path:
    """The pages once, for nginx to serve; the portal processes then run backend-only. Kept
    per URL and source state, so a restart with nothing changed starts in seconds."""
    port = env["BASE_URL"].rsplit(":", 1)[-1]
    target = PAGES_CACHE / f"{port}-{_pages_key(env['BASE_URL'])}"
    if (target / "index.html").exists():
        return target
    print("• собираем интерфейс (первый раз — несколько минут)…", flush=True)
    with open(WEB_LOCK, "w") as lock, open(LOGS / "build.log", "ab") as log:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
                       cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
        for old in PAGES_CACHE.glob(f"{port}-*"):  # this URL's builds of older sources
            shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(EXPORTED, target.with_suffix(".tmp"), dirs_exist_ok=True)
        target.with_suffix(".tmp").rename(target)
    return target


def _clear_disk_states() -> None:
    """Every `reflex run` empties the project's `.states/` (the single-process state manager's
    files) as it starts; two starting at once race on it and one dies. Emptied here first,
    there is nothing left to race on (the cluster keeps its state in Redis)."""
    folder = ROOT / ".states"
    if folder.is_dir():
        for path in folder.iterdir():
            path.unlink(missing_ok=True)


def main() -> int:
    os.chdir(ROOT)
    LOGS.mkdir(parents=True, exist_ok=True)
    env = _env()
    port = int(os.environ.get("CLUSTER_PORT", "8080"))
    portal_ports = [int(p) for p in os.environ.get("CLUSTER_PORTAL_PORTS", "8081,8082").split(",")]
    emulator_port = int(os.environ.get("CLUSTER_EMULATOR_PORT", "8083")) if _uses_emulator() else None
    nginx = _ensure_nginx()
    _ensure_database(env["DATABASE_URL"])
    os.environ.update(env)

    from ispgo_portal.migrations import upgrade_to_head
    from ispgo_portal.services.demo import seed_demo

    print("• применяем миграции…", flush=True)
    upgrade_to_head()
    logins = seed_demo()
    static = build_pages(env)

    cluster = Cluster(env)

    def stop(*_args: object) -> None:
        print("\n• останавливаем…", flush=True)
        cluster.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if emulator_port:
            cluster.start("emulator", [str(BIN / "python"), "-m", "ispgo_portal.payments.emulator",
                                       "--host", "127.0.0.1", "--port", str(emulator_port),
                                       "--public-url", f"{env['BASE_URL']}/emulator",
                                       "--webhook-url", f"{env['BASE_URL']}/api/yookassa/webhook"])
        _clear_disk_states()
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
        conf = _write_nginx_conf(port, portal_ports, static, emulator_port)
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
                "nginx → " + ", ".join(f"portal-{n} :{p}" for n, p in enumerate(portal_ports, start=1))
                + "; 2 worker, 1 beat")
    while True:
        time.sleep(0.5)
        if cluster.procs["nginx"].poll() is not None:
            print(f"! nginx завершился, см. {LOGS}/nginx-error.log", flush=True)
            stop()
        cluster.restart_dead_portals()


if __name__ == "__main__":
    sys.exit(main())
