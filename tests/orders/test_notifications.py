"""The e-mails a buyer gets as their order moves: confirmed (paid), parcel sent, delivered, ready for pickup,
cancelled; in the order's language, with a plain-text and an HTML part and absolute links; once each.

Orders move through the real services (or the state machine's `move`), whose events are dispatched after
commit; the task runs at once in tests and the mail lands in `mail.outbox`.
"""

import threading
from smtplib import SMTPException

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from comptoir.core.models import Event
from comptoir.orders import tasks
from comptoir.orders.models import OrderEvent, OrderEventKind, OrderStatus
from comptoir.orders.services import cancel_order, fulfil_order, mark_ready_for_pickup, mark_shipment_delivered
from comptoir.orders.services._timeline import move
from comptoir.orders.tasks import send_order_email, send_tracking_link
from tests.orders.account_factories import make_order, pickup_store

pytestmark = pytest.mark.django_db

# Typography the shop prints, spelled out (a look-alike of "x", "-" or "'" would pass unnoticed).
TIMES, EN_DASH, MINUS, APOSTROPHE = "\u00d7", "\u2013", "\u2212", "\u2019"

SITE = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"
    settings.DEFAULT_FROM_EMAIL = "Comptoir <shop@example.com>"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `fn` in a transaction and everything it schedules after commit (events, then the mail task)."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            result = fn()
        return result

    return run


def pay(order) -> None:
    order.status = OrderStatus.AWAITING_PAYMENT
    move(order, OrderStatus.PAID)


def html_of(message) -> BeautifulSoup:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return BeautifulSoup(content, "html.parser")


def sent_events(order):
    return list(OrderEvent.objects.filter(order=order, kind=OrderEventKind.EMAIL_SENT).order_by("pk"))


# ---------------------------------------------------------------------------------------------------------
# Order confirmed.


def test_paying_an_order_emails_the_confirmation_with_lines_totals_and_the_tracking_link(committed, channel):
    order = make_order(channel, email="ada@example.com", language="en", discount="5.00", voucher="WELCOME5")

    committed(lambda: pay(order))

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.from_email == "Comptoir <shop@example.com>"
    assert message.subject == f"Order {order.number} confirmed"
    link = f"{SITE}/en/orders/track/{order.token}/"
    assert link in message.body
    assert f"2 {TIMES} Tin mug — Blue (SKU-" in message.body and ": €20.00" in message.body
    assert "Discounts: -€5.00" in message.body and "Total: €32.90" in message.body
    assert "Delivery address:\nAda Lovelace\n12 rue de la Paix\n75002 PARIS\nFRANCE" in message.body
    html = html_of(message)
    assert html.html["lang"] == "en"
    assert html.h1.get_text() == f"Order {order.number} confirmed"
    assert [a["href"] for a in html.find_all("a") if "/orders/track/" in a["href"]] == [link, link]
    assert "€32.90" in html.get_text() and "Tin mug — Blue" in html.get_text()
    assert "\n\n\n" not in message.body


def test_a_french_order_is_confirmed_in_french(committed, channel):
    order = make_order(channel, email="zoe@example.fr", language="fr")

    committed(lambda: pay(order))

    [message] = mail.outbox
    assert message.subject == f"Commande {order.number} confirmée"
    assert message.body.startswith("Bonjour,")
    assert "Merci pour votre commande" in message.body
    assert f"{SITE}/fr/orders/track/{order.token}/" in message.body
    assert "Total : 37,90\xa0€" in message.body
    html = html_of(message)
    assert html.html["lang"] == "fr"
    assert "Suivre votre commande" in html.get_text()
    assert html.find("a", string="Suivre votre commande")["href"] == f"{SITE}/fr/orders/track/{order.token}/"


def test_the_confirmation_is_noted_on_the_timeline_out_of_the_buyers_sight(committed, channel):
    order = make_order(channel)

    committed(lambda: pay(order))

    [sent] = sent_events(order)
    assert sent.public is False
    assert sent.message == f"Order {order.number} confirmed"
    assert sent.data == {"email": "confirmation", "shipment_id": None, "to": order.email}


