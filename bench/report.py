"""Facts about the machine, and the generated results table in docs/performance.md.

The table lives between two markers in the document; the rest of the page is written by hand. The rows
are also kept as JSON in a comment between the markers, so a run on one database replaces that
database's rows and keeps the others.
"""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

START = "<!-- bench:storefront:start -->"
END = "<!-- bench:storefront:end -->"
DATA = re.compile(r"<!-- bench-data: (.*?) -->", re.DOTALL)

# From the issue: uncached pages on a 2-core machine under 32 connections.
TARGETS = {"product": 400, "category": 150, "home": 200}
# Issue 8: pages served by the page cache (runs labelled "<db>, page cache").
CACHED_TARGETS = {"product": 1500}
CACHED = "page cache"
PAGE_ORDER = ["home", "category", "product", "search"]


def machine_facts() -> dict[str, str]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_gib = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        ram_gib = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu or platform.processor() or "unknown",
        "ram": ram_gib or "unknown",
        "python": platform.python_version(),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
        if hasattr(platform, "freedesktop_os_release")
        else platform.system(),
    }


def _target_cell(page: str, req_s: float, db: str = "") -> str:
    target = (CACHED_TARGETS if CACHED in db else TARGETS).get(page)
    if target is None:
        return "—"
    return f"≥ {target}: met" if req_s >= target else f"≥ {target}: **missed**"


def _queries_cell(row: dict) -> str:
    return f"{row['queries']:g}" if row.get("queries") is not None else "—"


def _p95_cell(row: dict) -> str:
    return f"{row['p95_ms']:.0f}" if row.get("p95_ms") is not None else "—"


def _cpu_cell(row: dict) -> str:
    return f"{row['cpu_ms']:.1f}" if row.get("cpu_ms") is not None else "—"


def render(rows: list[dict], runs: dict[str, dict]) -> str:
    """The generated block: how each database run was made, then one table row per page and database."""
    lines = [START, f"<!-- bench-data: {json.dumps({'rows': rows, 'runs': runs}, sort_keys=True)} -->", ""]
    for db, run in sorted(runs.items()):
        machine, database = run["machine"], run["database"]
        lines.append(
            f"- **{db}** ({database['vendor']} {database['version']}), measured {run['date']} on "
            f"{machine['cores']} cores of {machine['cpu']}, {machine['ram']} RAM, {machine['os']}, "
            f"Python {machine['python']}, Django {database['django']}; demo shop of {database['products']} "
            f"products in {database['categories']} categories; gunicorn {run['workers']} sync workers; "
            f"{run['connections']} connections for {run['duration']:g} s per page after a {run['warmup']:g} s "
            f"warm-up; {run.get('cache', 'the default local-memory cache')}; the load generator itself used "
            f"{run['client_cpu']:.0%} of one core; load average before the run {run.get('load_before', 0):.2f}. "
            f"Rerun: `.venv/bin/python bench/storefront.py {run.get('rerun') or '--db ' + db} "
            f"--duration {run['duration']:g} --connections {run['connections']}`."
        )
    lines += [
        "",
        "| page | database | req/s | target | p50 ms | p95 ms | p99 ms | errors | queries | server ms "
        "| app CPU ms/req |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = {page: n for n, page in enumerate(PAGE_ORDER)}
    for row in sorted(rows, key=lambda r: (order.get(r["page"], 99), r["db"])):
        lines.append(
            f"| {row['page']} | {row['db']} | {row['req_s']:.0f} "
            f"| {_target_cell(row['page'], row['req_s'], row['db'])} "
            f"| {row['p50_ms']:.0f} | {_p95_cell(row)} | {row['p99_ms']:.0f} | {row['errors']} | {_queries_cell(row)} "
            f"| {row['work_ms']:.1f} | {_cpu_cell(row)} |"
        )
    lines.append(END)
    return "\n".join(lines)


def update_document(path: Path, *, rows: list[dict], runs: dict[str, dict]) -> None:
    """Replace the rows and run notes of the databases just measured; keep the others and the prose."""
    text = path.read_text() if path.exists() else "# Performance\n\n"
    old_rows: list[dict] = []
    old_runs: dict[str, dict] = {}
    if START in text and END in text:
        head, rest = text.split(START, 1)
        block, tail = rest.split(END, 1)
        found = DATA.search(block)
        if found:
            saved = json.loads(found.group(1))
            old_rows, old_runs = saved.get("rows", []), saved.get("runs", {})
    else:
        head, tail = text.rstrip() + "\n\n", "\n"
    measured = set(runs)
    merged_rows = [r for r in old_rows if r["db"] not in measured] + rows
    merged_runs = {db: run for db, run in old_runs.items() if db not in measured} | runs
    path.write_text(head + render(merged_rows, merged_runs) + tail)
