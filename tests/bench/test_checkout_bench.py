"""The checkout benchmark's own parts: percentiles, the refusals it does not count as errors, its result line,
the docs section that keeps other databases' rows, and one tiny end-to-end run on SQLite."""

import json
import subprocess
import sys

import pytest

from bench.checkout import (
    ROOT,
    format_line,
    is_expected_refusal,
    merge_rows,
    percentile,
    problem_code,
    render_section,
    rows_in_section,
)


def _row(db="postgresql", buyers=8, **overrides):
    row = {"db": db, "buyers": buyers, "orders_s": 12.345, "p50_ms": 80.4, "p99_ms": 412.6, "orders": 370,
           "paid": 370, "hot_sold": 120, "hot_stock": 300, "sold_out": 0, "lost": 0, "oversold": 0,
           "double_charged": 0, "errors": 0, "violations": 0, "app_cpu_ms": 250, "load_before": 0.4,
           "date": "2026-11-28"}  # fmt: skip
    return {**row, **overrides}


def test_percentiles_use_the_nearest_rank_and_are_zero_without_values():
    values = [float(v) for v in range(100, 0, -1)]

    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_a_problems_code_is_the_last_part_of_its_type():
    assert problem_code({"type": "https://comptoir.dev/problems/insufficient-stock", "status": 409}) == (
        "insufficient-stock"
    )
    assert problem_code({"detail": "no type"}) == ""
    assert problem_code("<html>Server Error</html>") == ""


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (409, "insufficient-stock", True),
        (409, "price-changed", True),
        (409, "checkout-completed", False),
        (422, "insufficient-stock", False),
        (500, "", False),
    ],
)
def test_only_sold_out_and_price_changed_conflicts_are_expected_refusals(status, code, expected):
    body = {"type": f"https://comptoir.dev/problems/{code}"} if code else "Internal Server Error"

    assert is_expected_refusal(status, body) is expected


def test_the_result_line_names_every_figure_the_brief_asks_for():
    line = format_line(_row(lost=1, oversold=2, double_charged=3, errors=4))

    assert line == (
        "checkout db=postgresql buyers=8 orders_s=12.3 p50_ms=80 p99_ms=413 lost=1 oversold=2 double_charged=3 errors=4"
    )


def test_a_new_run_replaces_its_databases_rows_and_keeps_the_others():
    old = [_row("postgresql", 1), _row("mysql", 1), _row("mysql", 8)]

    merged = merge_rows(old, [_row("postgresql", 1, orders_s=3.0), _row("postgresql", 32)])

    assert [(r["db"], r["buyers"], r["orders_s"]) for r in merged] == [
        ("mysql", 1, 12.345),
        ("mysql", 8, 12.345),
        ("postgresql", 1, 3.0),
        ("postgresql", 32, 12.345),
    ]


def test_the_section_shows_a_table_and_carries_its_rows_for_the_next_run():
    rows = [_row("mysql", 1), _row("postgresql", 32, oversold=0, violations=0)]

    section = render_section(rows, machine_facts="2 cores", seconds=30, hot_stock=300)

    assert (
        "| postgresql | 32 | 12.3 | 80 | 413 | 370 / 370 | 120 / 300 | 0 | 0 | 0 | 0 | 0 | 0 | 250 | 0.4 | 2026-11-28 |"
    ) in section
    assert section.index("| postgresql |") < section.index("| mysql |")  # PostgreSQL first, then by buyers
    assert "bench/checkout.py --db postgresql" in section
    assert rows_in_section(section) == rows


def test_a_section_without_stored_rows_gives_none():
    assert rows_in_section("| old | table |") == []
    assert rows_in_section("<!-- checkout-rows not json -->") == []


def test_a_tiny_run_on_sqlite_completes_checkouts_and_loses_nothing(tmp_path):
    rows_file = tmp_path / "rows.json"

    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "checkout.py"), "--db", "sqlite", "--buyers", "2", "--seconds", "2",
         "--products", "3", "--hot-stock", "2", "--drain", "20", "--server-workers", "2",
         "--db-name", "comptoir_bench_checkout_smoke", "--no-docs", "--rows-file", str(rows_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = json.loads(rows_file.read_text())
    assert row["completes"] >= 1 and row["orders"] == row["paid"] == row["completes"]
    assert (row["lost"], row["oversold"], row["double_charged"], row["errors"], row["violations"]) == (0, 0, 0, 0, 0)
    assert row["hot_sold"] <= 2
    assert "checkout db=sqlite buyers=2 " in done.stdout