def test_running_the_task_again_sends_no_second_confirmation(committed, channel):
    order = make_order(channel)
    committed(lambda: pay(order))

    result = send_order_email.enqueue(order_id=order.pk, kind="confirmation")

    assert result.return_value is False
    assert len(mail.outbox) == 1 and len(sent_events(order)) == 1


def test_dispatching_the_paid_event_again_sends_no_second_confirmation(committed, channel):
    from comptoir.core.events import dispatch

    order = make_order(channel)
    committed(lambda: pay(order))
    event = Event.objects.get(name="orders.order_paid")
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if the worker died before marking it

    committed(lambda: dispatch(event.pk))

    assert len(mail.outbox) == 1


def test_a_mail_that_could_not_be_sent_is_not_noted_and_goes_out_on_the_retry(committed, channel, monkeypatch):
    order = make_order(channel)

    def refuse(self, *args, **kwargs):
        raise SMTPException("451 try later")

    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", refuse)
        committed(lambda: pay(order))
    assert sent_events(order) == [] and mail.outbox == []

    send_order_email.enqueue(order_id=order.pk, kind="confirmation")

    assert len(mail.outbox) == 1 and len(sent_events(order)) == 1


# ---------------------------------------------------------------------------------------------------------
# Parcel sent.


def test_shipping_a_parcel_emails_its_carrier_tracking_number_and_link(committed, channel):
    order = make_order(channel, language="en")

    shipment = committed(lambda: fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number="6A99"))

    [message] = mail.outbox
    assert message.subject == f"Your order {order.number} is on its way"
    assert "Carrier: Colissimo" in message.body
    assert "Tracking number: 6A99" in message.body
    assert "Track your parcel: https://track.example.com/parcel/6A99" in message.body
    assert f"- 2 {TIMES} Tin mug — Blue\n- 1 {TIMES} Bowl" in message.body
    assert f"{SITE}/en/orders/track/{order.token}/" in message.body
    html = html_of(message)
    assert html.find("a", string="Track your parcel")["href"] == "https://track.example.com/parcel/6A99"
    assert [sent.data["shipment_id"] for sent in sent_events(order)] == [shipment.pk]


def test_a_french_buyer_is_told_of_the_parcel_in_french(committed, channel):
    order = make_order(channel, language="fr")

    committed(lambda: fulfil_order(order_id=order.pk, carrier="Colissimo", tracking_number="6A99"))

    [message] = mail.outbox
    assert message.subject == f"Votre commande {order.number} est en route"
    assert "Transporteur : Colissimo" in message.body
    assert "Numéro de suivi : 6A99" in message.body
    assert html_of(message).find("a", string="Suivre votre colis")["href"] == "https://track.example.com/parcel/6A99"


def test_each_parcel_gets_its_own_mail_once(committed, channel):
    order = make_order(channel)
    first_line, second_line = order.lines.all()

    first = committed(lambda: fulfil_order(order_id=order.pk, quantities={first_line.pk: 2}, tracking_number="A1"))
    second = committed(lambda: fulfil_order(order_id=order.pk, quantities={second_line.pk: 1}, tracking_number="B2"))
    send_order_email.enqueue(order_id=order.pk, kind="shipped", shipment_id=first.pk)

    assert [m.subject for m in mail.outbox] == [f"Your order {order.number} is on its way"] * 2
    assert "Tracking number: A1" in mail.outbox[0].body and "Tracking number: B2" in mail.outbox[1].body
    assert [sent.data["shipment_id"] for sent in sent_events(order)] == [first.pk, second.pk]


# ---------------------------------------------------------------------------------------------------------
# Delivered, ready for pickup, cancelled.


