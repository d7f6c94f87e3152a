"""Reservations per second on one hot variant, with 1, 8 and 32 concurrent workers.

Each worker is a separate process with its own database connection, reserving one unit at a time for a
new checkout, as buyers would on the newsletter day. The stock is smaller than the demand, so the run
ends sold out: the figures show the throughput of the stock lock and prove that nothing is oversold.

    .venv/bin/python bench/stock_contention.py [--db postgresql mysql] [--workers 1 8 32] [--seconds 10]

Prints one line per run: `stock_contention db=… workers=… reserve_s=… errors=… oversold=…` and writes
the table into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import machine, manage, recreate_database, write_section

COMMAND = ".venv/bin/python bench/stock_contention.py"


def _setup_django(url: str) -> None:
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "comptoir.settings", "SECRET_KEY": "bench"})
    os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.dummy.DummyBackend")
    import django

    django.setup()


def _worker(url: str, variant_id: int, index: int, seconds: float, start, results) -> None:
    _setup_django(url)
    from comptoir.inventory.errors import InsufficientStockError
    from comptoir.inventory.services import reserve_stock

    reserved = sold_out = errors = 0
    from django.db import connection

    connection.ensure_connection()  # connect before the start line, like a warm web worker
    start.wait()
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        try:
            reserve_stock(holder=f"w{index}-{n}", quantities={variant_id: 1})
            reserved += 1
        except InsufficientStockError:
            sold_out += 1
            break  # the buyer is told it is sold out and leaves
        except Exception as exc:  # deadlocks, integrity errors: what must never happen
            errors += 1
            print(f"worker {index}: {type(exc).__name__}: {exc}", file=sys.stderr)
    results.put((reserved, sold_out, errors))


def run(db: str, workers: int, seconds: float, units: int) -> dict:
    url = recreate_database(db, "comptoir_bench_stock")
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench", "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend"}
    manage("migrate", "--no-input", "-v", "0", env=env)
    _setup_django(url)
    from django.db import connections

    from comptoir.inventory.services import receive_stock
    from tests.factories import LocationFactory, VariantFactory

    variant = VariantFactory()
    receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=units)
    connections.close_all()

    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, variant.pk, i, seconds, start, results)) for i in range(workers)]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.monotonic()
    totals = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = min(time.monotonic() - began, seconds)
    for proc in procs:
        proc.join(timeout=30)

    from comptoir.core.invariants import registered_checks
    from comptoir.inventory.models import Reservation, StockLevel

    level = StockLevel.objects.get(variant=variant)
    reserved = sum(t[0] for t in totals)
    violations = registered_checks()["stock"]().violations
    oversold = max(0, Reservation.objects.filter(stock_level=level).count() - units, -level.available)
    connections.close_all()  # the next run drops this database
    return {
        "db": db,
        "workers": workers,
        "reserve_s": reserved / elapsed,
        "reserved": reserved,
        "errors": sum(t[2] for t in totals) + len(violations),
        "oversold": oversold,
        "sold_out_answers": sum(t[1] for t in totals),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["postgresql", "mysql"], choices=["postgresql", "mysql", "sqlite"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="upper bound per run")
    parser.add_argument("--units", type=int, default=3000, help="units in stock; the run stops when sold out")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/performance.md")
    parser.add_argument("--json-rows", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.json_rows:  # the child for one database: Django is configured once per process
        rows = [run(args.db[0], workers, args.seconds, args.units) for workers in args.workers]
        print("ROWS " + json.dumps(rows), flush=True)
        return
    rows = []
    for db in args.db:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--db",
                db,
                "--workers",
                *map(str, args.workers),
                "--seconds",
                str(args.seconds),
                "--units",
                str(args.units),
                "--json-rows",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        found = [line for line in child.stdout.splitlines() if line.startswith("ROWS ")]
        for r in json.loads(found[-1][5:]):
            rows.append(r)
            print(
                f"stock_contention db={r['db']} workers={r['workers']} reserve_s={r['reserve_s']:.0f} "
                f"errors={r['errors']} oversold={r['oversold']}",
                flush=True,
            )
    if not args.no_docs:
        table = [
            "## Stock contention: reservations on one hot variant",
            "",
            f"Measured {date.today().isoformat()} on {machine()}. Rerun: `{COMMAND}`.",
            f"Each worker is a process reserving one unit per checkout until {args.units} units are sold out or",
            f"{args.seconds:.0f} s pass; `errors` counts deadlocks, integrity errors and invariant violations.",
            "",
            "| database | workers | reservations/s | reserved | errors | oversold |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *("| {db} | {workers} | {reserve_s:.0f} | {reserved} | {errors} | {oversold} |".format(**r) for r in rows),
        ]
        write_section("stock_contention", "\n".join(table))


if __name__ == "__main__":
    main()
