"""The waiting-room screen: the merchant sees what the checkout waiting room does and switches it before the
newsletter goes out, without the command line."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.cache import cache

from comptoir.checkout import admission
from tests.backoffice.inventory_support import body, messages_of, staff

pytestmark = pytest.mark.django_db

URL = "/admin/waiting-room/"


@pytest.fixture(autouse=True)
def empty_cache():
    """The waiting room lives in the cache, which every test of this process shares."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def room_settings(settings):
    settings.COMPTOIR = {
        **settings.COMPTOIR,
        "WAITING_ROOM": {"MODE": "auto", "RATE": 4, "THRESHOLD": 8, "LATENCY_MS": 1000},
    }


def switch(client, *, follow=False, **values):
    data = {"action": "switch", "mode": "off", "rate": 4, "threshold": 8, "latency_ms": 1000, **values}
    return client.post(URL, data, follow=follow)


def test_the_page_shows_the_state_and_where_each_value_comes_from(admin_client, room_settings):
    admission.switch(rate=12)
    for _ in range(3):
        admission.take_number()

    response = admin_client.get(URL)
    page = body(response)

    assert response.status_code == 200
    state = response.context["state"]
    assert (state.config.mode, state.config.rate, state.queue, state.switched) == ("auto", 12, 3, True)
    assert [(setting.value, setting.switched) for setting in state.settings] == [
        ("Auto", False),
        (12, True),
        (8, False),
        (1000, False),
    ]
    assert 'data-busy="yes"' in page  # auto, and a queue remains
    assert 'data-queue="3"' in page and 'data-source="switch"' in page and 'data-source="settings"' in page
    assert 'id="waiting-room-reset"' in page  # a switch is on: the way back to the settings is offered


def test_with_the_settings_only_there_is_no_way_back_to_offer(admin_client, room_settings):
    page = body(admin_client.get(URL))

    assert 'data-source="switch"' not in page and 'id="waiting-room-reset"' not in page


def test_a_superuser_switches_it_on_at_three_buyers_a_second(admin_client, admin_user, room_settings):
    response = switch(admin_client, mode="on", rate=3)

    assert response.status_code == 302 and response["Location"] == URL
    cfg = admission.config()
    assert (cfg.mode, cfg.rate, cfg.threshold, cfg.latency_ms) == ("on", 3, 8, 1000)
    assert admission.switched() == {"mode": "on", "rate": 3}  # unchanged values still follow the settings
    entry = LogEntry.objects.get()
    assert (entry.user_id, entry.action_flag, entry.object_repr) == (admin_user.pk, CHANGE, "Waiting room")
    assert "mode on, 3 buyers a second" in entry.change_message and "was mode auto, 4" in entry.change_message
    shown = admin_client.get(URL)
    assert messages_of(shown) == ["Waiting room switched: On, 3 buyers let into checkout per second."]


def test_back_to_the_settings(admin_client, room_settings):
    switch(admin_client, mode="on", rate=3, follow=True)

    response = admin_client.post(URL, {"action": "reset"})

    assert response.status_code == 302
    cfg = admission.config()
    assert (cfg.mode, cfg.rate) == ("auto", 4) and admission.switched() == {}
    assert LogEntry.objects.count() == 2
    assert LogEntry.objects.latest("pk").change_message.startswith("Back to the settings: mode auto, 4 buyers")
    assert messages_of(admin_client.get(URL)) == [
        "Waiting room back to the settings: Auto, 4 buyers let into checkout per second."
    ]


def test_submitting_the_current_values_changes_and_records_nothing(admin_client, room_settings):
    switch(admin_client, mode="auto")

    assert admission.switched() == {} and not LogEntry.objects.exists()
    assert messages_of(admin_client.get(URL)) == ["Nothing to change."]


