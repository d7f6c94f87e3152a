"""The pure parts of the flash-sale benchmark: the HTTP it speaks, the figures it reports, its last line and its
docs section. (A run needs PostgreSQL, Redis and minutes: `make bench-flash`, not the suite.)"""

import ipaddress

import pytest

from bench.flash_http import Jar, build_request, buyer_address, parse_response, parse_set_cookie
from bench.flash_report import (
    count_5xx,
    final_line,
    lost,
    merge_runs,
    oversold,
    parse_final_line,
    percentile,
    render_section,
    runs_in_section,
    summarize_steps,
)
from comptoir.payments.providers.faults import Faults, parse


def run(**changes) -> dict:
    row = {
        "fault": "none",
        "buyers": 1000,
        "seconds": 20.0,
        "requests": 4200,
        "req_s": 140.0,
        "p95_ms": 1834.4,
        "orders": 95,
        "orders_s": 4.75,
        "completes": 95,
        "featured_sold": 80,
        "featured_stock": 500,
        "sold_out_told": 0,
        "queued": 12,
        "errors_5xx": 0,
        "other_errors": 3,
        "lost": 0,
        "oversold": 0,
        "double_charged": 0,
        "violations": 0,
        "date": "2026-11-29",
        "shed_ms": 1000,
        "steps": [{"step": "home", "requests": 1000, "p50_ms": 120, "p95_ms": 900, "p99_ms": 1500, "errors_5xx": 0}],
    }
    return {**row, **changes}


def test_the_last_line_has_every_figure_in_the_agreed_order():
    line = final_line(run())

    assert line == (
        "flash_sale buyers=1000 orders=95 orders_s=4.8 p95_ms=1834 oversold=0 lost=0 double_charged=0 errors_5xx=0"
    )


def test_the_last_line_reads_back_into_its_figures():
    figures = parse_final_line(final_line(run(oversold=2, errors_5xx=7)))

    assert figures == {
        "buyers": 1000,
        "orders": 95,
        "orders_s": 4.8,
        "p95_ms": 1834,
        "oversold": 2,
        "lost": 0,
        "double_charged": 0,
        "errors_5xx": 7,
    }


@pytest.mark.parametrize("line", ["", "flash_sale buyers=1", "checkout db=postgresql buyers=1"])
def test_anything_else_is_not_a_last_line(line):
    assert parse_final_line(line) is None


def test_percentiles_are_nearest_rank_and_zero_without_values():
    values = [float(v) for v in range(1, 101)]

    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert percentile([], 95) == 0.0


def test_steps_come_in_the_scenarios_order_with_their_5xx():
    rows = summarize_steps(
        {"pay": [100.0], "home": [10.0, 30.0], "product": [20.0]},
        {"pay": {"302": 1}, "home": {"200": 1, "502": 1}, "product": {"200": 1}},
    )

    assert [r["step"] for r in rows] == ["home", "product", "pay"]
    assert rows[0]["errors_5xx"] == 1 and rows[0]["p95_ms"] == 30.0


def test_5xx_are_counted_over_every_step():
    statuses = {"home": {"200": 5, "500": 2}, "pay": {"503": 1, "409": 4}}

    assert (count_5xx(statuses), count_5xx(statuses, only="500")) == (3, 2)


def test_oversold_counts_units_beyond_stock_by_the_stock_rows_or_by_the_order_lines():
    assert oversold(stock=500, allocated=480, shipped=20, ordered=500) == 0
    assert oversold(stock=500, allocated=490, shipped=20, ordered=500) == 10
    assert oversold(stock=500, allocated=400, shipped=0, ordered=503) == 3


def test_lost_orders_are_those_clients_saw_paid_that_the_database_lacks():
    assert lost(["a", "b", "c"], {"a", "c", "z"}) == 1
    assert lost([], {"a"}) == 0


