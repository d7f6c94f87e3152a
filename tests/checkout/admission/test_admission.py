import threading
from unittest import mock

import pytest
from django.core.cache import cache

from comptoir.checkout import admission
from comptoir.checkout.admission import Config, Ticket, admit, safe_admit
from tests.core.test_resilient_cache import dead_redis  # noqa: F401  (a fixture, used below)

T0 = 1_800_000_000.0


def arrive(cfg: Config, n: int, *, now: float) -> list:
    return [admit(cfg, None, now=now) for _ in range(n)]


def test_buyers_are_let_in_and_given_places_in_the_order_they_arrived():
    cfg = Config(mode="on", rate=2)

    decisions = arrive(cfg, 5, now=T0)

    assert [d.admitted for d in decisions] == [True, True, False, False, False]
    assert [d.ticket.number for d in decisions] == [1, 2, 3, 4, 5]
    assert [d.position for d in decisions[2:]] == [1, 2, 3]


def test_the_next_second_lets_in_the_next_in_line_and_not_a_later_arrival():
    cfg = Config(mode="on", rate=1)
    first, second, third = arrive(cfg, 3, now=T0)

    later = admit(cfg, third.ticket, now=T0 + 1.2)
    earlier = admit(cfg, second.ticket, now=T0 + 1.5)

    assert first.admitted and not later.admitted and earlier.admitted
    assert later.position == 1


def test_no_more_buyers_are_let_in_each_second_than_the_rate():
    cfg = Config(mode="on", rate=3)
    waiting = [d.ticket for d in arrive(cfg, 30, now=T0) if not d.admitted]
    admitted_per_second = []

    for second in range(1, 6):
        decisions = [admit(cfg, ticket, now=T0 + second + 0.5) for ticket in waiting]
        waiting = [d.ticket for d in decisions if not d.admitted]
        admitted_per_second.append(sum(d.admitted for d in decisions))

    assert admitted_per_second == [3, 3, 3, 3, 3]
    assert len(waiting) == 30 - 3 - 15


def test_an_idle_shop_does_not_save_up_admissions_for_a_later_flood():
    cfg = Config(mode="on", rate=2)
    arrive(cfg, 1, now=T0)
    for second in range(1, 100):  # a quiet spell: one request a second, nobody queued
        admit(cfg, Ticket(until=T0 + 10_000), now=T0 + second)
        admission.now_serving(cfg, now=T0 + second)

    flood = arrive(cfg, 20, now=T0 + 100.5)

    assert sum(d.admitted for d in flood) <= 2 * cfg.rate


def test_the_estimated_wait_follows_the_place_and_the_rate():
    cfg = Config(mode="on", rate=4)

    decisions = arrive(cfg, 14, now=T0)

    assert [(d.position, d.wait_seconds) for d in decisions[-2:]] == [(9, 3), (10, 3)]


def test_an_admitted_buyer_is_never_queued_again_even_behind_a_long_queue():
    cfg = Config(mode="on", rate=1)
    admitted = admit(cfg, None, now=T0)
    arrive(cfg, 50, now=T0)

    again = admit(cfg, admitted.ticket, now=T0 + 60)

    assert again.admitted and again.ticket == admitted.ticket


def test_an_admission_lapses_after_its_minutes_and_the_buyer_takes_a_new_number():
    cfg = Config(mode="on", rate=1, ticket_minutes=20)
    admitted = admit(cfg, None, now=T0)
    arrive(cfg, 50, now=T0 + 1190)

    later = admit(cfg, admitted.ticket, now=T0 + 20 * 60 + 1)

    assert not later.admitted and later.ticket.number == 52


def test_a_ticket_survives_its_cookie_and_a_tampered_one_is_refused():
    ticket = Ticket(number=7, until=T0)

    assert Ticket.loads(ticket.dumps()) == ticket
    assert Ticket.loads(ticket.dumps()[:-2] + "xx") is None
    assert Ticket.loads("") is None


def test_auto_lets_buyers_straight_in_while_checkout_is_not_busy():
    cfg = Config(mode="auto", rate=1, threshold=4)

    decisions = arrive(cfg, 10, now=T0)

    assert all(d.admitted for d in decisions)
    assert cache.get(admission.NEXT_KEY) is None  # nobody took a number


def test_auto_queues_newcomers_once_enough_checkouts_are_in_flight():
    cfg = Config(mode="auto", rate=1, threshold=3)
    cache.set(admission.IN_FLIGHT_KEY, 3)

    decisions = arrive(cfg, 4, now=T0)

    assert [d.admitted for d in decisions] == [True, False, False, False]


