"""The newsletter day: thousands of buyers in one minute, one featured product with 500 units, through the real
stack, with a fault if asked. Run by `make bench-flash`.

It builds a throw-away PostgreSQL database through the services (a EUR channel for France; 4 categories of
ordinary products with plenty of stock; one featured product with `--featured-stock` units; a flat-rate
France delivery; the legal entity that invoices), starts a Redis of its own for cache and sessions (or uses
`--redis-url`), one `manage.py db_worker` and gunicorn (`--server-workers` sync workers, DEBUG=0) on a free
loopback port, then runs bench/flash_driver.py in a separate process: `--buyers` buyers arriving within
`--seconds`, through the storefront HTML flow (see that file). The waiting room is in `--waiting-room` mode.

Faults (`--fault`), injected while the buyers are there:
- `kill-workers`: a random gunicorn worker is killed with SIGKILL every 5-10 s (gunicorn forks another from
  its preloaded application, in milliseconds);
- `restart-postgres`: the PostgreSQL cluster serving the database is restarted in immediate mode a third of
  the way in (`pg_ctlcluster VERSION NAME restart -m immediate`), and is checked to be back after. That is the
  whole cluster: on a machine others use, give the benchmark one of its own (as root:
  `pg_createcluster 15 bench -p 5433 --start -- --auth-host=trust`, then `--postgres
  postgres://postgres@127.0.0.1:5433`; `pg_dropcluster 15 bench --stop` afterwards);
- `slow-payments`: the TEST provider answers in 2 s and fails one call in ten (COMPTOIR_TEST_PROVIDER_FAULTS);
- `stop-redis`: the benchmark's Redis is shut down a third of the way in and started again a third later.

Afterwards the task queue is drained (e-mails go out), and the figures come from the DATABASE: orders, units
of the featured product allocated + shipped and ordered against its stock (oversold), orders the clients saw
paid that the database lacks (lost), orders captured more than once (double charged), and
`manage.py check_invariants`. The last line printed is

    flash_sale buyers=… orders=… orders_s=… p95_ms=… oversold=… lost=… double_charged=… errors_5xx=…

and the run is written into docs/performance.md (between the `flash_sale` markers) unless --no-docs.
Loopback only; bounded in time and requests; every process it starts is stopped when it ends, fails or is
interrupted, and a database or Redis it stopped is started again.

    .venv/bin/python bench/flash_sale.py --buyers 1000 --seconds 20 [--fault kill-workers]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import DOCS, ROOT, french_shop, machine, stocked_product, write_section
from bench.checkout import charge_counts, run_step, task_counts, variant_units
from bench.flash_report import (
    MARKER,
    count_5xx,
    final_line,
    lost,
    merge_runs,
    oversold,
    percentile,
    render_section,
    runs_in_section,
    summarize_steps,
)
from bench.processes import RUNNING, cpu_seconds, free_port, interrupted, start, stop, stop_all

DB_NAME = "comptoir_flash_bench"
WORK = ROOT / "var" / "bench"
CHANNEL = "flash-fr"
FAULTS = ("none", "kill-workers", "restart-postgres", "slow-payments", "stop-redis")
SLOW_PAYMENTS = "delay=2.0,fail=0.1"


# --- The shop ----------------------------------------------------------------------------------------------


def build_shop(*, products: int, categories: int, featured_stock: int) -> dict:
    """Create through the services what the buyers need. Returns slugs and variant ids."""
    from comptoir.catalog.models import Category
    from comptoir.catalog.services import categories_changed

    channel, warehouse = french_shop(slug=CHANNEL, name="Flash France", language="en", warehouse="flash-warehouse")
    cats = [
        Category.objects.create(name=f"Shelf {i + 1}", slug=f"shelf-{i + 1}", position=i) for i in range(categories)
    ]
    categories_changed()

    def product(name: str, sku: str, price: str, units: int, category: Category, featured: bool = False) -> dict:
        made, variant = stocked_product(channel, warehouse, name=name, sku=sku, price=price, units=units,
                                        category_id=category.pk, is_featured=featured)  # fmt: skip
        return {"slug": made.slug, "variant_id": variant.pk}

    ordinary = [
        product(f"Notebook {i + 1}", f"FLASH-{i + 1:03d}", f"{9 + i % 20}.90", 1_000_000, cats[i % len(cats)])
        for i in range(products)
    ]
    featured = product("Newsletter limited edition", "FLASH-STAR", "39.00", featured_stock, cats[0], featured=True)
    return {"categories": [c.slug for c in cats], "products": ordinary, "featured": featured}


def database_figures(
    *, client_tokens: list[str], featured_variant: int, featured_stock: int, window: tuple[float, float] | None = None
) -> dict:
    """What the database says: orders, payments, the featured product's units, e-mails sent."""
    from django_tasks_db.models import DBTaskResult

    from comptoir.orders.models import Order, OrderStatus

    orders = list(Order.objects.values_list("number", "token", "status", "created_at"))
    numbers = [number for number, *_ in orders]
    charges, double_charged = charge_counts(numbers)
    allocated, shipped, ordered = variant_units(featured_variant)
    emails = DBTaskResult.objects.filter(task_path__endswith="send_order_email")
    times = sorted(created for *_, created in orders)
    during = [t for t in times if window and window[0] <= t.timestamp() <= window[1]]
    return {
        "orders": len(orders),
        "paid": sum(1 for _, _, status, _ in orders if status == OrderStatus.PAID),
        "orders_span_s": (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0,
        "charges": charges,
        "double_charged": double_charged,
        "lost": lost(client_tokens, {str(token) for _, token, _, _ in orders}),
        "featured_sold": allocated + shipped,
        "featured_ordered": ordered,
        "featured_stock": featured_stock,
        "oversold": oversold(stock=featured_stock, allocated=allocated, shipped=shipped, ordered=ordered),
        "orders_during_fault": len(during) if window else None,
        "emails_sent": emails.successful().count(),
        "emails_failed": emails.failed().count(),
        "emails_waiting": emails.ready().count(),
    }


def drain(seconds: float) -> float:
    """Wait (at most `seconds`) until the worker has nothing left, twice in a row: no task ready or running.
    (A running event dispatch enqueues its e-mail before it counts as finished, so the chain shows.) A task
    still "running" with nothing else moving for 10 s was left by a worker that died (it is counted in
    `tasks_stalled`, not waited for). Returns how long it took."""
    from django_tasks_db.models import DBTaskResult

    began, quiet, same_running = time.monotonic(), 0, 0
    running: set = set()
    while time.monotonic() - began < seconds and quiet < 2 and same_running < 10:
        ready = DBTaskResult.objects.ready().exists()
        now_running = set(DBTaskResult.objects.running().values_list("pk", flat=True))
        same_running = same_running + 1 if now_running and now_running == running and not ready else 0
        running = now_running
        quiet = 0 if ready or running else quiet + 1
        time.sleep(1)
    return time.monotonic() - began


def check_invariants(env: dict[str, str]) -> tuple[int, str]:
    done = run_step([sys.executable, "manage.py", "check_invariants", "--skip-checks"], env=env, check=False)
    found = re.search(r"violations=(\d+)", done.stdout)
    if not found:
        return -1, (done.stdout + done.stderr)[-1500:]
    return int(found.group(1)), (done.stdout + done.stderr)[-1500:]


# --- Services around the app: PostgreSQL, Redis ---------------------------------------------------------------


def recreate_database(server: str, name: str) -> str:
    import psycopg

    parts = urlsplit(server)
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                         dbname="postgres", autocommit=True) as conn:  # fmt: skip
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rstrip('/')}/{name}"


