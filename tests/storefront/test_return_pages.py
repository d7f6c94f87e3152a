"""The return pages: a buyer asks to return items, follows the return, withdraws it; nobody else gets in."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format

from comptoir.orders.models import ReturnRequest, ReturnStatus, Shipment
from comptoir.orders.services.returns import approve_return, request_return
from tests.orders.return_factories import make_user, paid_order


@pytest.fixture
def buyer(db):
    return make_user()


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def request_url(paid) -> str:
    return reverse("returns:request", args=[paid.order.number])


def guest_url(paid) -> str:
    return reverse("returns:guest_request", args=[paid.order.token])


def form_data(paid, **units) -> dict[str, str]:
    """POST data returning `units` (line index as `l0`, `l1`... -> units) for the reason 'wrong_size'."""
    data = {"comment": ""}
    for key, n in units.items():
        line = paid.lines[int(key[1:])]
        data[f"quantity_{line.pk}"] = str(n)
        data[f"reason_{line.pk}"] = "wrong_size"
    return data


# --- Asking -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_sees_each_returnable_item_and_the_window_end_date(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer, lines=[("20.00", 2), ("5.00", 1)])

    response = signed_in.get(request_url(paid))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert f'name="quantity_{paid.lines[0].pk}"' in page and f'name="quantity_{paid.lines[1].pk}"' in page
    assert "csrfmiddlewaretoken" in page
    end = response.context["window_end"]
    assert end is not None and f"until {date_format(end, 'DATE_FORMAT')}" in page
    assert '<meta name="robots" content="noindex">' in page


@pytest.mark.django_db
def test_asking_for_a_return_creates_it_and_shows_its_page(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer, lines=[("20.00", 2), ("5.00", 1)])

    response = signed_in.post(request_url(paid), {**form_data(paid, l0=1), "comment": "Too small"})

    ret = ReturnRequest.objects.get(order=paid.order)
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:detail", args=[paid.order.number, ret.number])
    assert [(rl.order_line_id, rl.quantity, rl.reason) for rl in ret.lines.all()] == [
        (paid.lines[0].pk, 1, "wrong_size")
    ]
    assert ret.comment == "Too small"
    page = signed_in.get(response["Location"]).content.decode()
    assert ret.number in page and "Requested" in page and "We received your return request" in page


@pytest.mark.django_db
def test_choosing_nothing_re_renders_the_form_with_a_message(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer)

    response = signed_in.post(request_url(paid), form_data(paid, l0=0))

    assert response.status_code == 422
    assert "Choose how many units of at least one item" in response.content.decode()
    assert not ReturnRequest.objects.exists()


@pytest.mark.django_db
def test_a_unit_without_a_reason_is_refused_on_its_field(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer)
    line = paid.lines[0]

    response = signed_in.post(request_url(paid), {f"quantity_{line.pk}": "1", f"reason_{line.pk}": ""})

    assert response.status_code == 422
    assert response.context["form"].errors[f"reason_{line.pk}"] == ["Tell us why you return this item."]
    assert not ReturnRequest.objects.exists()


@pytest.mark.django_db
def test_more_units_than_can_be_returned_are_refused(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer, lines=[("20.00", 2)])

    response = signed_in.post(request_url(paid), form_data(paid, l0=3))

    assert response.status_code == 422
    assert not ReturnRequest.objects.exists()


@pytest.mark.django_db
def test_units_taken_by_a_return_from_another_tab_are_refused_with_the_reason(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer, lines=[("20.00", 2)])
    form = signed_in.get(request_url(paid))  # the form offered 2 units...
    assert form.status_code == 200
    request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})  # ...then one went

    response = signed_in.post(request_url(paid), form_data(paid, l0=2))

    assert response.status_code == 422  # the form now offers 1 unit: 2 is not a choice any more
    assert ReturnRequest.objects.count() == 1


@pytest.mark.django_db
def test_past_the_window_the_page_says_when_it_closed_and_offers_no_form(signed_in, channel, buyer):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    paid = paid_order(channel, user=buyer)
    Shipment.objects.filter(order=paid.order).update(delivered_at=datetime(2020, 1, 10, tzinfo=ZoneInfo("UTC")))

    response = signed_in.get(request_url(paid))
    posted = signed_in.post(request_url(paid), form_data(paid, l0=1))

    page = response.content.decode()
    assert response.status_code == 200 and "closed on Feb. 9, 2020" in page
    assert "quantity_" not in page
    assert posted.status_code == 409 and not ReturnRequest.objects.exists()


@pytest.mark.django_db
def test_an_order_not_yet_shipped_has_nothing_to_return(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer, ship=False)

    response = signed_in.get(request_url(paid))

    assert response.status_code == 200 and "quantity_" not in response.content.decode()


# --- Who gets in -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_out_visitor_is_sent_to_sign_in(client, channel, buyer):
    paid = paid_order(channel, user=buyer)

    response = client.get(request_url(paid))

    assert response.status_code == 302 and reverse("account:sign_in") in response["Location"]


@pytest.mark.django_db
def test_the_buyer_of_another_order_gets_not_found(signed_in, channel):
    someone_else = paid_order(channel, user=make_user())
    guest = paid_order(channel)
    ret = request_return(order_id=someone_else.order.pk, lines={someone_else.lines[0].pk: (1, "changed_mind")})

    assert signed_in.get(request_url(someone_else)).status_code == 404
    assert signed_in.post(request_url(someone_else), form_data(someone_else, l0=1)).status_code == 404
    assert signed_in.get(request_url(guest)).status_code == 404
    detail = reverse("returns:detail", args=[someone_else.order.number, ret.number])
    assert signed_in.get(detail).status_code == 404
    cancel = reverse("returns:cancel", args=[someone_else.order.number, ret.number])
    assert signed_in.post(cancel).status_code == 404
    assert ReturnRequest.objects.get().status == ReturnStatus.REQUESTED


@pytest.mark.django_db
def test_a_guest_asks_for_a_return_with_the_tracking_link(client, channel):
    paid = paid_order(channel)

    response = client.post(guest_url(paid), form_data(paid, l0=2))

    ret = ReturnRequest.objects.get(order=paid.order)
    assert response["Location"] == reverse("returns:guest_detail", args=[paid.order.token, ret.number])
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_tracking_link_reaches_its_own_order_only(client, channel):
    mine, theirs = paid_order(channel), paid_order(channel)
    their_return = request_return(order_id=theirs.order.pk, lines={theirs.lines[0].pk: (1, "changed_mind")})

    assert client.get(reverse("returns:guest_request", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("returns:guest_detail", args=[mine.order.token, their_return.number])).status_code == 404
    cancel = reverse("returns:guest_cancel", args=[mine.order.token, their_return.number])
    assert client.post(cancel).status_code == 404
    response = client.post(guest_url(mine), {f"quantity_{theirs.lines[0].pk}": "1", "comment": ""})
    assert response.status_code == 422 and not mine.order.returns.exists()


@pytest.mark.django_db
def test_the_form_needs_its_csrf_token(channel):
    paid = paid_order(channel)
    client = Client(enforce_csrf_checks=True)

    response = client.post(guest_url(paid), form_data(paid, l0=1))

    assert response.status_code == 403 and not ReturnRequest.objects.exists()


# --- Following and withdrawing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_buyer_withdraws_a_requested_return(signed_in, channel, buyer):
    paid = paid_order(channel, user=buyer)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    page = signed_in.get(reverse("returns:detail", args=[paid.order.number, ret.number])).content.decode()
    cancel = reverse("returns:cancel", args=[paid.order.number, ret.number])
    assert f'action="{cancel}"' in page

    response = signed_in.post(cancel, follow=True)

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.CANCELLED
    assert "is cancelled" in response.content.decode()


@pytest.mark.django_db
def test_an_approved_return_offers_no_cancel_and_refuses_one(client, channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})
    approve_return(return_id=ret.pk)
    detail = reverse("returns:guest_detail", args=[paid.order.token, ret.number])

    page = client.get(detail).content.decode()
    response = client.post(reverse("returns:guest_cancel", args=[paid.order.token, ret.number]), follow=True)

    assert "Cancel this return" not in page and "Approved" in page
    assert "can no longer be cancelled" in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED


@pytest.mark.django_db
def test_the_detail_page_cannot_be_posted_to(client, channel):
    paid = paid_order(channel)
    ret = request_return(order_id=paid.order.pk, lines={paid.lines[0].pk: (1, "changed_mind")})

    response = client.post(reverse("returns:guest_detail", args=[paid.order.token, ret.number]))

    assert response.status_code == 405


# --- Query counts --------------------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_request_page_reads_the_same_number_of_queries_for_one_item_or_many(client, channel):
    one = paid_order(channel, lines=[("20.00", 1)])
    many = paid_order(channel, lines=[("20.00", 2), ("5.00", 3), ("7.00", 1), ("9.00", 2)])
    request_return(order_id=one.order.pk, lines={one.lines[0].pk: (1, "changed_mind")})
    for line in many.lines[:2]:
        request_return(order_id=many.order.pk, lines={line.pk: (1, "changed_mind")})
    client.get(guest_url(one))  # warm the channel cache

    # The order, its lines, parcels, parcels' lines and public timeline; the returns and their lines.
    assert [count_queries(client, guest_url(paid)) for paid in (one, many)] == [7, 7]


@pytest.mark.django_db
def test_the_detail_page_reads_the_same_number_of_queries_for_one_item_or_many(client, channel):
    one = paid_order(channel, lines=[("20.00", 1)])
    many = paid_order(channel, lines=[("20.00", 2), ("5.00", 3), ("7.00", 1)])
    ret_one = request_return(order_id=one.order.pk, lines={one.lines[0].pk: (1, "changed_mind")})
    ret_many = request_return(order_id=many.order.pk, lines={line.pk: (1, "wrong_size") for line in many.lines})
    client.get(reverse("returns:guest_detail", args=[one.order.token, ret_one.number]))

    counts = [
        count_queries(client, reverse("returns:guest_detail", args=[paid.order.token, ret.number]))
        for paid, ret in ((one, ret_one), (many, ret_many))
    ]

    assert counts == [7, 7]
