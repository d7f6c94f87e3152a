"""The pure parts of the flash-sale benchmark: step statistics, the figures the database gives, the final
line and the docs/performance.md section. Tested in tests/bench/test_flash_sale.py."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

MARKER = "flash_sale"
COMMAND = ".venv/bin/python bench/flash_sale.py"
STEPS = ("home", "category", "product", "add", "checkout", "queue", "address", "place", "pay page", "pay", "done")
RUNS_COMMENT = re.compile(r"<!-- flash-runs (.*?) -->", re.DOTALL)
# An answer that is not an error: a sold-out message, a waiting-room page, a 503 that says when to come back.
SOLD_OUT = re.compile(rb"sold out|no longer available", re.IGNORECASE)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Tally:
    """What the clients saw: per-step latencies and statuses, outcomes, errors (with a few samples)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter] = field(default_factory=dict)
    outcomes: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)

    def answered(self, step: str, status: int, ms: float) -> None:
        self.latencies.setdefault(step, []).append(ms)
        self.statuses.setdefault(step, Counter())[str(status)] += 1

    def error(self, kind: str, detail: str = "") -> None:
        self.errors[kind] += 1
        if len(self.samples) < 12:
            self.samples.append(f"{kind}: {detail[:200]}")

    def as_json(self) -> dict:
        return {
            "latencies": self.latencies,
            "statuses": {step: dict(counts) for step, counts in self.statuses.items()},
            "outcomes": dict(self.outcomes),
            "errors": dict(self.errors),
            "samples": self.samples,
            "tokens": sorted(self.tokens),
        }


def summarize_steps(latencies: dict[str, list[float]], statuses: dict[str, dict[str, int]]) -> list[dict]:
    """One row per step, in the scenario's order: requests, p50/p95/p99 ms, 5xx answers."""
    rows = []
    for step in sorted(latencies, key=lambda s: (STEPS.index(s) if s in STEPS else 99, s)):
        values = latencies[step]
        counts = statuses.get(step, {})
        rows.append(
            {
                "step": step,
                "requests": len(values),
                "p50_ms": round(percentile(values, 50), 1),
                "p95_ms": round(percentile(values, 95), 1),
                "p99_ms": round(percentile(values, 99), 1),
                "errors_5xx": sum(n for status, n in counts.items() if status.startswith("5")),
            }
        )
    return rows


def count_5xx(statuses: dict[str, dict[str, int]], *, only: str = "5") -> int:
    """Answers whose status starts with `only` ("5": every 5xx; "500": plain server errors)."""
    return sum(n for counts in statuses.values() for status, n in counts.items() if status.startswith(only))


def oversold(*, stock: int, allocated: int, shipped: int, ordered: int) -> int:
    """Units of the featured product sold beyond its stock, by the stock rows and by the order lines."""
    return max(0, allocated + shipped - stock, ordered - stock)


def lost(client_tokens: list[str], database_tokens: set[str]) -> int:
    """Orders a client was told were placed and paid that the database does not have."""
    return len(set(client_tokens) - database_tokens)


def final_line(row: dict) -> str:
    return (
        f"flash_sale buyers={row['buyers']} orders={row['orders']} orders_s={row['orders_s']:.1f} "
        f"p95_ms={row['p95_ms']:.0f} oversold={row['oversold']} lost={row['lost']} "
        f"double_charged={row['double_charged']} errors_5xx={row['errors_5xx']}"
    )


_FINAL = re.compile(
    r"^flash_sale buyers=(?P<buyers>\d+) orders=(?P<orders>\d+) orders_s=(?P<orders_s>[\d.]+) "
    r"p95_ms=(?P<p95_ms>\d+) oversold=(?P<oversold>\d+) lost=(?P<lost>\d+) "
    r"double_charged=(?P<double_charged>\d+) errors_5xx=(?P<errors_5xx>\d+)$"
)


def parse_final_line(line: str) -> dict | None:
    """The figures of a final line, or None when `line` is not one."""
    found = _FINAL.match(line.strip())
    if not found:
        return None
    return {key: float(value) if key == "orders_s" else int(value) for key, value in found.groupdict().items()}


def runs_in_section(text: str) -> list[dict]:
    match = RUNS_COMMENT.search(text)
    if not match:
        return []
    try:
        runs = json.loads(match.group(1))
    except json.JSONDecodeError:
        return []
    return [run for run in runs if isinstance(run, dict) and "fault" in run]