def drop_database(server: str, name: str) -> None:
    import psycopg

    parts = urlsplit(server)
    with contextlib.suppress(Exception), psycopg.connect(host=parts.hostname, port=parts.port or 5432,
                                                         user=parts.username or "postgres", dbname="postgres",
                                                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_cluster(port: int) -> tuple[str, str] | None:
    """(version, name) of the local cluster listening on `port`, from `pg_lsclusters`; None without it."""
    if not shutil.which("pg_lsclusters"):
        return None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            return fields[0], fields[1]
    return None


def postgres_ready(server: str, *, timeout: float = 60) -> bool:
    import psycopg

    parts = urlsplit(server)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(
                host=parts.hostname,
                port=parts.port or 5432,
                user=parts.username or "postgres",
                dbname="postgres",
                connect_timeout=2,
            ) as conn,
        ):
            conn.execute("SELECT 1")
            return True
        time.sleep(0.5)
    return False


class OwnRedis:
    """A redis-server of the benchmark's own on a free loopback port (no persistence): stopping it for the
    `stop-redis` fault touches nobody else's Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly",
                   "no", "--dir", str(WORK)]  # fmt: skip
        self.process = start(command, env=dict(os.environ), log=WORK / "flash-redis.log")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise SystemExit("the benchmark's redis-server did not start; see var/bench/flash-redis.log")

    def shutdown(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, check=False)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            stop(self.process)
            self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


# --- Faults --------------------------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    return []


class Fault(threading.Thread):
    """Injects one fault while the buyers are there; `log` says what was done and when."""

    def __init__(self, kind: str, *, seconds: float, server: subprocess.Popen, redis: OwnRedis | None,
                 cluster: tuple[str, str] | None, pg_server: str, seed: int) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.kind, self.seconds, self.server, self.redis = kind, seconds, server, redis
        self.cluster, self.pg_server = cluster, pg_server
        self.rng = random.Random(seed)
        self.stopping = threading.Event()
        self.log: list[str] = []
        self.began = time.monotonic()
        self.window: tuple[float, float] | None = None
        """Wall-clock start and end of a service's absence (stop-redis), to count the orders taken meanwhile."""

    def note(self, what: str) -> None:
        line = f"t={time.monotonic() - self.began:5.1f}s {what}"
        self.log.append(line)
        print(f"   fault: {line}", flush=True)

    def run(self) -> None:
        if self.kind == "kill-workers":
            while not self.stopping.wait(self.rng.uniform(5.0, 10.0)):
                pids = worker_pids(self.server.pid)
                if pids:
                    victim = self.rng.choice(pids)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(victim, signal.SIGKILL)
                        self.note(f"SIGKILL gunicorn worker {victim}")
        elif self.kind == "restart-postgres" and self.cluster:
            if self.stopping.wait(self.seconds / 3):
                return
            version, name = self.cluster
            done = subprocess.run(["pg_ctlcluster", version, name, "restart", "-m", "immediate"],
                                  capture_output=True, text=True, check=False)  # fmt: skip
            self.note(
                f"pg_ctlcluster {version} {name} restart -m immediate: exit {done.returncode} {done.stderr.strip()}"
            )
            self.note(f"PostgreSQL answering again: {postgres_ready(self.pg_server)}")
        elif self.kind == "stop-redis" and self.redis:
            if self.stopping.wait(self.seconds / 3):
                return
            self.redis.shutdown()
            away = time.time()
            self.note("redis-cli shutdown nosave")
            self.stopping.wait(self.seconds / 3)
            self.window = (away, time.time())
            self.redis.start()
            self.note("redis-server started again")

    def finish(self) -> None:
        """Stop injecting, and leave every service up."""
        self.stopping.set()
        self.join(timeout=120)
        if self.kind == "stop-redis" and self.redis and not self.redis.running():
            self.redis.start()
            self.note("redis-server started again (after the run)")
        if self.kind == "restart-postgres" and self.cluster and not postgres_ready(self.pg_server, timeout=5):
            version, name = self.cluster
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=False)
            self.note(f"PostgreSQL started again after the run: {postgres_ready(self.pg_server)}")


