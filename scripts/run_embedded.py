"""`make run`: the embedded default. Migrate SQLite, load demo data, start the portal
(Reflex in production mode), a Celery worker and beat on the filesystem broker, print the
URL and the demo logins, and stop everything on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _banner import print_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = int(os.environ.get("PORTAL_PORT", "3000"))


def main() -> int:
    os.chdir(ROOT)
    env = dict(os.environ)
    env.setdefault("BASE_URL", f"http://localhost:{PORT}")
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    os.environ.update(env)

    from ispgo_portal.migrations import upgrade_to_head
    from ispgo_portal.services.demo import seed_demo
    from ispgo_portal.settings import get_settings, make_private_dir

    # Database, keys, mail and logs live here: only this user may enter it.
    get_settings().ensure_dirs()
    make_private_dir(ROOT / "data")

    print("• применяем миграции…", flush=True)
    upgrade_to_head()
    logins = seed_demo()

    logs = ROOT / "data" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    commands = {
        "portal": [str(BIN / "reflex"), "run", "--env", "prod", "--frontend-port", str(PORT),
                   "--backend-port", str(PORT)],
        "worker": [str(BIN / "celery"), "-A", "ispgo_portal.tasks.celery_app", "worker",
                   "--loglevel", "INFO", "--concurrency", "2", "--pool", "threads"],
        "beat": [str(BIN / "celery"), "-A", "ispgo_portal.tasks.celery_app", "beat", "--loglevel", "INFO"],
    }
    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                       start_new_session=True)
        print(f"• запущен {name} (журнал: data/logs/{name}.log)", flush=True)

    def stop(*_args: object) -> None:
        print("\n• останавливаем…", flush=True)
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.time() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    print("• собираем интерфейс (первый запуск — несколько минут)…", flush=True)
    url = env["BASE_URL"].rstrip("/")
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"! {name} завершился с кодом {proc.returncode}, см. data/logs/{name}.log")
                stop()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/health", timeout=2) as resp:
                if resp.status == 200:
                    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=5):
                        break
        except OSError:
            pass
        time.sleep(2)

    print_ready("Портал ISPGo работает", url, logins)
    while True:
        time.sleep(1)
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"! {name} завершился с кодом {proc.returncode}, см. data/logs/{name}.log")
                stop()


if __name__ == "__main__":
    sys.exit(main())
