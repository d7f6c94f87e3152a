"""Complete checkouts per second through the buying API, with 1, 8 and 32 concurrent buyers.

For each database asked for, it builds a throw-away shop through the services (a EUR channel for France,
prices including tax; a warehouse with plenty of stock of 50 products; one limited "hot" variant per
level; a flat-rate France shipping method; the legal entity that invoices), starts gunicorn (4 sync
workers, DEBUG=0) on a free loopback port and ONE `manage.py db_worker` on the database task backend, as
production runs them, and lets asyncio buyers (httpx) check out through the API for a fixed time per
level: cart, the hot variant half of the time (sold out: carry on without it), 1-2 other variants, e-mail,
address, the first delivery option, the test card method, hold, place the order (timed), pay with
4242 4242 4242 4242. Every write carries a fresh Idempotency-Key.

After each level the figures come from the DATABASE, not the clients: orders placed and paid, units of the
level's hot variant allocated + shipped against its stock (oversold), orders a client was told about that
the database lacks (lost), orders captured more than once (double charged), and `check_invariants`.
Levels share one database: each has its own hot variant and counts only its own orders (order ids after
the previous level's), and the task queue is drained (bounded) before the next level starts.

    .venv/bin/python bench/checkout.py [--db postgresql mysql sqlite] [--buyers 1 8 32] [--seconds 30]

Prints one line per level: `checkout db=… buyers=… orders_s=… p50_ms=… p99_ms=… lost=… oversold=…
double_charged=… errors=…` and writes the table into docs/performance.md (between the `checkout`
markers), keeping the rows of databases not measured this time. Loopback only; bounded in time and
requests; every process it starts is stopped when it ends, fails, or is interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import DOCS, ROOT, french_shop, machine, recreate_database, stocked_product, write_section
from bench.loadgen import assert_loopback
from bench.processes import RUNNING, cpu_seconds, free_port, interrupted, start, stop, stop_all

COMMAND = ".venv/bin/python bench/checkout.py"
MARKER = "checkout"
DB_NAME = "comptoir_bench_checkout"
WORK = ROOT / "var" / "bench"
SERVER_WORKERS = 4
CHANNEL = "bench-fr"
TEST_CARD = "4242 4242 4242 4242"
ADDRESS_FR = {
    "full_name": "Camille Martin",
    "street_address_1": "12 rue de la Paix",
    "city": "Paris",
    "postal_code": "75002",
    "country_code": "FR",
    "phone": "+33 6 12 34 56 78",
}
# Refusals a buyer can meet in a normal checkout: the hot variant sold out, a price changed. Not errors.
EXPECTED_CONFLICTS = frozenset({"insufficient-stock", "price-changed"})
REQUEST_TIMEOUT = 30.0  # seconds: a request slower than this is counted as an error
GRACE = 60.0  # seconds after the run's end for in-flight checkouts to finish before they are cancelled
ROWS_COMMENT = re.compile(r"<!-- checkout-rows (.*?) -->", re.DOTALL)

# Every process this run started and has not yet stopped (process-group leaders).


# --- Pure parts (tested in tests/bench/test_checkout_bench.py) -----------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def problem_code(body: object) -> str:
    """The kebab-case code of an RFC 9457 problem body (the last part of its `type`), '' for anything else."""
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return body["type"].rstrip("/").rsplit("/", 1)[-1]
    return ""


def is_expected_refusal(status: int, body: object) -> bool:
    """A 409 that a buyer meets in a normal checkout (sold out, price changed), as opposed to an error."""
    return status == 409 and problem_code(body) in EXPECTED_CONFLICTS


def format_line(row: dict) -> str:
    return (
        f"checkout db={row['db']} buyers={row['buyers']} orders_s={row['orders_s']:.1f} "
        f"p50_ms={row['p50_ms']:.0f} p99_ms={row['p99_ms']:.0f} lost={row['lost']} oversold={row['oversold']} "
        f"double_charged={row['double_charged']} errors={row['errors']}"
    )


def merge_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """The rows to show: this run's, plus earlier rows of databases this run did not measure."""
    measured = {row["db"] for row in new}
    return [row for row in old if row["db"] not in measured] + new