class Supervisor(threading.Thread):
    """Starts the task worker again when it exits, as systemd's `Restart=always` does in production
    (docs/operations.md): `db_worker` exits when it loses the database, e.g. during `restart-postgres`."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        super().__init__(daemon=True)
        self.command, self.env, self.log = command, env, log
        self.process = start(command, env=env, log=log)
        self.stopping = threading.Event()
        self.restarts = 0

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            if self.process.poll() is not None:
                stop(self.process)
                self.restarts += 1
                print(f"   the task worker exited ({self.process.returncode}); started again", flush=True)
                self.process = start(self.command, env=self.env, log=self.log.with_suffix(f".{self.restarts}.log"))

    def finish(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        stop(self.process)


# --- The run ---------------------------------------------------------------------------------------------------


def environment(args: argparse.Namespace, database_url: str, cache_url: str, site_url: str) -> dict[str, str]:
    """Production-like: no debug, persistent connections, cache and sessions on Redis (sessions cached_db:
    the database keeps them when Redis is away), the database task backend, e-mails rendered and dropped."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "DEBUG": "0",
        "SECRET_KEY": "comptoir-flash-bench-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",  # plain HTTP on loopback
        "SITE_URL": site_url,
        "EMAIL_URL": "dummymail://",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "STATIC_ROOT": str(WORK / "static"),
        "MEDIA_ROOT": str(WORK / "media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "WAITING_ROOM": args.waiting_room,
        "WAITING_ROOM_RATE": str(args.admit_rate),
        "WAITING_ROOM_THRESHOLD": str(args.queue_threshold),
        "WAITING_ROOM_TRUST_REQUEST_START": "1",  # the driver stamps X-Request-Start as a proxy would
        "SHED_QUEUE_MS": str(args.shed_ms),
        # Every simulated buyer pays with the one TEST success card: the per-card limit would stop the 11th.
        "CARD_PAYMENT_TRIES": "1000000",
    }
    env.pop("COMPTOIR_TEST_PROVIDER_FAULTS", None)
    if args.fault == "slow-payments":
        env["COMPTOIR_TEST_PROVIDER_FAULTS"] = SLOW_PAYMENTS
    return env


