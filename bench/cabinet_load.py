"""Customers in the cabinet over the real websocket protocol, on one process and on the cluster.

Each simulated customer logs in over HTTP (`POST /api/session/login`, the HttpOnly cookie),
opens Reflex's socket.io connection at `/_event` with that cookie in the handshake (as the
browser does), hydrates the dashboard and then loops, with a short pause between actions, over
what a customer does: open the dashboard, the balance with its history, the licenses, the
tickets, and search the FAQ. A page is opened as the frontend does on navigation: the page's
`on_load_internal` event, whose answer names the page's load handlers, which are sent back.
An action's latency is from its first event to the delta of the state that shows the page
(`DashboardState` for the dashboard, ...); the FAQ search is the cheap event (no database).

Targets, each on its own new PostgreSQL database with its own customers:
- `single`: one `reflex run --env prod --backend-only` process (page state kept by the process:
  Reflex's disk manager, no Redis);
- `cluster`: scripts/run_cluster.py (nginx, two portal processes with state in Redis);
- `cluster-1`: the same with one portal process, for the capacity level only: what adding the
  second process buys, measured against a process of the same shape.
The login storm: extra clients, in a process of their own, posting correct logins back to back
(argon2 on the servers) while the customers run; the cheap-event p99 is compared with and
without it.

    python bench/cabinet_load.py                      # 10, 50, 200 users on both targets
    python bench/cabinet_load.py --users 10,50 --duration 20 --targets single
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _common
import httpx
import socketio

ROOT = _common.ROOT
PASSWORD = "bench-password-1"
CHEAP = "faq_search"
ACTIONS = ("dashboard", "balance", "licenses", "tickets", CHEAP)
ACTION_TIMEOUT = 30.0
RAMP_USERS_PER_SECOND = 10.0
SETTLE_SECONDS = 3.0


def _state_names() -> dict[str, str]:
    """Full Reflex names of the states the actions wait for, and of the root and on-load states."""
    os.environ.setdefault("DATABASE_URL", "sqlite://")
    from reflex.state import OnLoadInternalState, State

    from ispgo_portal.state.balance import BalanceState
    from ispgo_portal.state.dashboard import DashboardState
    from ispgo_portal.state.faq import FaqState
    from ispgo_portal.state.licenses import LicensesState
    from ispgo_portal.state.tickets import TicketsState

    return {"root": State.get_full_name(), "on_load": OnLoadInternalState.get_full_name(),
            "dashboard": DashboardState.get_full_name(), "balance": BalanceState.get_full_name(),
            "licenses": LicensesState.get_full_name(), "tickets": TicketsState.get_full_name(),
            CHEAP: FaqState.get_full_name()}


NAMES: dict[str, str] = {}
PAGES = {"dashboard": "/dashboard", "balance": "/balance", "licenses": "/licenses", "tickets": "/tickets",
         CHEAP: "/faq"}


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    logins: list[float] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)
    generator_cpu: float = 0.0  # the load generator's own CPU, in cores, over the window
    storm_cpu: float = 0.0  # the login storm's process, likewise
    machine_busy: float = 0.0  # the share of all cores' time not idle (everything: portals, generator, ...)


def _router(path: str) -> dict[str, object]:
    return {"pathname": path, "asPath": path, "query": {}}


class Customer:
    """One browser tab: a socket.io client speaking Reflex's event protocol."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url
        self.cookie = cookie
        self.token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.path = "/dashboard"
        self._waiting: tuple[str, asyncio.Future] | None = None
        self.sio.on("event", self._on_update, namespace="/_event")

    async def connect(self) -> None:
        await self.sio.connect(f"{self.url}?token={self.token}", socketio_path="/_event",
                               namespaces=["/_event"], transports=["websocket"],
                               headers={"Cookie": self.cookie, "Origin": self.url}, wait_timeout=30)
        await self.act("dashboard", [(f"{NAMES['root']}.hydrate_and_load", {})])

    async def close(self) -> None:
        await self.sio.disconnect()

    async def _send(self, name: str, payload: dict) -> None:
        await self.sio.emit("event", {"name": name, "payload": payload, "router_data": _router(self.path)},
                            namespace="/_event")

    async def _on_update(self, update: dict) -> None:
        delta = update.get("delta") or {}
        if self._waiting and delta.get(NAMES[self._waiting[0]]) and not self._waiting[1].done():
            self._waiting[1].set_result(time.perf_counter())
        for event in update.get("events") or []:  # chained events go back, as the frontend does
            name = event.get("name", "")
            if name == "_redirect" and "/login" in str(event.get("payload")):
                if self._waiting and not self._waiting[1].done():
                    self._waiting[1].set_exception(RuntimeError("redirected to /login: not logged in"))
            elif not name.startswith("_"):
                await self._send(name, event.get("payload") or {})

    async def act(self, action: str, events: list[tuple[str, dict]]) -> float:
        """Seconds from the first event to the delta of the action's state."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting = (action, future)
        started = time.perf_counter()
        for name, payload in events:
            await self._send(name, payload)
        try:
            return await asyncio.wait_for(future, ACTION_TIMEOUT) - started
        finally:
            self._waiting = None

    async def open_page(self, action: str) -> float:
        self.path = PAGES[action]
        return await self.act(action, [(f"{NAMES['on_load']}.on_load_internal", {})])

    async def search_faq(self) -> float:
        self.path = "/faq"
        query = random.choice(["баланс", "лиценз", "возврат", "ключ", "сервер", "кредит"])
        return await self.act(CHEAP, [(f"{NAMES[CHEAP]}.search", {"query": query})])


async def _login(url: str, email: str, client: httpx.AsyncClient | None = None) -> str:
    # A client of its own (or one whose cookies are cleared first): a shared cookie jar would send
    # one customer's session cookie with another's login, and the login rotates that session out.
    if client is None:
        async with httpx.AsyncClient(timeout=120) as own:
            return await _login(url, email, own)
    client.cookies.clear()
    answer = await client.post(f"{url}/api/session/login", json={"email": email, "password": PASSWORD},
                               headers={"Origin": url})
    answer.raise_for_status()
    if not answer.json().get("ok"):
        raise RuntimeError(f"login refused for {email}: {answer.text}")
    return "; ".join(f"{name}={value}" for name, value in answer.cookies.items())


async def _register(client: httpx.AsyncClient, url: str, email: str) -> None:
    answer = await client.post(f"{url}/api/session/register", headers={"Origin": url},
                               json={"name": "Нагрузка", "email": email, "password": PASSWORD,
                                     "password_confirm": PASSWORD})
    if not answer.json().get("ok"):
        raise RuntimeError(f"registration refused for {email}: {answer.text}")


@dataclass
class Window:
    """The measured stretch of a level: it opens SETTLE_SECONDS after the last customer has
    logged in and connected (logins wait for a hashing slot, so a crowd's logins can outlast
    the ramp; measuring while they still run would measure a login storm) and lasts `duration`."""
    users: int
    duration: float
    connected: int = 0
    measure_from: float = float("inf")
    stop_at: float = float("inf")
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def one_connected(self) -> None:
        self.connected += 1
        if self.connected == self.users:
            self.open()

    def open(self) -> None:
        if not self.opened.is_set():
            self.measure_from = time.monotonic() + SETTLE_SECONDS
            self.stop_at = self.measure_from + self.duration
            self.opened.set()


async def _customer_loop(url: str, email: str, *, start_after: float, window: Window, think: float,
                         results: Results, actions: tuple[str, ...]) -> None:
    await asyncio.sleep(max(0.0, start_after - time.monotonic()))
    try:
        customer = Customer(url, await _login(url, email))
        await customer.connect()
    finally:
        window.one_connected()  # a customer that failed to connect must not hold the window shut
    try:
        while time.monotonic() < window.stop_at:
            for action in actions:
                if time.monotonic() >= window.stop_at:
                    break
                counted = time.monotonic() >= window.measure_from  # the ramp-up is not measured
                try:
                    took = await (customer.search_faq() if action == CHEAP else customer.open_page(action))
                    if counted:
                        results.latencies[action].append(took)
                except (TimeoutError, RuntimeError, socketio.exceptions.SocketIOError):
                    results.errors[action] += 1
                await asyncio.sleep(random.uniform(0.5, 1.5) * think)
    finally:
        await customer.close()


async def _login_storm(url: str, emails: list[str], window: Window, results: Results) -> None:
    """One attacker: correct logins back to back through the measured window."""
    await window.opened.wait()
    await asyncio.sleep(max(0.0, window.measure_from - time.monotonic()))
    # One client per storm task, reused: a new client per login costs the load generator an SSL
    # context (~50 ms of its event loop each), which the customers' measured latencies would show.
    async with httpx.AsyncClient(timeout=120) as client:
        while time.monotonic() < window.stop_at:
            started = time.perf_counter()
            try:
                await _login(url, random.choice(emails), client)
                results.logins.append(time.perf_counter() - started)
            except (httpx.HTTPError, RuntimeError):
                results.errors["login_storm"] += 1


async def _storm_process(url: str, emails: list[str], clients: int, window: Window, results: Results) -> None:
    """The login storm, run by a process of its own: the attackers are someone else's machine, so
    their HTTP clients must not share an event loop with the customers being measured (that loop
    would then add its own delays to the customers' latencies). The process starts with the level
    (its imports stay out of the window) and is told the window when it opens; CLOCK_MONOTONIC is
    one clock for every process of the machine."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--storm-worker", url, str(clients),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None
    await window.opened.wait()
    proc.stdin.write(json.dumps({"emails": emails, "from": window.measure_from, "to": window.stop_at}).encode())
    proc.stdin.close()
    report = json.loads(await proc.stdout.read())
    await proc.wait()
    results.logins.extend(report["logins"])
    results.errors["login_storm"] += report["errors"]
    results.storm_cpu = report["cpu"]


def _storm_worker(url: str, clients: int) -> None:
    """The storm process's side of `_storm_process`: the window on stdin, the logins on stdout."""
    order = json.loads(sys.stdin.read())
    window = Window(users=0, duration=order["to"] - order["from"], measure_from=order["from"], stop_at=order["to"])
    results = Results()

    async def storm() -> None:
        window.opened.set()
        cpu_from = time.process_time()
        await asyncio.gather(*(_login_storm(url, order["emails"], window, results) for _ in range(clients)))
        results.storm_cpu = (time.process_time() - cpu_from) / max(window.duration, 1e-9)

    asyncio.run(storm())
    print(json.dumps({"logins": results.logins, "errors": results.errors["login_storm"], "cpu": results.storm_cpu}))


async def _loop_lag(window: Window, results: Results) -> None:
    """How late this generator's own event loop wakes up (a latency it adds to every action), and
    how much CPU it takes from the cores it shares with the portal."""
    await window.opened.wait()
    await asyncio.sleep(max(0.0, window.measure_from - time.monotonic()))
    cpu_from, wall_from, machine_from = time.process_time(), time.monotonic(), _machine_times()
    while time.monotonic() < window.stop_at:
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        results.loop_lag.append(time.perf_counter() - started - 0.01)
    results.generator_cpu = (time.process_time() - cpu_from) / (time.monotonic() - wall_from)
    (idle_from, total_from), (idle_to, total_to) = machine_from, _machine_times()
    results.machine_busy = 1 - (idle_to - idle_from) / max(total_to - total_from, 1)


def _machine_times() -> tuple[int, int]:
    """(idle, total) jiffies of all cores since boot, from /proc/stat: whether the machine itself
    is the limit (a target cannot serve more once every core is busy)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:  # not Linux
        return 0, 0
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; user .. steal


async def run_level(url: str, emails: list[str], *, users: int, duration: float, think: float,
                    storm: int, actions: tuple[str, ...] = ACTIONS) -> Results:
    results = Results()
    # Customers log in and connect spread over a ramp (a real crowd does not arrive in one
    # millisecond); measuring starts once the last one is in and has had time to settle.
    now = time.monotonic()
    ramp = users / RAMP_USERS_PER_SECOND
    window = Window(users, duration)
    tasks = [asyncio.create_task(_customer_loop(
        url, emails[i % len(emails)], start_after=now + ramp * i / users, window=window, think=think,
        results=results, actions=actions)) for i in range(users)]
    storm_emails = emails[:max(1, len(emails) // 4)]
    if storm:
        tasks.append(asyncio.create_task(_storm_process(url, storm_emails, storm, window, results)))
    tasks.append(asyncio.create_task(_loop_lag(window, results)))
    done = await asyncio.gather(*tasks, return_exceptions=True)
    for failure in (d for d in done if isinstance(d, BaseException)):
        results.errors[f"customer_failed:{type(failure).__name__}"] += 1
    results.latencies["_elapsed"] = [duration]
    results.latencies["_ramp"] = [window.measure_from - SETTLE_SECONDS - now]
    return results


def _report(label: str, results: Results) -> dict[str, float]:
    elapsed = results.latencies.pop("_elapsed")[0]
    ramp = results.latencies.pop("_ramp")[0]
    total = sum(len(v) for v in results.latencies.values())
    print(f"\n{label}: {total / elapsed:.1f} actions/s over {elapsed:.0f} s (all logged in after {ramp:.0f} s)"
          + (f", {len(results.logins)} storm logins (p50 {_common.percentile_ms(results.logins, 0.5):.0f} ms)"
             if results.logins else "")
          + (f", errors {dict(results.errors)}" if any(results.errors.values()) else ""))
    if results.loop_lag:
        print(f"  load generator's loop wakes late: p50 {_common.percentile_ms(results.loop_lag, 0.5):.1f} ms, "
              f"p99 {_common.percentile_ms(results.loop_lag, 0.99):.1f} ms; it uses "
              f"{results.generator_cpu:.2f} of the machine's {os.cpu_count()} cores"
              + (f" (the login storm's process {results.storm_cpu:.2f})" if results.logins else "")
              + f"; the machine's cores are {results.machine_busy:.0%} busy")
    print(f"  {'action':<12}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    summary = {"throughput": total / elapsed}
    for action in ACTIONS:
        values = results.latencies.get(action, [])
        if not values:
            continue
        p50, p99 = (_common.percentile_ms(values, q) for q in (0.5, 0.99))
        summary[f"{action}_p99"] = p99
        summary[f"{action}_rate"] = len(values) / elapsed
        print(f"  {action:<12}{len(values):>7}{len(values) / elapsed:>8.1f}{p50:>9.0f}{p99:>9.0f}"
              f"{max(values) * 1000:>9.0f}")  # a rare freeze hides behind the p99
    return summary


# --- the targets ------------------------------------------------------------------------------

def _start_single() -> tuple[str, Callable[[], None]]:
    name, database_url = _common.create_database()
    port = _common.free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = Path(f"/tmp/ispgo-bench-{name}")
    env = {**os.environ, "DATABASE_URL": database_url, "BASE_URL": url, "DATA_DIR": str(data_dir),
           "REFLEX_FRONTEND_PORT": "0", "GRANIAN_WORKERS": "1", "REFLEX_TELEMETRY_ENABLED": "false",
           "REFLEX_USE_SYSTEM_BUN": "1"}
    for var in ("REDIS_URL", "REFLEX_REDIS_URL", "YOOKASSA_API_URL"):
        env.pop(var, None)
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "ispgo-portal"), "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    log = open(ROOT / "test-output" / "bench-single.log", "wb")  # noqa: SIM115 - closed by stop()
    proc = subprocess.Popen([str(bin_dir / "reflex"), "run", "--env", "prod", "--backend-only",
                             "--backend-host", "127.0.0.1", "--backend-port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    from tests.cluster.cluster import wait_healthy

    wait_healthy(f"{url}/api/health", 300, proc, ROOT / "test-output" / "bench-single.log")

    def stop() -> None:
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
        _common.drop_database(name)

    return url, stop


def _start_cluster(portals: int = 2) -> tuple[str, Callable[[], None]]:
    from tests.cluster.cluster import start_cluster, stop_cluster

    cluster = start_cluster(portals=portals)
    return cluster.url, lambda: stop_cluster(cluster)


async def _prepare(url: str, count: int) -> list[str]:
    """Customers registered over HTTP (the same path as the form), a few at a time."""
    run = uuid.uuid4().hex[:6]
    emails = [f"load-{run}-{i}@example.ru" for i in range(count)]
    async with httpx.AsyncClient(timeout=120) as http:
        for start in range(0, count, 8):
            await asyncio.gather(*(_register(http, url, e) for e in emails[start:start + 8]))
    return emails


async def bench_target(url: str, label: str, levels: list[int], args: argparse.Namespace) -> dict:
    emails = await _prepare(url, min(max(levels), args.accounts))
    out: dict = {}
    for users in levels:
        results = await run_level(url, emails, users=users, duration=args.duration, think=args.think, storm=0)
        out[(users, False)] = _report(f"{label}, {users} users", results)
    storm_users = args.storm_users
    results = await run_level(url, emails, users=storm_users, duration=args.duration, think=args.think,
                              storm=args.storm)
    out[(storm_users, True)] = _report(f"{label}, {storm_users} users + login storm ({args.storm} clients)",
                                       results)
    if args.saturate:
        out.update(await _capacity(url, emails, label, args))
    if (storm_users, False) not in out:
        results = await run_level(url, emails, users=storm_users, duration=args.duration, think=args.think, storm=0)
        out[(storm_users, False)] = _report(f"{label}, {storm_users} users", results)
    return out


async def _capacity(url: str, emails: list[str], label: str, args: argparse.Namespace) -> dict[str, dict]:
    """Capacity, not offered load: at the customer levels every target keeps up with customers who
    pause between actions, so their throughput is the same anywhere. Here customers act back to
    back, and the actions/s is what the target can serve: of the cheap event alone (the protocol's
    and the state manager's cost per event), and of the whole loop (pages: database work)."""
    out = {}
    for key, actions, what in (("saturated", (CHEAP,), "the cheap event"), ("saturated_pages", ACTIONS, "every action")):
        results = await run_level(url, emails, users=args.saturate, duration=args.duration, think=0.0, storm=0,
                                  actions=actions)
        out[key] = _report(f"{label}, {args.saturate} users sending {what} back to back", results)
    return out


async def bench_capacity_only(url: str, label: str, args: argparse.Namespace) -> dict:
    return await _capacity(url, await _prepare(url, min(args.saturate, args.accounts)), label, args)


def _ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


def main() -> None:
    if sys.argv[1:2] == ["--storm-worker"]:
        _storm_worker(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="10,50,200")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a customer's actions, s")
    parser.add_argument("--accounts", type=int, default=40, help="customer accounts (users share them)")
    parser.add_argument("--storm", type=int, default=8, help="clients posting logins back to back")
    parser.add_argument("--storm-users", type=int, default=50)
    parser.add_argument("--saturate", type=int, default=20,
                        help="customers sending the cheap event with no pause (0: skip this level)")
    parser.add_argument("--targets", default="single,cluster,cluster-1",
                        help="single, cluster, cluster-1 (the cluster with one portal process: capacity "
                             "only) and/or URLs of running portals, comma-separated")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    NAMES.update(_state_names())
    (ROOT / "test-output").mkdir(exist_ok=True)

    starters: dict[str, Callable[[], tuple[str, Callable[[], None]]]] = {
        "single": _start_single, "cluster": _start_cluster, "cluster-1": lambda: _start_cluster(portals=1)}
    summaries: dict[str, dict] = {}
    for target in args.targets.split(","):
        if target == "cluster-1" and not args.saturate:
            continue
        # A URL is a portal someone else started (`make cluster`): measured, not stopped.
        url, stop = (target, lambda: None) if target.startswith("http") else starters[target]()
        try:
            summaries[target] = asyncio.run(bench_capacity_only(url, target, args) if target == "cluster-1"
                                            else bench_target(url, target, levels, args))
        finally:
            stop()

    print("\nSummary")
    for target, out in summaries.items():
        if (args.storm_users, True) not in out:  # a capacity-only target
            continue
        calm = out[(args.storm_users, False)].get(f"{CHEAP}_p99", float("nan"))
        stormy = out[(args.storm_users, True)].get(f"{CHEAP}_p99", float("nan"))
        print(f"  {target}: cheap-event p99 at {args.storm_users} users {calm:.0f} ms, "
              f"with a login storm {stormy:.0f} ms ({_ratio(stormy, calm):.2f}×; target ≤ 2×)")
        if (max(levels), False) in out:
            worst = max((v for k, v in out[(max(levels), False)].items() if k.endswith("_p99")),
                        default=float("nan"))
            print(f"  {target}: worst p99 at {max(levels)} users {worst:.0f} ms (target < 300 ms on the cluster)")
    if {"single", "cluster"} <= summaries.keys():
        for users in levels:
            one = summaries["single"][(users, False)].get(f"{CHEAP}_rate", 0.0)
            two = summaries["cluster"][(users, False)].get(f"{CHEAP}_rate", 0.0)
            print(f"  cheap-event throughput at {users} users: cluster {two:.1f}/s vs one process "
                  f"{one:.1f}/s = {_ratio(two, one):.2f}× (offered load: both keep up when ≈ 1×)")
    for key, rate, what in (("saturated", f"{CHEAP}_rate", "cheap-event"), ("saturated_pages", "throughput", "page-loop")):
        capacity = {t: out[key].get(rate, 0.0) for t, out in summaries.items() if key in out}
        if {"cluster", "cluster-1"} <= capacity.keys():
            two, one = capacity["cluster"], capacity["cluster-1"]
            print(f"  {what} capacity ({args.saturate} users, no pause): two portal processes {two:.0f}/s vs one "
                  f"of the same shape (nginx, state in Redis) {one:.0f}/s = {_ratio(two, one):.2f}× (target ≥ 1.4×)")
        if {"cluster", "single"} <= capacity.keys():
            two, one = capacity["cluster"], capacity["single"]
            print(f"  {what} capacity: the cluster {two:.0f}/s vs one process without Redis "
                  f"{one:.0f}/s = {_ratio(two, one):.2f}×")

if __name__ == "__main__":
    main()