def rows_in_section(text: str) -> list[dict]:
    """The rows an earlier run stored in the section (an HTML comment), [] when there are none."""
    match = ROWS_COMMENT.search(text)
    if not match:
        return []
    try:
        rows = json.loads(match.group(1))
    except json.JSONDecodeError:
        return []
    return [row for row in rows if isinstance(row, dict) and "db" in row]


def render_section(rows: list[dict], *, machine_facts: str, seconds: float, hot_stock: int) -> str:
    """The markdown between the `checkout` markers: what ran, the table, and the rows as JSON for next time."""
    table = [
        "### Checkout through the API: results",
        "",
        f"Machine: {machine_facts}. gunicorn with {SERVER_WORKERS} sync workers and one `db_worker`, DEBUG=0;",
        "the database, the task worker and the buyers' client share the same cores.",
        f"Rerun: `{COMMAND} --db postgresql` (or `make bench-checkout`).",
        f"Each level runs {seconds:g} s (checkouts under way at the end finish, and count); its hot variant has "
        f"{hot_stock} units.",
        "`errors` counts 5xx answers, timeouts and unexpected 4xx; sold-out and price-changed answers are expected",
        "and counted apart. `app CPU` is gunicorn's CPU time (all workers) per complete checkout; `load before` is",
        "the machine's 1-minute load average when the level started (other work on the machine lowers the figures).",
        "",
        "| database | buyers | complete checkouts/s | place_order p50 ms | p99 ms | orders placed / paid "
        "| hot sold / stock | sold-out answers | lost | oversold | double charged | errors | invariant violations "
        "| app CPU ms / checkout | load before | measured |",
        "| --- " + "| ---: " * 14 + "| --- |",
    ]
    order = {"postgresql": 0, "mysql": 1, "sqlite": 2}
    for r in sorted(rows, key=lambda r: (order.get(r["db"], 9), r["buyers"])):
        table.append(
            f"| {r['db']} | {r['buyers']} | {r['orders_s']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} "
            f"| {r['orders']} / {r['paid']} | {r['hot_sold']} / {r['hot_stock']} | {r['sold_out']} | {r['lost']} "
            f"| {r['oversold']} | {r['double_charged']} | {r['errors']} | {r['violations']} "
            f"| {r.get('app_cpu_ms', '')} | {r.get('load_before', '')} | {r['date']} |"
        )
    table += ["", f"<!-- checkout-rows {json.dumps(rows, sort_keys=True)} -->"]
    return "\n".join(table)


# --- The buyers (asyncio + httpx) ----------------------------------------------------------------------


@dataclass
class LevelStats:
    """What the clients saw during one level."""

    completes: int = 0
    requests: int = 0
    place_ms: list[float] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)
    expected: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{kind}: {detail[:300]}")


def _text(body: object) -> str:
    return body if isinstance(body, str) else json.dumps(body)


class AbandonedError(Exception):
    """This checkout went wrong (already counted): the buyer starts another."""