def merge_runs(old: list[dict], new: dict, *, keep: int = 8) -> list[dict]:
    """The runs to show: the new one replaces an earlier run with the same fault, size, waiting room and
    shedding (on or off); at most `keep`."""

    def key(run: dict) -> tuple:
        return run["fault"], run["buyers"], run["seconds"], run.get("waiting_room", "auto"), bool(run.get("shed_ms"))

    kept = [run for run in old if key(run) != key(new)]
    return [*kept, new][-keep:]


def run_label(run: dict) -> str:
    """The fault, the waiting room's mode when it was not the default `auto`, and "no shedding" for a run
    without load shedding (every run before 2026-11-29's shedding, and those with `--shed-ms 0`)."""
    mode = run.get("waiting_room", "auto")
    if mode == "on":
        label = f"{run['fault']}, waiting room on ({run.get('admit_rate', '?')}/s)"
    else:
        label = run["fault"] if mode == "auto" else f"{run['fault']}, waiting room {mode}"
    return label if run.get("shed_ms") else f"{label}, no shedding"


def render_section(runs: list[dict], *, machine_facts: str) -> str:
    """The markdown between the `flash_sale` markers: how it ran, one row per run, and the latest run's steps."""
    lines = [
        "### Flash sale: results",
        "",
        f"Machine: {machine_facts}. gunicorn (sync workers), a `db_worker`, PostgreSQL, a Redis of the benchmark's",
        "own for cache and sessions, and the buyers' driver process all share the same cores.",
        f"Rerun: `make bench-flash` (or `{COMMAND} --buyers 1000 --seconds 20 --fault kill-workers`).",
        "`p95 ms` is over every request of the run. `5xx` counts every 5xx answer; those that are not 500 are",
        "503s with Retry-After: a request shed because it waited longer than `shed ms` in front of the app (also",
        "counted in `shed`; the buyer asks again after Retry-After, as the busy page does) or a page that lost the",
        "database. The storefront's waiting page answers 200 and is counted in `queued`.",
        "`lost`, `oversold` and `double charged` come from the database, not from the clients. `app CPU` is",
        "gunicorn's CPU time per request answered; `load before` the machine's 1-minute load average at the start",
        "(other work on the machine slows everything down: compare runs by app CPU, not only by latency).",
        "",
        "| fault | buyers / s | requests | req/s | p95 ms | orders | orders/s | paid by clients "
        "| featured sold / stock | sold-out told | queued | shed | 5xx (of which 500) | other errors | lost "
        "| oversold | double charged | invariants | admit / s | shed ms | app CPU ms / request | load before "
        "| measured |",
        "| --- | ---: " + "| ---: " * 20 + "| --- |",
    ]
    for r in runs:
        lines.append(
            f"| {run_label(r)} | {r['buyers']} / {r['seconds']:g} | {r['requests']} | {r['req_s']:.0f} "
            f"| {r['p95_ms']:.0f} | {r['orders']} | {r['orders_s']:.1f} | {r['completes']} "
            f"| {r['featured_sold']} / {r['featured_stock']} | {r['sold_out_told']} | {r['queued']} "
            f"| {r.get('shed', '')} | {r['errors_5xx']} ({r.get('errors_500', '?')}) | {r['other_errors']} "
            f"| {r['lost']} | {r['oversold']} | {r['double_charged']} | {r['violations']} | {r.get('admit_rate', '')} "
            f"| {r.get('shed_ms', '')} | {r.get('app_cpu_ms', '')} | {r.get('load_before', '')} | {r['date']} |"
        )
    if runs:
        last = runs[-1]
        lines += [
            "",
            f"Steps of the last run ({last['fault']}, {last['buyers']} buyers in {last['seconds']:g} s):",
            "",
            "| step | requests | p50 ms | p95 ms | p99 ms | 5xx |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {s['step']} | {s['requests']} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['p99_ms']:.0f} "
            f"| {s['errors_5xx']} |"
            for s in last.get("steps", [])
        ]
    stored = [{k: v for k, v in run.items()} for run in runs]
    lines += ["", f"<!-- flash-runs {json.dumps(stored, sort_keys=True)} -->"]
    return "\n".join(lines)
