"""Storefront load benchmark: real pages of a demo shop served by gunicorn, under load from loopback.

For each database asked for, it builds a throw-away demo shop (`migrate` + `load_demo`), collects static
files, measures the queries and server time of each page, starts gunicorn (2 workers, DEBUG=0) on a free
loopback port, and loads home, category, product and search pages for a fixed time each with a bounded
number of connections. With Redis (`--cache-url`, database 7 by default, emptied before each run) it does
so three times: with no cache for pages (every page built from the database), with the fragment cache only
(every page rendered, the menu and product details reused) and with the page cache (anonymous pages served
from Redis): docs/caching.md. It prints one line per page, database and mode, and
writes the results table in docs/performance.md. Every process it starts is stopped when it ends, fails or
is interrupted.

    make bench                                  # both databases, the defaults below
    .venv/bin/python bench/storefront.py --db sqlite --duration 5 --connections 16
    .venv/bin/python bench/storefront.py --db postgresql --pages product --page-cache all --workers 3
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import run_load
from processes import RUNNING, cpu_seconds, free_port, interrupted, start, stop, stop_all
from report import PAGE_ORDER, machine_facts, update_document

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "performance.md"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/comptoir_bench")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/7")
WORKERS = 2


def step(title: str, command: list[str], *, env: dict[str, str], capture: bool = False) -> str:
    """Run one command to completion (stoppable like the server); raise SystemExit if it fails."""
    print(f"  {title} ...", flush=True)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE if capture else None, start_new_session=True
    )
    RUNNING.append(process)
    try:
        out, _ = process.communicate()
    finally:
        stop(process)
    if process.returncode != 0:
        raise SystemExit(f"{title} failed (exit {process.returncode}): {' '.join(command)}")
    return out.decode() if capture else ""


def environment(database_url: str, cache_url: str = "") -> dict[str, str]:
    """Production-like settings: no debug, collected and compressed static files, persistent connections,
    Redis as the cache when given (the page cache stays off until a run turns it on)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "comptoir-bench-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(WORK / "static"),
        "MEDIA_ROOT": str(WORK / "media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # The probe measures each page's work with no cache; each mode sets its own flags.
        "PAGE_CACHE": "0",
        "FRAGMENT_CACHE": "0",
    }
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


def redis_reachable(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True
    except Exception as exc:
        print(f"Redis not reachable at {url} ({exc}); measuring without it and without the page cache.")
        return False


def flush_cache(url: str) -> None:
    """Empty the benchmark's own Redis database (only that one: `FLUSHDB` on the URL's database number)."""
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


def prepare_database(db: str) -> str:
    """Create an empty database and return its URL."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{WORK / 'bench.sqlite3'}"
    with _postgres_admin() as conn:
        name = urlsplit(POSTGRES_URL).path.lstrip("/")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_URL


def drop_database(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        return
    with contextlib.suppress(Exception), _postgres_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(POSTGRES_URL).path.lstrip("/")}" WITH (FORCE)')


def _postgres_admin():
    import psycopg

    url = urlsplit(POSTGRES_URL)
    return psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username or "postgres", password=url.password or None,
        dbname="postgres", autocommit=True, connect_timeout=5,
    )  # fmt: skip


def postgres_reachable() -> bool:
    try:
        with _postgres_admin():
            return True
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping it.", file=sys.stderr)
        return False


def wait_until_serving(base: str, server: subprocess.Popen, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {WORK}/gunicorn-*.log")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/fr/", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not serve {base}/fr/ within {timeout:.0f}s")


def bench_database(db: str, args: argparse.Namespace) -> tuple[list[dict], dict[str, dict]]:
    print(f"== {db}", flush=True)
    env = environment(prepare_database(db), args.cache_url)
    python = sys.executable
    # System checks are CI's business (.ci/run's demo smoke test); here they would only stop a measurement.
    step("migrate", [python, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"], env=env)
    demo = [python, "manage.py", "load_demo"]
    demo += [] if args.images else ["--no-images"]
    demo += ["--products", str(args.products)] if args.products else []
    step("load_demo", demo, env=env)
    step("collectstatic", [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], env=env)
    flush_cache(args.cache_url)
    probe = json.loads(step("sample URLs, count queries", [python, "bench/probe.py"], env=env, capture=True))
    rows, runs = [], {}
    for mode in args.modes:
        label = db + MODE_LABELS[mode]
        flags = {"PAGE_CACHE": "1" if mode == "on" else "0", "FRAGMENT_CACHE": "0" if mode == "off" else "1"}
        mode_rows, run = _serve_and_load(db, label, {**env, **flags}, probe, args, prime_cache=mode != "off")
        rows += mode_rows
        cache = f"Redis cache ({args.cache_url})" if args.cache_url else "the default local-memory cache"
        run["cache"] = f"{cache}, {MODE_NOTES[mode]}"
        run["rerun"] = f"--db {db} --page-cache {mode} --workers {args.workers}"
        runs[label] = run
    return rows, runs


MODE_LABELS = {"off": "", "fragments": ", fragments", "on": ", page cache"}
MODE_NOTES = {
    "off": "no page or fragment cache (every page built from the database)",
    "fragments": "page cache off, fragment cache on (every page rendered; menu and product detail reused)",
    "on": "page cache on (anonymous pages served from Redis)",
}


def prime(urls: list[str]) -> None:
    """Ask for every address once, so the measured run finds each page (or fragment) in the cache, as a
    shop's pages are after its first visitors."""
    with httpx.Client(timeout=60) as client:
        for url in urls:
            client.get(url, headers={"Accept-Language": "fr"})


def _serve_and_load(
    db: str, label: str, env: dict[str, str], probe: dict, args: argparse.Namespace, *, prime_cache: bool = False
) -> tuple[list[dict], dict]:
    """Start gunicorn with `env`, load each page kind in turn, stop it; the rows and the run's notes."""
    flush_cache(args.cache_url)
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"  warning: load average {load_before:.2f} before the run; other work will lower the figures")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(
        [python_executable(), "-m", "gunicorn", "comptoir.wsgi:application", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "5"],
        env=env, log=WORK / f"gunicorn-{db}.log",
    )  # fmt: skip
    rows, client_cpu = [], []
    try:
        wait_until_serving(base, server)
        for page in [p for p in PAGE_ORDER if p in args.pages]:
            urls = [base + path for path in probe["urls"][page]]
            if prime_cache:
                prime(urls)
            run_load(urls, connections=args.connections, seconds=args.warmup)
            cpu_before = cpu_seconds(server.pid)
            result = run_load(urls, connections=args.connections, seconds=args.duration)
            app_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / max(result.requests, 1)
            work = probe["work"][page]
            client_cpu.append(result.client_cpu_seconds / result.seconds)
            row = {
                "page": page,
                "db": label,
                "req_s": round(result.req_s, 1),
                "p50_ms": round(result.p50_ms, 1),
                "p95_ms": round(result.p95_ms, 1),
                "p99_ms": round(result.p99_ms, 1),
                "errors": result.errors,
                # The probe counted the no-cache work; a cached page runs none; fragments: not counted here.
                "queries": 0
                if mode_cached(label)
                else None
                if label.endswith(MODE_LABELS["fragments"])
                else work["queries"],
                "work_ms": work["work_ms"],
                "cpu_ms": round(app_cpu_ms, 2),
            }
            rows.append(row)
            print(
                f"storefront page={page} db={label.replace(', ', '+').replace(' ', '_')} "
                f"req_s={row['req_s']:.1f} p50_ms={row['p50_ms']:.1f} p95_ms={row['p95_ms']:.1f} "
                f"p99_ms={row['p99_ms']:.1f} errors={row['errors']} queries={row['queries']} "
                f"server_ms={row['work_ms']:.1f} cpu_ms={row['cpu_ms']:.2f} urls={len(urls)}",
                flush=True,
            )
            if result.error_kinds:
                print(f"  errors by kind: {result.error_kinds}", flush=True)
    finally:
        stop(server)
    run = {
        "date": datetime.date.today().isoformat(),
        "load_before": load_before,
        "machine": machine_facts(),
        "database": probe["database"],
        "workers": args.workers,
        "connections": args.connections,
        "duration": args.duration,
        "warmup": args.warmup,
        "client_cpu": max(client_cpu, default=0.0),
    }
    return rows, run