@dataclass
class Buyer:
    client: object  # httpx.AsyncClient
    rng: random.Random
    shop: dict
    hot_id: int
    stats: LevelStats
    name: str

    async def call(self, method: str, path: str, body: object = None, *, step: str) -> tuple[int, object]:
        """One request; a write gets a fresh Idempotency-Key. Transport failures and timeouts are errors."""
        import httpx

        headers = {"Idempotency-Key": str(uuid.uuid4())} if method != "GET" else {}
        self.stats.requests += 1
        try:
            response = await self.client.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException:
            self.stats.error(f"{step} timeout")
            raise AbandonedError from None
        except httpx.HTTPError as exc:
            self.stats.error(f"{step} {type(exc).__name__}", str(exc))
            raise AbandonedError from None
        try:
            data = response.json()
        except ValueError:
            data = response.text
        return response.status_code, data

    async def expect(self, method: str, path: str, body: object = None, *, step: str, ok=(200, 201)) -> object:
        status, data = await self.call(method, path, body, step=step)
        if status not in ok:
            self.stats.error(f"{step} {status}", _text(data))
            raise AbandonedError
        return data

    async def drop_short_lines(self, cart: dict, data: dict, *, step: str) -> dict:
        """Remove the lines a 409 insufficient-stock names (the hot variant ran out): the buyer goes on."""
        self.stats.expected[f"sold out ({step})"] += 1
        short = {s.get("variant_id") for s in data.get("shortages", []) if isinstance(s, dict)} or {self.hot_id}
        for line in cart["lines"]:
            if line["variant_id"] in short:
                cart = await self.expect("DELETE", f"/carts/{cart['token']}/lines/{line['id']}", step="remove line")
        return cart

    async def checkout(self) -> None:
        stats, rng, shop = self.stats, self.rng, self.shop
        cart = await self.expect("POST", f"/carts?channel={shop['channel']}", step="open cart")
        base = f"/carts/{cart['token']}"
        if rng.random() < 0.5:
            status, data = await self.call("POST", f"{base}/lines", {"variant_id": self.hot_id, "quantity": 1},
                                           step="add hot")  # fmt: skip
            if status == 201:
                cart = data
            elif is_expected_refusal(status, data):
                stats.expected["sold out (add)"] += 1
            else:
                stats.error(f"add hot {status}", _text(data))
                raise AbandonedError
        for variant_id in rng.sample(shop["normal"], rng.randint(1, 2)):
            cart = await self.expect("POST", f"{base}/lines", {"variant_id": variant_id, "quantity": 1}, step="add")
        await self.expect("PUT", f"{base}/email", {"email": f"{self.name}@example.fr"}, step="email")
        await self.expect("PUT", f"{base}/addresses", {"shipping": ADDRESS_FR, "billing_same_as_shipping": True},
                          step="addresses")  # fmt: skip
        options = await self.expect("GET", f"{base}/delivery-options", step="delivery options")
        if not options:
            stats.error("delivery options empty")
            raise AbandonedError
        await self.expect("PUT", f"{base}/delivery", {"option_id": options[0]["id"]}, step="delivery")
        cart = await self.expect("PUT", f"{base}/payment-method", {"method": "test:card"}, step="payment method")

        order = None
        for _attempt in range(3):  # a sold-out line is dropped, a changed price seen: then hold and place again
            status, data = await self.call("POST", f"{base}/hold", step="hold")
            if status == 409 and problem_code(data) == "insufficient-stock":
                cart = await self.drop_short_lines(cart, data, step="hold")
                continue
            if status != 200:
                stats.error(f"hold {status}", _text(data))
                raise AbandonedError
            began = time.perf_counter()
            status, data = await self.call("POST", f"{base}/order", step="place order")
            elapsed_ms = (time.perf_counter() - began) * 1000
            if status in (200, 201):
                stats.place_ms.append(elapsed_ms)
                stats.numbers.add(data["number"])
                order = data
                break
            if status == 409 and problem_code(data) == "insufficient-stock":
                cart = await self.drop_short_lines(cart, data, step="place")
                continue
            if status == 409 and problem_code(data) == "price-changed":
                stats.expected["price changed"] += 1
                continue
            stats.error(f"place order {status}", _text(data))
            raise AbandonedError
        if order is None:
            stats.error("place order gave up after 3 tries")
            raise AbandonedError
        paid = await self.expect("POST", f"/orders/by-token/{order['token']}/payments", {"card_number": TEST_CARD},
                                 step="pay", ok=(201,))  # fmt: skip
        if paid.get("status") == "captured":
            stats.completes += 1
        else:
            stats.error("pay not captured", _text(paid))