def test_a_new_run_replaces_the_earlier_run_of_the_same_fault_and_size():
    old = [run(fault="none", p95_ms=3000.0), run(fault="kill-workers")]

    merged = merge_runs(old, run(fault="none", p95_ms=1000.0))

    assert [(r["fault"], r["p95_ms"]) for r in merged] == [("kill-workers", 1834.4), ("none", 1000.0)]


def test_the_section_shows_each_run_and_keeps_them_for_the_next_time():
    section = render_section(
        [run(shed_ms=0), run(fault="stop-redis", errors_5xx=4, errors_500=0, shed=3)], machine_facts="2 cores"
    )

    assert (
        "| none, no shedding | 1000 / 20 | 4200 | 140 | 1834 | 95 | 4.8 | 95 | 80 / 500 | 0 | 12 |  | 0 (?) |"
        in section
    )
    assert "| stop-redis | 1000 / 20 | 4200 | 140 | 1834 | 95 | 4.8 | 95 | 80 / 500 | 0 | 12 | 3 | 4 (0) |" in section
    assert "| stop-redis |" in section and "| home | 1000 | 120 | 900 | 1500 | 0 |" in section
    assert [r["fault"] for r in runs_in_section(section)] == ["none", "stop-redis"]


def test_a_response_is_read_with_its_cookies_and_a_chunked_body():
    answer = (
        b"HTTP/1.1 302 Found\r\nLocation: /en/cart/\r\nSet-Cookie: csrftoken=abc; Path=/\r\n"
        b"Set-Cookie: comptoir_cart=; Max-Age=0; Path=/\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )

    response = parse_response(answer)

    assert (response.status, response.location, response.body) == (302, "/en/cart/", b"hello world")
    assert response.cookies == {"csrftoken": "abc", "comptoir_cart": ""}


def test_the_jar_drops_a_deleted_cookie_and_sends_the_others():
    jar = Jar({"comptoir_cart": "t1", "csrftoken": "x"})

    jar.update({"comptoir_cart": "", "sessionid": "s"})

    assert jar.header() == "csrftoken=x; sessionid=s"
    assert parse_set_cookie('name="quoted"; HttpOnly') == ("name", "quoted")


def test_a_form_post_carries_the_cookies_and_an_encoded_body():
    request = build_request("POST", "/en/cart/add/", host="127.0.0.1:8000", jar=Jar({"csrftoken": "x"}),
                            form={"variant": "7", "email": "a+b@example.fr"})  # fmt: skip

    head, body = request.split(b"\r\n\r\n")
    assert b"Cookie: csrftoken=x" in head and b"Content-Length: 34" in head
    assert body == b"variant=7&email=a%2Bb%40example.fr"


def test_each_buyer_comes_from_a_loopback_address_of_their_own():
    addresses = [buyer_address(i) for i in range(20_000)]

    assert len(set(addresses)) == 20_000
    assert all(ipaddress.ip_address(a).is_loopback for a in addresses)


def test_the_provider_fault_setting_is_read_strictly():
    assert parse("delay=2.0,fail=0.1") == Faults(delay=2.0, fail=0.1)
    assert parse("") == Faults()
    with pytest.raises(ValueError):
        parse("delay=2,oops=1")
    with pytest.raises(ValueError):
        parse("fail=2")


def test_a_run_with_the_waiting_room_forced_on_is_kept_beside_the_default_run():
    merged = merge_runs([run(waiting_room="auto")], run(waiting_room="on", admit_rate=2))

    section = render_section(merged, machine_facts="2 cores")

    assert len(merged) == 2
    assert "| none, waiting room on (2/s) | 1000 / 20 |" in section


def test_a_run_without_shedding_is_kept_beside_the_run_with_it():
    merged = merge_runs([run(shed_ms=1000)], run(shed_ms=0, p95_ms=9000.0))

    section = render_section(merged, machine_facts="2 cores")

    assert len(merged) == 2
    assert "| none | 1000 / 20 |" in section and "| none, no shedding | 1000 / 20 |" in section