def mode_cached(label: str) -> bool:
    return label.endswith(MODE_LABELS["on"])


def python_executable() -> str:
    return sys.executable


def main() -> int:
    parser = argparse.ArgumentParser(description="Storefront load benchmark (loopback only).")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per page (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each page (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--products", type=int, default=0, help="demo size passed to load_demo (default: its own)")
    parser.add_argument("--images", action="store_true", help="build the demo with images (slower to build)")
    parser.add_argument("--pages", default=",".join(PAGE_ORDER), help="comma-separated subset of pages")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/performance.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases afterwards")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"gunicorn sync workers (default {WORKERS})")
    parser.add_argument(
        "--cache-url", default=CACHE_URL, help=f"Redis for the cache; '' for local memory (default {CACHE_URL})"
    )
    parser.add_argument(
        "--page-cache",
        choices=["off", "fragments", "on", "all"],
        default="all",
        help="no cache at all, fragments only, the page cache; or all three in turn (default)",
    )
    args = parser.parse_args()
    args.pages = {p.strip() for p in args.pages.split(",") if p.strip()}
    if args.cache_url and not redis_reachable(args.cache_url):
        args.cache_url = ""
    # The page cache needs a cache every worker shares: without Redis, only the uncached mode is measured.
    wanted = ["off", "fragments", "on"] if args.page_cache == "all" else [args.page_cache]
    args.modes = [mode for mode in wanted if args.cache_url or mode == "off"] or ["off"]
    if not 1 <= args.workers <= 16:
        parser.error("--workers 1..16")
    if not args.pages <= set(PAGE_ORDER) or not 1 <= args.connections <= 256 or not 0 < args.duration <= 600:
        parser.error(f"--pages among {PAGE_ORDER}, --connections 1..256, --duration up to 600 s")

    signal.signal(signal.SIGTERM, interrupted)
    WORK.mkdir(parents=True, exist_ok=True)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in databases and not postgres_reachable():
        if args.db == "postgresql":
            return 1
        databases.remove("postgresql")
    rows: list[dict] = []
    runs: dict[str, dict] = {}
    try:
        for db in databases:
            try:
                db_rows, db_runs = bench_database(db, args)
                rows += db_rows
                runs |= db_runs
            finally:
                if not args.keep:
                    drop_database(db)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what was started", file=sys.stderr)
        return 130
    finally:
        stop_all()
    if not args.no_docs and rows:
        update_document(DOC, rows=rows, runs=runs)
        print(f"results written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