def test_auto_queues_newcomers_while_recent_checkouts_are_slow():
    cfg = Config(mode="auto", rate=1, latency_ms=800)
    window = int(T0 // admission.LATENCY_WINDOW)
    cache.set(f"admission:latency:{window}:ms", 6 * 900)
    cache.set(f"admission:latency:{window}:n", 6)

    decisions = arrive(cfg, 3, now=T0)

    assert [d.admitted for d in decisions] == [True, False, False]


def test_the_in_flight_count_goes_up_during_a_request_and_back_down_after():
    cfg = Config(mode="auto")

    with admission.Measure(cfg):
        during = cache.get(admission.IN_FLIGHT_KEY)

    assert (during, cache.get(admission.IN_FLIGHT_KEY)) == (1, 0)


def test_off_lets_everyone_in_without_touching_the_queue():
    decisions = arrive(Config(mode="off"), 5, now=T0)

    assert all(d.admitted for d in decisions)
    assert cache.get(admission.NEXT_KEY) is None


def test_an_unreachable_cache_lets_the_buyer_in():
    with mock.patch.object(admission, "take_number", side_effect=ConnectionError("redis is away")):
        decision = safe_admit(Config(mode="on"), None, now=T0)

    assert decision.admitted


def test_the_run_time_switch_overrides_the_settings_for_every_server(waiting_room):
    waiting_room(mode="off", rate=5)

    admission.switch(mode="on", rate=9)

    assert (admission.config().mode, admission.config().rate) == ("on", 9)
    assert admission.reset_switch().mode == "off"


@pytest.mark.parametrize("mode", ["maybe", ""])
def test_an_unknown_mode_counts_as_off(waiting_room, mode):
    waiting_room(mode=mode)

    assert admission.config().mode == "off"


@pytest.mark.parametrize(
    ("header", "waited"),
    [
        ("t=1800000000.000", 5.0),
        ("t=1800000000000", 5.0),  # milliseconds (nginx's ${msec} without the dot)
        ("1800000000000000", 5.0),  # microseconds
        ("t=1700000000", 60.0),  # capped
        ("t=1800000010", 0.0),  # in the future
        ("soon", 0.0),
        (None, 0.0),
    ],
)
def test_the_time_a_request_waited_before_the_app_is_read_from_the_proxys_stamp(header, waited):
    assert admission.queued_seconds(header, now=1_800_000_005.0) == pytest.approx(waited)


def test_auto_counts_the_wait_before_the_app_only_when_told_to_trust_the_stamp(clock):
    stamp = f"t={clock.now - 3:.3f}"
    window = int(clock.now // admission.LATENCY_WINDOW)

    with admission.Measure(Config(mode="auto"), request_start=stamp):
        pass
    untrusted = cache.get(f"admission:latency:{window}:ms")
    with admission.Measure(Config(mode="auto", trust_request_start=True), request_start=stamp):
        pass

    assert untrusted == 0
    assert cache.get(f"admission:latency:{window}:ms") == 3000


class SlowSwitchReads:
    """The cache, reading the switch slowly: two switches at once both read it before either writes."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def get(self, key, default=None):
        value = self.inner.get(key, default)
        if key == admission.SWITCH_KEY:
            threading.Event().wait(0.2)  # what was read is 0.2 s old when the caller writes
        return value

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_two_switches_at_the_same_instant_both_keep_their_change(waiting_room, run_in_threads, monkeypatch):
    waiting_room(mode="off", rate=5)
    monkeypatch.setattr(admission, "cache", SlowSwitchReads(cache))
    changes = [{"mode": "on"}, {"rate": 9}]

    results = run_in_threads(lambda i: admission.switch(**changes[i]), n=2)

    assert not [r for r in results if isinstance(r, Exception)]
    assert admission.switched() == {"mode": "on", "rate": 9}


def test_a_switch_that_cannot_take_the_lock_changes_nothing_and_says_so(waiting_room):
    waiting_room(mode="off", rate=5)
    cache.add(admission.SWITCH_LOCK_KEY, 1, timeout=5)  # another switch holds it

    with mock.patch.object(admission, "sleep"), pytest.raises(admission.SwitchBusyError):
        admission.switch(mode="on")
    with mock.patch.object(admission, "sleep"), pytest.raises(admission.SwitchBusyError):
        admission.reset_switch()

    assert admission.switched() == {}


def test_the_lock_is_given_back_after_each_switch(waiting_room):
    admission.switch(mode="on")
    admission.reset_switch()

    assert cache.get(admission.SWITCH_LOCK_KEY) is None


def test_with_redis_away_a_switch_gives_up_at_once_instead_of_waiting_for_the_lock(dead_redis, monkeypatch):  # noqa: F811
    pauses = []
    monkeypatch.setattr(admission, "cache", dead_redis)
    monkeypatch.setattr(admission, "sleep", pauses.append)

    with pytest.raises(admission.SwitchBusyError):
        admission.switch(mode="on")

    assert pauses == []