async def run_buyers(base_url: str, *, buyers: int, seconds: float, shop: dict, hot_id: int, seed: int) -> dict:
    """`buyers` concurrent buyers checking out in a loop for `seconds`; in-flight checkouts then finish
    (cancelled after GRACE seconds). Returns the clients' figures."""
    import httpx

    assert_loopback(base_url)
    stats = LevelStats()
    deadline = time.monotonic() + seconds

    async def loop(client, index: int) -> None:
        buyer = Buyer(client, random.Random(seed * 1000 + index), shop, hot_id, stats, f"buyer{index}")
        n = 0
        while time.monotonic() < deadline:
            n += 1
            buyer.name = f"buyer{index}-{n}"
            with contextlib.suppress(AbandonedError):
                await buyer.checkout()

    limits = httpx.Limits(max_connections=buyers, max_keepalive_connections=0)  # gunicorn sync closes anyway
    cpu_before, began = time.process_time(), time.monotonic()
    async with httpx.AsyncClient(base_url=base_url + "/api/v1", timeout=REQUEST_TIMEOUT, limits=limits) as client:
        tasks = [asyncio.create_task(loop(client, i)) for i in range(buyers)]
        try:
            done, pending = await asyncio.wait(tasks, timeout=seconds + GRACE)
            for _task in pending:
                stats.error("checkout cancelled after the grace period")
        finally:  # also on Ctrl-C: no buyer may outlive the client
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if task.exception() is not None:  # a bug in this script, not in the server: say so loudly
                stats.error(f"client crash {type(task.exception()).__name__}", str(task.exception()))
    elapsed = time.monotonic() - began
    return {
        "elapsed": elapsed,
        "completes": stats.completes,
        "requests": stats.requests,
        "place_ms": stats.place_ms,
        "numbers": sorted(stats.numbers),
        "expected": dict(stats.expected),
        "errors": dict(stats.errors),
        "samples": stats.samples,
        "client_cpu": (time.process_time() - cpu_before) / elapsed,
    }


# --- Processes ------------------------------------------------------------------------------------------


