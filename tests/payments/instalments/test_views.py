"""What the buyer and the merchant see: the offers with their schedule on the pay page, the schedule on the
order's tracking page, the page to pay an instalment by hand, and the back office's order page and plan list."""

from datetime import timedelta
from decimal import Decimal

import pytest

from comptoir.orders.models import OrderStatus
from comptoir.payments.instalment_models import InstalmentOffer, InstalmentStatus, PlanStatus
from comptoir.payments.instalments.services import charge_due_instalments, charge_instalment
from tests.payments.instalments.factories import (
    DECLINED,
    SUCCESS,
    declining,
    due,
    make_offer,
    paid_in_instalments,
    placed,
    plan_of,
)
from tests.storefront.checkout_helpers import soup, text

pytestmark = pytest.mark.django_db


def failed_second(channel):
    order = paid_in_instalments(channel)
    declining(order)
    charge_due_instalments(today=due(order, 2))
    return order


# --- The pay page ------------------------------------------------------------------------------------------


def test_the_pay_page_offers_pay_in_three_with_its_schedule_before_paying(client, channel):
    make_offer(channel, count=3)
    make_offer(channel, count=4, interval="14_days", max_amount=Decimal("50"))  # this basket is too big for it
    order = placed(channel)

    page = soup(client.get(f"/en/checkout/pay/{order.token}/"))

    offers = page.select(".instalment-offer")
    assert len(offers) == 1
    assert "Pay in 3" in text(offers[0].label) and "€33.34 today, then 2 \u00d7 €33.33" in text(offers[0].label)
    rows = [(text(tr.th), text(tr.td)) for tr in offers[0].select(".instalment-schedule tr")]
    assert rows[0] == ("Today", "€33.34") and rows[1][1] == rows[2][1] == "€33.33" and len(rows) == 3
    assert page.select_one("#offer-full")["checked"] is not None


def test_without_an_eligible_offer_the_pay_page_is_as_before(client, channel):
    make_offer(channel, countries=["DE"])
    order = placed(channel)

    page = soup(client.get(f"/en/checkout/pay/{order.token}/"))

    assert page.select_one(".instalment-offers") is None
    assert text(page.select_one("#pay-button")) == "Pay €100.00"


def test_choosing_pay_in_three_charges_the_first_instalment_and_confirms_the_order(client, channel):
    offer = make_offer(channel)
    order = placed(channel)

    response = client.post(f"/en/checkout/pay/{order.token}/", {"card_number": SUCCESS, "offer": str(offer.pk)})

    assert response.status_code == 302 and response["Location"] == f"/en/checkout/done/{order.token}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert plan_of(order).instalments.filter(status=InstalmentStatus.PAID).count() == 1


def test_a_declined_first_instalment_is_shown_with_the_offer_still_chosen(client, channel):
    offer = make_offer(channel)
    order = placed(channel)

    response = client.post(f"/en/checkout/pay/{order.token}/", {"card_number": DECLINED, "offer": str(offer.pk)})

    assert response.status_code == 422
    assert text(soup(response).select_one("#pay-error")) == "The card was declined."
    assert soup(response).select_one(f"#offer-{offer.pk}").has_attr("checked")


@pytest.mark.parametrize("posted", ["abc", "999999"])
def test_an_unknown_offer_is_refused_and_nothing_is_charged(client, channel, posted):
    make_offer(channel)
    order = placed(channel)

    response = client.post(f"/en/checkout/pay/{order.token}/", {"card_number": SUCCESS, "offer": posted})

    assert response.status_code == 422
    assert "Choose" in text(soup(response).select_one("#pay-error"))
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


# --- The buyer's pages --------------------------------------------------------------------------------------


def test_the_tracking_page_shows_the_schedule_with_what_is_paid_and_left(client, channel):
    order = paid_in_instalments(channel)

    page = soup(client.get(f"/en/orders/track/{order.token}/"))

    section = page.select_one(".order-instalments")
    assert "€33.34 paid of €100.00" in text(section)
    rows = [text(tr) for tr in section.select("tbody tr")]
    assert len(rows) == 3 and "Paid" in rows[0] and "Scheduled" in rows[1]
    assert "€66.66 left to pay" in text(section)
    assert section.select_one("a.pay-instalment") is None  # nothing failed: nothing to pay by hand


def test_a_failed_instalment_has_a_link_to_pay_it_by_hand(client, channel):
    order = failed_second(channel)

    page = soup(client.get(f"/en/orders/track/{order.token}/"))

    link = page.select_one(".order-instalments a.pay-instalment")
    assert link["href"] == f"/en/orders/track/{order.token}/instalments/2/"
    assert "next try on" in text(page.select_one(".instalment-failed"))