@pytest.mark.parametrize(
    "bad", [{"rate": 0}, {"rate": "ten"}, {"threshold": 0}, {"latency_ms": -5}, {"mode": "always"}, {"rate": ""}]
)
def test_bad_input_is_refused_on_the_form_and_changes_nothing(admin_client, room_settings, bad):
    response = switch(admin_client, **{"mode": "on", **bad})

    assert response.status_code == 200
    errors = [message for messages in response.context["form"].errors.values() for message in messages]
    assert errors and all(message in body(response) for message in errors)
    assert admission.switched() == {} and admission.config().mode == "auto"
    assert not LogEntry.objects.exists()


def test_rate_zero_is_refused_with_a_message(admin_client, room_settings):
    response = switch(admin_client, mode="on", rate=0)

    assert response.context["form"].errors == {"rate": ["Ensure this value is greater than or equal to 1."]}
    assert "Ensure this value is greater than or equal to 1." in body(response)
    assert admission.config().rate == 4


def test_a_cache_that_drops_the_switch_is_reported_and_nothing_is_recorded(admin_client, room_settings, monkeypatch):
    monkeypatch.setattr(admission, "switch", lambda **changes: admission.config())  # the write was lost

    response = switch(admin_client, mode="on", rate=3)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The cache cannot be reached: the waiting room was not switched. Try again."
    ]
    assert not LogEntry.objects.exists()


def test_a_switch_made_while_another_holds_the_lock_is_refused_and_nothing_is_recorded(
    admin_client, room_settings, monkeypatch
):
    cache.add(admission.SWITCH_LOCK_KEY, 1, timeout=5)  # a colleague (or the command) is switching
    monkeypatch.setattr(admission, "sleep", lambda seconds: None)

    response = switch(admin_client, mode="on", rate=3)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Someone else is switching the waiting room right now: nothing changed. Try again."
    ]
    assert admission.switched() == {}
    assert not LogEntry.objects.exists()


def test_a_cache_that_refuses_the_lock_is_reported_as_unreachable(admin_client, room_settings, monkeypatch):
    def refused(**changes):
        cache.errors = getattr(cache, "errors", 0) + 1  # what the degrading Redis cache counts when Redis is away
        raise admission.SwitchBusyError

    monkeypatch.setattr(admission, "switch", refused)
    monkeypatch.setattr(cache, "errors", 0, raising=False)

    response = switch(admin_client, mode="on", rate=3)

    assert response.context["form"].non_field_errors() == [
        "The cache cannot be reached: the waiting room was not switched. Try again."
    ]


def test_staff_with_the_permission_may_switch_it(client, room_settings):
    staff(client, "checkout.switch_waiting_room")

    assert client.get(URL).status_code == 200
    assert switch(client, mode="on", rate=3).status_code == 302
    assert admission.config().mode == "on"


def test_staff_without_the_permission_are_refused(client, room_settings):
    staff(client, "checkout.view_checkout", "inventory.change_stocklevel")

    assert client.get(URL).status_code == 403
    assert switch(client, mode="on", rate=3).status_code == 403
    assert client.post(URL, {"action": "reset"}).status_code == 403
    assert admission.switched() == {}


def test_someone_not_logged_in_is_sent_to_the_login_page(client):
    for response in (client.get(URL), switch(client, mode="on")):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert admission.switched() == {}


def test_the_sidebar_lists_the_screen_for_those_who_may_use_it(client, admin_client):
    assert 'href="/admin/waiting-room/"' in body(admin_client.get("/admin/"))

    staff(client, "checkout.view_checkout")
    assert 'href="/admin/waiting-room/"' not in body(client.get("/admin/checkout/checkout/"))


def test_staff_holding_only_this_permission_find_it_in_the_sidebar(client):
    staff(client, "checkout.switch_waiting_room")

    assert 'href="/admin/waiting-room/"' in body(client.get(URL))


def test_the_page_costs_the_session_and_the_user_queries_only(admin_client, room_settings, django_assert_num_queries):
    admin_client.get(URL)  # warm the caches of the first request (content types, translations)

    with django_assert_num_queries(2):  # the session, the user; the waiting room itself is in the cache
        assert admin_client.get(URL).status_code == 200