def run(args: argparse.Namespace) -> dict:
    (WORK / "static").mkdir(parents=True, exist_ok=True)
    python = sys.executable
    database_url = recreate_database(args.postgres, args.db_name)
    redis = None
    if args.redis_url:
        cache_url = args.redis_url
    else:
        redis = OwnRedis()
        redis.start()
        cache_url = redis.url
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(args, database_url, cache_url, base)
    os.environ.update(env)
    print(f"== flash sale: {args.buyers} buyers in {args.seconds:g} s, fault {args.fault}; migrate", flush=True)
    run_step([python, "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"], env=env)

    import django

    django.setup()
    from django.db import connections

    shop = build_shop(products=args.products, categories=4, featured_stock=args.featured_stock)
    connections.close_all()
    print(f"   shop built: {len(shop['products'])} products, featured {shop['featured']}", flush=True)

    worker = Supervisor([python, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--skip-checks"],
                        env=env, log=WORK / f"flash-worker-{args.fault}.log")  # fmt: skip
    worker.start()
    server_log = WORK / f"flash-gunicorn-{args.fault}.log"
    server = start(
        [python, "-m", "gunicorn", "comptoir.wsgi:application", "--workers", str(args.server_workers), "--bind",
         f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning", "--timeout", "30",
         "--graceful-timeout", "5", "--preload"],
        env=env, log=server_log,
    )  # fmt: skip
    cluster = postgres_cluster(urlsplit(args.postgres).port or 5432)
    fault = None
    try:
        wait_until_serving_pages(base, server, server_log)
        plan = {
            "host": "127.0.0.1",
            "port": port,
            "buyers": args.buyers,
            "seconds": args.seconds,
            "seed": args.seed,
            "timeout": args.timeout,
            "grace": args.grace,
            "max_connections": args.connections,
            **shop,
        }
        plan_file, result_file = WORK / "flash-plan.json", WORK / "flash-result.json"
        plan_file.write_text(json.dumps(plan))
        result_file.unlink(missing_ok=True)
        load_before = os.getloadavg()[0]
        app_cpu = cpu_seconds(server.pid)
        if args.fault != "none":
            if args.fault == "restart-postgres" and cluster is None:
                raise SystemExit("restart-postgres: no local cluster found (pg_lsclusters) for that port")
            fault = Fault(args.fault, seconds=args.seconds, server=server, redis=redis, cluster=cluster,
                          pg_server=args.postgres, seed=args.seed)  # fmt: skip
            fault.start()
        driver = start([python, str(ROOT / "bench" / "flash_driver.py"), str(plan_file), str(result_file)],
                       env=env, log=WORK / f"flash-driver-{args.fault}.log")  # fmt: skip
        driver.wait(timeout=args.seconds + args.grace + 120)
        app_cpu = cpu_seconds(server.pid) - app_cpu  # the workers alive at the end (killed ones are not counted)
        RUNNING.remove(driver) if driver in RUNNING else None
        if fault is not None:
            fault.finish()
        if driver.returncode != 0 or not result_file.exists():
            raise SystemExit(f"the driver failed (exit {driver.returncode}); see var/bench/flash-driver.log")
        seen = json.loads(result_file.read_text())
        drained = drain(args.drain)
        figures = database_figures(client_tokens=seen["tokens"], featured_variant=shop["featured"]["variant_id"],
                                   featured_stock=args.featured_stock,
                                   window=fault.window if fault else None)  # fmt: skip
        tasks = task_counts()
        violations, report = check_invariants(env)
        connections.close_all()
    finally:
        if fault is not None:
            fault.finish()
        stop(server)
        worker.finish()
        if redis is not None:
            redis.shutdown()
        connections.close_all()
    every = [ms for values in seen["latencies"].values() for ms in values]
    outcomes = seen["outcomes"]
    errors_5xx = count_5xx(seen["statuses"])
    return {
        "fault": args.fault,
        "buyers": args.buyers,
        "seconds": args.seconds,
        "waiting_room": args.waiting_room,
        "admit_rate": args.admit_rate,
        "shed_ms": args.shed_ms,
        "shed": outcomes.get("shed (asked again)", 0),
        "server_workers": args.server_workers,
        "requests": len(every),  # answered; `attempted` also counts those still waiting when the run ended
        "attempted": seen["requests"],
        "req_s": round(len(every) / seen["elapsed"], 1),
        "elapsed": round(seen["elapsed"], 1),
        "p95_ms": round(percentile(every, 95), 1),
        "orders_s": round(figures["orders"] / max(figures["orders_span_s"], 1.0), 2),
        "completes": outcomes.get("paid", 0),
        "sold_out_told": sum(n for k, n in outcomes.items() if k.startswith("sold out told")),
        "queued": outcomes.get("queued", 0),
        "errors_5xx": errors_5xx,
        "errors_500": count_5xx(seen["statuses"], only="500"),
        "other_errors": sum(seen["errors"].values())
        - sum(n for k, n in seen["errors"].items() if re.search(r" 5\d\d$", k)),
        "violations": violations,
        "invariants_report": report if violations else "",
        "tasks_left": tasks["ready"],
        "tasks_stalled": tasks["running"],
        "drain_s": round(drained, 1),
        "client_cpu": round(seen["client_cpu"], 2),
        "load_before": round(load_before, 2),
        "worker_restarts": worker.restarts,
        "app_cpu_ms": round(app_cpu * 1000 / max(seen["requests"], 1), 1),
        "outcomes": outcomes,
        "errors": seen["errors"],
        "samples": seen["samples"],
        "fault_log": fault.log if fault else [],
        "steps": summarize_steps(seen["latencies"], seen["statuses"]),
        "date": date.today().isoformat(),
        **figures,
    }


def wait_until_serving_pages(base: str, server: subprocess.Popen, log: Path, *, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/en/", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {base}/en/ within {timeout:.0f}s; see {log}")


def report(row: dict) -> None:
    print("   step            requests   p50 ms   p95 ms   p99 ms   5xx")
    for s in row["steps"]:
        print(f"   {s['step']:<15} {s['requests']:>8} {s['p50_ms']:>8.0f} {s['p95_ms']:>8.0f} {s['p99_ms']:>8.0f} "
              f"{s['errors_5xx']:>5}")  # fmt: skip
    print(
        f"   requests={row['requests']} attempted={row['attempted']} req_s={row['req_s']} elapsed={row['elapsed']}s "
        f"client_cpu={row['client_cpu']} "
        f"app_cpu_ms_per_request={row['app_cpu_ms']} load_before={row['load_before']}"
    )
    print(f"   outcomes: {json.dumps(row['outcomes'], sort_keys=True)}")
    print(
        f"   database: orders={row['orders']} paid={row['paid']} charges={row['charges']} "
        f"featured sold={row['featured_sold']}/{row['featured_stock']} ordered={row['featured_ordered']} "
        f"emails sent={row['emails_sent']} failed={row['emails_failed']} waiting={row['emails_waiting']} "
        f"tasks_left={row['tasks_left']} tasks_stalled={row.get('tasks_stalled', 0)} drain_s={row['drain_s']} "
        f"worker_restarts={row['worker_restarts']} "
        f"orders_while_redis_away={row['orders_during_fault']} "
        f"invariants violations={row['violations']}"
    )
    if row["errors"]:
        print(f"   errors: {json.dumps(row['errors'], sort_keys=True)}")
        for sample in row["samples"]:
            print(f"     {sample}")
    if row["invariants_report"]:
        print(f"   check_invariants: {row['invariants_report']}")
    print(final_line(row), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=10_000, help="buyers arriving (default 10000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="arrival window in seconds (default 60)")
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--featured-stock", type=int, default=500)
    parser.add_argument("--products", type=int, default=40, help="ordinary products (plenty of stock)")
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--waiting-room", choices=["off", "on", "auto"], default="auto")
    # About what this 2-core machine completes while it also serves the browsing around checkout (a checkout
    # costs some 300 ms of app CPU: docs/performance.md); set it from your own machine's figures.
    parser.add_argument("--admit-rate", type=int, default=4, help="buyers admitted to checkout per second")
    parser.add_argument("--queue-threshold", type=int, default=8, help="checkouts in flight before auto queues")
    parser.add_argument("--shed-ms", type=int, default=1000,
                        help="shed requests that waited longer than this in front of the app (0: never)")  # fmt: skip
    parser.add_argument("--connections", type=int, default=400, help="client connections open at most")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds before a request counts as failed")
    parser.add_argument("--grace", type=float, default=45.0, help="seconds after the window for visits to end")
    parser.add_argument("--drain", type=float, default=180.0, help="max seconds to wait for the task queue")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL (no database); env BENCH_POSTGRES")  # fmt: skip
    parser.add_argument("--db-name", default=DB_NAME)
    parser.add_argument("--redis-url", default="", help="use this Redis instead of starting one")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    if not 1 <= args.buyers <= 50_000 or not 1 <= args.seconds <= 600 or args.featured_stock < 1:
        parser.error("--buyers 1..50000, --seconds 1..600, --featured-stock at least 1")
    if not re.fullmatch(rf"{DB_NAME}\w*", args.db_name):  # it is dropped: never someone else's database
        parser.error(f"--db-name must start with {DB_NAME}")
    for url in (args.postgres, args.redis_url or "redis://127.0.0.1"):
        host = urlsplit(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"{url}: loopback only")
    if not args.redis_url and not shutil.which("redis-server"):
        parser.error("redis-server is not installed: install it, or pass --redis-url")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        row = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what was started", file=sys.stderr)
        return 130
    finally:
        stop_all()
        if not args.keep:
            drop_database(args.postgres, args.db_name)
    if not args.no_docs:
        text = DOCS.read_text() if DOCS.exists() else ""
        start_at, end_at = text.find(f"<!-- {MARKER}:start -->"), text.find(f"<!-- {MARKER}:end -->")
        old = runs_in_section(text[start_at:end_at]) if 0 <= start_at < end_at else []
        stored = {k: v for k, v in row.items() if k not in ("samples", "invariants_report")}
        write_section(MARKER, render_section(merge_runs(old, stored), machine_facts=machine()))
    report(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