def test_delivery_of_the_last_parcel_emails_that_the_order_is_delivered(committed, channel):
    order = make_order(channel)
    shipment = committed(lambda: fulfil_order(order_id=order.pk, tracking_number="A1"))
    mail.outbox.clear()

    committed(lambda: mark_shipment_delivered(shipment_id=shipment.pk))

    [message] = mail.outbox
    assert message.subject == f"Your order {order.number} has been delivered"
    assert "We hope you enjoy it!" in message.body
    assert f"{SITE}/en/orders/track/{order.token}/" in message.body
    assert "has been delivered" in html_of(message).get_text()


def test_a_french_buyer_is_told_of_the_delivery_in_french(committed, channel):
    order = make_order(channel, language="fr")
    shipment = committed(lambda: fulfil_order(order_id=order.pk, tracking_number="A1"))
    mail.outbox.clear()

    committed(lambda: mark_shipment_delivered(shipment_id=shipment.pk))

    [message] = mail.outbox
    assert message.subject == f"Votre commande {order.number} a été livrée"
    assert "a été livrée" in message.body and "a été livrée" in html_of(message).get_text()


def test_a_click_and_collect_order_ready_emails_the_store_address_and_opening_hours(committed, channel):
    order = make_order(channel, pickup_store=pickup_store())

    committed(lambda: mark_ready_for_pickup(order_id=order.pk))

    [message] = mail.outbox
    assert message.subject == f"Your order {order.number} is ready for pickup"
    assert "Collect it at:\nLyon Presqu'île\n3 rue de la République\n69002 Lyon" in message.body
    assert f"Monday: 09:00{EN_DASH}19:00" in message.body and "Sunday: Closed" in message.body
    html = html_of(message).get_text()
    assert "Lyon Presqu'île" in html and f"Saturday: 09:00{EN_DASH}19:00" in html


def test_a_french_buyer_is_told_the_order_is_ready_in_french(committed, channel):
    order = make_order(channel, language="fr", pickup_store=pickup_store())

    committed(lambda: mark_ready_for_pickup(order_id=order.pk))

    [message] = mail.outbox
    assert message.subject == f"Votre commande {order.number} est prête à être retirée"
    assert f"lundi : 09:00{EN_DASH}19:00" in message.body and "dimanche : Fermé" in message.body
    assert f"Horaires d{APOSTROPHE}ouverture" in html_of(message).get_text()


def test_a_click_and_collect_order_gets_no_parcel_mail_when_handed_over(committed, channel):
    order = make_order(channel, pickup_store=pickup_store())

    committed(lambda: fulfil_order(order_id=order.pk))

    assert mail.outbox == [] and sent_events(order) == []


def test_cancelling_an_order_emails_the_buyer(committed, channel):
    order = make_order(channel)

    committed(lambda: cancel_order(order_id=order.pk, reason="Out of stock"))

    [message] = mail.outbox
    assert message.subject == f"Your order {order.number} has been cancelled"
    assert "refunded" in message.body and "Total: €37.90" in message.body
    assert "has been cancelled" in html_of(message).get_text()


def test_a_french_buyer_is_told_of_the_cancellation_in_french(committed, channel):
    order = make_order(channel, language="fr")

    committed(lambda: cancel_order(order_id=order.pk))

    [message] = mail.outbox
    assert message.subject == f"Votre commande {order.number} a été annulée"
    assert "remboursé" in message.body and "a été annulée" in html_of(message).get_text()


# ---------------------------------------------------------------------------------------------------------
# The tracking link asked for again.


def test_the_tracking_link_goes_to_the_orders_address_whatever_its_case(channel):
    order = make_order(channel, email="ada@example.com", language="fr")

    sent = send_tracking_link.enqueue(number=order.number, email="ADA@Example.com")

    assert sent.return_value is True
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == f"Suivre votre commande {order.number}"
    assert f"{SITE}/fr/orders/track/{order.token}/" in message.body