def run_step(command: list[str], *, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """A manage.py command to completion, in its own process group so that an interrupt stops it too."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, text=True)  # fmt: skip
    RUNNING.append(process)
    try:
        out, err = process.communicate(timeout=600)
    finally:
        stop(process)
    if check and process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {process.returncode}):\n{err[-2000:]}")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine since boot, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


def environment(database_url: str, site_url: str) -> dict[str, str]:
    """Production-like settings: no debug, persistent connections, the database task backend (the default),
    e-mails rendered and dropped (dummy mailer), static files from the app (the API serves none)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "comptoir-bench-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": site_url,
        "EMAIL_URL": "dummymail://",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "STATIC_ROOT": str(WORK / "static"),  # WhiteNoise warns when it is missing; the API serves no static file
        "MEDIA_ROOT": str(WORK / "media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def drop_database(db: str, name: str) -> None:
    with contextlib.suppress(Exception):
        if db == "postgresql":
            import psycopg

            with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif db == "mysql":
            import MySQLdb

            conn = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
            conn.close()
        else:
            for suffix in ("", "-wal", "-shm"):
                (WORK / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)


def wait_until_serving(base: str, server: subprocess.Popen, log: Path, *, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/api/v1/payment-methods", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {base}/api/v1/payment-methods within {timeout:.0f}s; see {log}")


# --- The shop and the database's figures (Django, in the per-database child) ---------------------------


def build_shop(*, products: int, levels: int, hot_stock: int) -> dict:
    """Create through the services what the buyers need; one hot variant per level. Returns their ids."""
    channel, warehouse = french_shop(slug=CHANNEL, name="Bench France", language="fr", warehouse="bench-warehouse")

    def variant(name: str, sku: str, price: str, units: int) -> int:
        return stocked_product(channel, warehouse, name=name, sku=sku, price=price, units=units)[1].pk

    normal = [variant(f"Bench book {i}", f"BENCH-{i:03d}", f"{12 + i % 20}.90", 1_000_000) for i in range(products)]
    hot = [variant(f"Limited edition {i + 1}", f"HOT-{i + 1}", "39.00", hot_stock) for i in range(levels)]
    return {"channel": CHANNEL, "normal": normal, "hot": hot}


def last_order_pk() -> int:
    from comptoir.orders.models import Order

    return Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def task_counts() -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    return {
        "ready": DBTaskResult.objects.ready().count(),
        "failed": DBTaskResult.objects.failed().count(),
        # Claimed by a worker that died (killed, or the database restarted under it): the periodic job
        # requeue_stalled_tasks puts them back after TASK_STALLED_MINUTES.
        "running": DBTaskResult.objects.running().count(),
    }


def drain(seconds: float) -> float:
    """Wait (at most `seconds`) for the task worker to empty the queue; returns how long it took."""
    began = time.monotonic()
    while time.monotonic() - began < seconds and task_counts()["ready"]:
        time.sleep(1)
    return time.monotonic() - began


def charge_counts(order_numbers: list[str]) -> tuple[int, int]:
    """From the database: (payments that took money, orders charged more than once) among these orders."""
    from django.db.models import Count

    from comptoir.payments.models import Payment

    captured = (
        Payment.objects.filter(order_ref__in=order_numbers, captured_amount__gt=0)
        .values("order_ref")
        .annotate(n=Count("pk"))
    )
    return sum(row["n"] for row in captured), sum(1 for row in captured if row["n"] > 1)


def variant_units(variant_id: int) -> tuple[int, int, int]:
    """From the database: one variant's (units allocated, units shipped, units on orders not cancelled). Sold
    is allocated + shipped, by the stock rows; the order lines say it a second way."""
    from django.db.models import Sum

    from comptoir.inventory.models import MovementReason, StockLevel, StockMovement
    from comptoir.orders.models import OrderLine, OrderStatus

    levels = StockLevel.objects.filter(variant_id=variant_id)
    allocated = sum(level.allocated for level in levels)
    moved = StockMovement.objects.filter(stock_level__in=levels, reason=MovementReason.SHIP)
    shipped = -(moved.aggregate(s=Sum("on_hand_delta"))["s"] or 0)
    lines = OrderLine.objects.filter(variant_id=variant_id).exclude(order__status=OrderStatus.CANCELLED)
    ordered = lines.aggregate(s=Sum("quantity"))["s"] or 0
    return allocated, shipped, ordered


def database_figures(*, after_pk: int, client_numbers: list[str], hot_id: int, hot_stock: int) -> dict:
    """What the database says about one level's orders (ids above `after_pk`)."""
    from comptoir.orders.models import Invoice, Order, OrderStatus

    orders = list(Order.objects.filter(pk__gt=after_pk).values_list("pk", "number", "status"))
    numbers = [number for _, number, _ in orders]
    paid = [pk for pk, _, status in orders if status == OrderStatus.PAID]
    known = set(Order.objects.filter(number__in=client_numbers).values_list("number", flat=True))
    charges, double_charged = charge_counts(numbers)
    allocated, shipped, ordered = variant_units(hot_id)
    sold = allocated + shipped
    return {
        "orders": len(orders),
        "paid": len(paid),
        "lost": len(set(client_numbers) - known),
        "charges": charges,
        "double_charged": double_charged,
        "hot_sold": sold,
        "hot_ordered": ordered,
        "hot_stock": hot_stock,
        "oversold": max(0, sold - hot_stock, ordered - hot_stock),
        "invoices": Invoice.objects.filter(source__in=[f"order:{pk}" for pk in paid]).count(),
    }


def check_invariants(env: dict[str, str]) -> tuple[int, str]:
    """`manage.py check_invariants`: (violations, what it printed about them)."""
    done = run_step([sys.executable, "manage.py", "check_invariants", "--skip-checks"], env=env, check=False)
    found = re.search(r"violations=(\d+)", done.stdout)
    if not found:
        return -1, (done.stdout + done.stderr)[-1500:]
    return int(found.group(1)), done.stderr[-1500:]


def bench_database(db: str, args: argparse.Namespace) -> list[dict]:
    """Everything for one database, in this (child) process: Django is configured once per process."""
    (WORK / "static").mkdir(parents=True, exist_ok=True)
    url = recreate_database(db, args.db_name)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(url, base)
    os.environ.update(env)  # for django.setup() in this process
    python = sys.executable
    print(f"== {db}: migrate", flush=True)
    run_step([python, "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"], env=env)

    import django

    django.setup()
    from django.db import connections

    shop = build_shop(products=args.products, levels=len(args.buyers), hot_stock=args.hot_stock)
    connections.close_all()
    print(f"   shop built: {len(shop['normal'])} products, hot variants {shop['hot']}", flush=True)

    server_log, worker_log = WORK / f"checkout-gunicorn-{db}.log", WORK / f"checkout-worker-{db}.log"
    worker = start([python, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--skip-checks"],
                   env=env, log=worker_log)  # fmt: skip
    server = start(
        [python, "-m", "gunicorn", "comptoir.wsgi:application", "--workers", str(args.server_workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "5"],
        env=env, log=server_log,
    )  # fmt: skip
    rows = []
    try:
        wait_until_serving(base, server, server_log)
        drain(args.drain)
        for index, buyers in enumerate(args.buyers):
            load_before = os.getloadavg()[0]
            after_pk, failed_before = last_order_pk(), task_counts()["failed"]
            connections.close_all()  # no idle transaction or lock held by this process during the run
            app_cpu, worker_cpu, jiffies = cpu_seconds(server.pid), cpu_seconds(worker.pid), machine_jiffies()
            seen = asyncio.run(run_buyers(base, buyers=buyers, seconds=args.seconds, shop=shop,
                                          hot_id=shop["hot"][index], seed=index + 1))  # fmt: skip
            app_cpu = cpu_seconds(server.pid) - app_cpu
            jiffies = [after - before for before, after in zip(jiffies, machine_jiffies(), strict=True)]
            drained = drain(args.drain)
            worker_cpu = cpu_seconds(worker.pid) - worker_cpu
            figures = database_figures(after_pk=after_pk, client_numbers=seen["numbers"], hot_id=shop["hot"][index],
                                       hot_stock=args.hot_stock)  # fmt: skip
            tasks = task_counts()
            violations, report = check_invariants(env)
            connections.close_all()
            row = {
                "db": db,
                "buyers": buyers,
                "seconds": round(seen["elapsed"], 1),
                "orders_s": round(seen["completes"] / seen["elapsed"], 2),
                "completes": seen["completes"],
                "requests": seen["requests"],
                "p50_ms": round(percentile(seen["place_ms"], 50), 1),
                "p99_ms": round(percentile(seen["place_ms"], 99), 1),
                "errors": sum(seen["errors"].values()),
                "sold_out": sum(v for k, v in seen["expected"].items() if k.startswith("sold out")),
                "violations": violations,
                "tasks_left": tasks["ready"],
                "tasks_failed": tasks["failed"] - failed_before,
                "drain_s": round(drained, 1),
                "client_cpu": round(seen["client_cpu"], 2),
                "app_cpu_ms": round(app_cpu * 1000 / max(seen["completes"], 1)),
                "worker_cpu_ms": round(worker_cpu * 1000 / max(seen["completes"], 1)),
                "busy": round(jiffies[0] / jiffies[1], 2) if jiffies[1] else 0.0,
                "load_before": round(load_before, 2),
                "date": date.today().isoformat(),
                **figures,
            }
            rows.append(row)
            print(format_line(row), flush=True)
            print(
                f"   completes={row['completes']} requests={row['requests']} orders={row['orders']} "
                f"paid={row['paid']} charges={row['charges']} invoices={row['invoices']} "
                f"hot_sold={row['hot_sold']}/{row['hot_stock']} hot_ordered={row['hot_ordered']} "
                f"expected={seen['expected']} tasks_left={row['tasks_left']} tasks_failed={row['tasks_failed']} "
                f"drain_s={row['drain_s']} app_cpu_ms={row['app_cpu_ms']} worker_cpu_ms={row['worker_cpu_ms']} "
                f"machine_busy={row['busy']:.0%} client_cpu={row['client_cpu']} load_before={row['load_before']} "
                f"violations={violations}",
                flush=True,
            )
            if seen["errors"]:
                print(f"   errors by kind: {seen['errors']}", flush=True)
                for sample in seen["samples"]:
                    print(f"     {sample}", flush=True)
            if violations:
                print(f"   check_invariants: {report}", flush=True)
    finally:
        stop(server)
        stop(worker)
        connections.close_all()
    return rows


# --- Entry point ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["postgresql"], choices=["postgresql", "mysql", "sqlite"])
    parser.add_argument("--buyers", nargs="+", type=int, default=[1, 8, 32], help="concurrency levels")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per level (default 30)")
    parser.add_argument("--hot-stock", type=int, default=20, help="units of each level's hot variant")
    parser.add_argument("--products", type=int, default=50, help="ordinary products, each with plenty of stock")
    parser.add_argument("--drain", type=float, default=120.0, help="max seconds to wait for the task queue")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--db-name", default=DB_NAME, help=f"throw-away database name (default {DB_NAME})")
    parser.add_argument("--server-workers", type=int, default=SERVER_WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--rows-file", help=argparse.SUPPRESS)  # set for the per-database child
    args = parser.parse_args()
    if not all(1 <= b <= 256 for b in args.buyers) or not 0 < args.seconds <= 600 or args.hot_stock < 1:
        parser.error("--buyers 1..256, --seconds up to 600, --hot-stock at least 1")
    if not re.fullmatch(rf"{DB_NAME}\w*", args.db_name):  # it is dropped: never someone else's database
        parser.error(f"--db-name must start with {DB_NAME}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored (a `&` job)
    if args.rows_file:  # the child for one database
        try:
            rows = bench_database(args.db[0], args)
            Path(args.rows_file).write_text(json.dumps(rows))
        except KeyboardInterrupt:
            print("\ninterrupted: stopping what was started", file=sys.stderr)
            return 130
        finally:
            stop_all()
            if not args.keep:
                drop_database(args.db[0], args.db_name)
        return 0

    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    child = None
    try:
        for db in args.db:
            rows_file = WORK / f"checkout-rows-{db}.json"
            rows_file.unlink(missing_ok=True)
            forwarded = [a for a in sys.argv[1:] if a != "--no-docs"]
            # The child shares this process group, so Ctrl-C reaches it directly; SIGTERM is forwarded below.
            child = subprocess.Popen([sys.executable, __file__, *forwarded, "--db", db, "--rows-file", str(rows_file)],
                                     cwd=ROOT)  # fmt: skip
            if child.wait() != 0 or not rows_file.exists():
                print(f"{db}: the run failed (exit {child.returncode}); no rows", file=sys.stderr)
                continue
            rows += json.loads(rows_file.read_text())
    except KeyboardInterrupt:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)
            child.wait()
        print("\ninterrupted", file=sys.stderr)
        return 130
    if rows and not args.no_docs:
        text = DOCS.read_text() if DOCS.exists() else ""
        start_at, end_at = text.find(f"<!-- {MARKER}:start -->"), text.find(f"<!-- {MARKER}:end -->")
        old = rows_in_section(text[start_at:end_at]) if 0 <= start_at < end_at else []
        body = render_section(merge_rows(old, rows), machine_facts=machine(), seconds=args.seconds,
                              hot_stock=args.hot_stock)  # fmt: skip
        write_section(MARKER, body)
        print(f"results written to {DOCS.relative_to(ROOT)}")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
