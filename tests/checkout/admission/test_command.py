"""`manage.py waiting_room`: the operator's switch before the newsletter goes out."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from comptoir.checkout import admission


def run(*args: str) -> str:
    out = StringIO()
    call_command("waiting_room", *args, stdout=out)
    return out.getvalue()


def test_without_arguments_it_shows_the_state_and_changes_nothing(waiting_room):
    waiting_room(mode="auto", rate=4)

    assert run().startswith("waiting room: auto, 4 buyers a second")
    assert admission.switched() == {}


def test_it_switches_on_at_a_rate_then_back_to_the_settings(waiting_room):
    waiting_room(mode="off", rate=4)

    assert run("on", "--rate", "20").startswith("waiting room: on, 20 buyers a second")
    assert admission.switched() == {"mode": "on", "rate": 20}
    assert run("settings").startswith("waiting room: off, 4 buyers a second")
    assert admission.switched() == {}


@pytest.mark.parametrize("option", ["--rate", "--threshold", "--latency-ms"])
def test_a_value_below_one_is_refused_and_changes_nothing(waiting_room, option):
    with pytest.raises(CommandError, match=f"{option} must be at least 1"):
        run("on", option, "0")

    assert admission.switched() == {}


def test_while_another_switch_holds_the_lock_it_says_so_and_changes_nothing(waiting_room, monkeypatch):
    cache.add(admission.SWITCH_LOCK_KEY, 1, timeout=5)
    monkeypatch.setattr(admission, "sleep", lambda seconds: None)

    with pytest.raises(CommandError, match="nothing changed"):
        run("on")

    assert admission.switched() == {}