@pytest.mark.parametrize("number, email", [("90000000", "ada@example.com"), (None, "eve@example.com")])
def test_no_tracking_link_is_sent_for_a_number_and_address_that_do_not_match(channel, number, email):
    order = make_order(channel, email="ada@example.com")

    sent = send_tracking_link.enqueue(number=number or order.number, email=email)

    assert sent.return_value is False and mail.outbox == []


# ---------------------------------------------------------------------------------------------------------
# Every mail, in both languages: subject, both parts, absolute links in the order's language.

SUBJECTS = {
    "en": {
        "confirmation": "Order {} confirmed",
        "shipped": "Your order {} is on its way",
        "delivered": "Your order {} has been delivered",
        "ready_for_pickup": "Your order {} is ready for pickup",
        "cancelled": "Your order {} has been cancelled",
        "tracking_link": "Follow your order {}",
    },
    "fr": {
        "confirmation": "Commande {} confirmée",
        "shipped": "Votre commande {} est en route",
        "delivered": "Votre commande {} a été livrée",
        "ready_for_pickup": "Votre commande {} est prête à être retirée",
        "cancelled": "Votre commande {} a été annulée",
        "tracking_link": "Suivre votre commande {}",
    },
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("kind", list(SUBJECTS["en"]))
def test_each_mail_has_its_subject_a_text_and_an_html_part_and_absolute_links(channel, language, kind):
    order = make_order(channel, language=language, pickup_store=pickup_store() if kind == "ready_for_pickup" else None)
    shipment = fulfil_order(order_id=order.pk, tracking_number="6A99") if kind == "shipped" else None

    send_order_email.enqueue(order_id=order.pk, kind=kind, shipment_id=shipment.pk if shipment else None)

    [message] = mail.outbox
    assert message.subject == SUBJECTS[language][kind].format(order.number)
    link = f"{SITE}/{language}/orders/track/{order.token}/"
    assert link in message.body and message.body.startswith(("Hello,", "Bonjour,"))
    html = html_of(message)
    assert html.html["lang"] == language and html.h1.get_text() == message.subject
    assert link in [a["href"] for a in html.find_all("a")]
    assert all(a["href"].startswith("https://") for a in html.find_all("a"))
    assert f"{SITE}/{language}/" in message.body  # the shop's address signs every mail


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_mail_at_once_send_it_once(run_in_threads, monkeypatch):
    from tests.factories import ChannelFactory

    order = make_order(ChannelFactory(slug="web-race", currency="EUR", is_default=True))
    # Both runs find nothing sent and render their mail before either sends: only the order lock parts them.
    rendered = threading.Barrier(2)
    render = tasks.render_order_email

    def render_together(*args, **kwargs):
        message = render(*args, **kwargs)
        rendered.wait(timeout=30)
        return message

    monkeypatch.setattr(tasks, "render_order_email", render_together)

    results = run_in_threads(lambda i: tasks.deliver_order_email(order_id=order.pk, kind="confirmation"), n=2)

    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1 and len(sent_events(order)) == 1


@pytest.mark.django_db
def test_the_buyer_is_mailed_when_a_return_is_approved_rejected_or_refunded_once_each(channel):
    from decimal import Decimal

    from comptoir.orders.models import ReturnRequest, ReturnStatus
    from comptoir.orders.tasks import deliver_order_email
    from tests.orders.invoice_factories import legal_entity

    legal_entity()
    order = make_order(channel, status=OrderStatus.DELIVERED, language="en")
    ret = ReturnRequest.objects.create(
        order=order, number=f"R-{order.number}-1", status=ReturnStatus.REFUNDED, refund_amount=Decimal("12.50")
    )

    sent = [deliver_order_email(order_id=order.pk, kind=kind, return_id=ret.pk) for kind in
            ("return_approved", "return_rejected", "return_refunded", "return_refunded")]  # fmt: skip

    assert sent == [True, True, True, False]
    approved, rejected, refunded = mail.outbox
    assert ret.number in approved.body and f"/orders/t/{order.token}/returns/{ret.number}/" in approved.body
    assert "could not accept" in rejected.body
    assert "€12.50" in refunded.body