def test_paying_a_failed_instalment_by_hand_marks_it_paid(client, channel):
    order = failed_second(channel)
    url = f"/en/orders/track/{order.token}/instalments/2/"

    shown = client.get(url)
    paid = client.post(url, {"method": "test:card", "card_number": SUCCESS})

    assert shown.status_code == 200 and "€33.33" in text(soup(shown).select_one(".amount-due"))
    assert "The card was declined." in shown.content.decode()
    assert paid.status_code == 302 and paid["Location"] == f"/en/orders/track/{order.token}/"
    assert plan_of(order).instalments.get(sequence=2).status == InstalmentStatus.PAID


def test_a_declined_card_on_the_pay_by_hand_page_says_why(client, channel):
    order = failed_second(channel)

    response = client.post(f"/en/orders/track/{order.token}/instalments/2/", {"card_number": DECLINED})

    assert response.status_code == 422
    assert text(soup(response).select_one("#pay-error")) == "The card was declined."


def test_a_paid_instalment_page_has_no_form(client, channel):
    order = paid_in_instalments(channel)

    response = client.post(f"/en/orders/track/{order.token}/instalments/1/", {"card_number": SUCCESS})

    assert response.status_code == 200 and soup(response).select_one("#pay-form form") is None
    assert plan_of(order).instalments.get(sequence=1).payment.order_ref == order.ref


@pytest.mark.parametrize("case", ["wrong token", "other order", "no such instalment"])
def test_an_instalment_page_is_not_found_without_the_right_token(client, channel, case):
    mine = paid_in_instalments(channel)
    theirs = placed(channel)  # another buyer's order, not in instalments
    token, sequence = {
        "wrong token": ("not-a-token", 2),
        "other order": (theirs.token, 2),
        "no such instalment": (mine.token, 4),
    }[case]

    assert client.get(f"/en/orders/track/{token}/instalments/{sequence}/").status_code == 404
    assert client.post(f"/en/orders/track/{token}/instalments/{sequence}/", {"card_number": SUCCESS}).status_code == 404


# --- The back office ----------------------------------------------------------------------------------------


def test_the_order_page_in_the_back_office_shows_the_plan(admin_client, channel):
    order = failed_second(channel)

    page = soup(admin_client.get(f"/admin/orders/order/{order.pk}/change/"))

    card = page.select_one("#instalments")
    assert card["data-plan-status"] == "active"
    second = text(card.select_one('[data-instalment="2"]'))
    assert "Failed" in second and "The card was declined." in second


def test_the_plan_list_filters_plans_in_default_and_late_ones(admin_client, channel):
    on_time = paid_in_instalments(channel)
    late = failed_second(channel)
    defaulted = failed_second(channel)
    second = plan_of(defaulted).instalments.get(sequence=2)
    for offset in (1, 4, 11):
        charge_instalment(instalment_id=second.pk, today=second.due_on + timedelta(days=offset))
    assert plan_of(defaulted).status == PlanStatus.DEFAULTED and plan_of(late).status == PlanStatus.ACTIVE

    in_default = admin_client.get("/admin/payments/instalmentplan/?status__exact=defaulted").content.decode()
    late_ones = admin_client.get("/admin/payments/instalmentplan/?late=yes").content.decode()

    assert f">{defaulted.number}<" in in_default and f">{late.number}<" not in in_default
    assert f">{late.number}<" in late_ones and f">{defaulted.number}<" in late_ones
    assert f">{on_time.number}<" not in late_ones


def test_staff_set_an_offer_for_a_channel_with_excluded_kinds(admin_client, channel):
    response = admin_client.post(
        "/admin/payments/instalmentoffer/add/",
        {
            "channel": channel.pk,
            "name": "",
            "count": "4",
            "interval": "14_days",
            "min_amount": "50",
            "max_amount": "1000",
            "countries": ["FR", "BE"],
            "excluded_kinds": ["gift_card", "digital"],
            "enabled": "on",
            "position": "0",
        },
    )

    assert response.status_code == 302, [text(e) for e in soup(response).select(".errorlist, .errornote")]
    offer = InstalmentOffer.objects.get()
    assert offer.label == "Pay in 4" and offer.excluded_kinds == ["gift_card", "digital"]
    assert sorted(str(c) for c in offer.countries) == ["BE", "FR"]


def test_an_offer_of_thirteen_instalments_is_refused(admin_client, channel):
    response = admin_client.post(
        "/admin/payments/instalmentoffer/add/",
        {"channel": channel.pk, "count": "13", "interval": "monthly", "min_amount": "0", "position": "0"},
    )

    assert response.status_code == 200 and not InstalmentOffer.objects.exists()
