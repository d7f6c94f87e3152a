"""What the buyer sees (pay, confirmation and tracking pages, the e-mail) and what staff do in the back office."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.orders.models import OrderStatus
from comptoir.orders.tasks import deliver_order_email
from comptoir.payments.models import Payment, PaymentStatus
from comptoir.payments.providers.offline import format_reference
from comptoir.payments.statement_models import BankStatement, LineStatus, StatementLine
from tests.backoffice.inventory_support import staff
from tests.payments.offline.helpers import bank_transfer_order, collect_order, csv_lines, offline_settings, place
from tests.storefront.checkout_helpers import page_text, soup

pytestmark = pytest.mark.django_db

IBAN_SHOWN = "FR76 3000 6000 0112 3456 7890 189"


def test_choosing_bank_transfer_on_the_pay_page_shows_the_bank_details_and_the_reference(client, channel):
    offline_settings(channel)
    order, _variant = place(channel, method="offline:bank_transfer")
    pay_url = reverse("checkout:pay", kwargs={"token": order.token})

    page = soup(client.get(pay_url))
    offered = [radio["value"] for radio in page.select("input[name=method]")]
    assert offered == ["test:card", "offline:bank_transfer", "offline:cash_on_delivery"]  # in store: collect only

    response = client.post(pay_url, {"method": "offline:bank_transfer"})

    assert response.status_code == 302
    done = client.get(response["Location"])
    payment = Payment.objects.get(order_ref=order.number)
    text = page_text(done)
    assert payment.status == PaymentStatus.PENDING
    assert IBAN_SHOWN in text and "Comptoir SARL" in text and "AGRIFRPP" in text
    assert format_reference(payment.provider_reference) in text
    assert "24,90" in text or "24.90" in text


def test_the_tracking_page_shows_how_to_pay_until_the_money_arrives(client, channel):
    offline_settings(channel)
    order, payment = bank_transfer_order(channel)
    track_url = reverse("orders:track", kwargs={"token": order.token})

    assert format_reference(payment.provider_reference) in page_text(client.get(track_url))

    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CAPTURED, captured_amount=payment.amount)
    order.status = OrderStatus.PAID
    order.save(update_fields=["status"])
    assert format_reference(payment.provider_reference) not in page_text(client.get(track_url))


def test_the_how_to_pay_email_carries_the_bank_details_and_reference(channel, mailoutbox):
    offline_settings(channel)
    order, payment = bank_transfer_order(channel)

    assert deliver_order_email(order_id=order.pk, kind="payment_instructions") is True

    (message,) = mailoutbox
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert format_reference(payment.provider_reference) in body
        assert IBAN_SHOWN in body


def test_the_cash_on_delivery_buyer_is_told_to_pay_the_carrier(client, channel):
    offline_settings(channel)
    order, _variant = place(channel, method="offline:cash_on_delivery")
    response = client.post(
        reverse("checkout:pay", kwargs={"token": order.token}), {"method": "offline:cash_on_delivery"}
    )

    text = page_text(client.get(response["Location"]))

    assert "to the carrier when your parcel is delivered" in text


def test_staff_import_a_statement_from_the_back_office_and_see_the_lines_to_check(admin_client, channel):
    offline_settings(channel)
    _order, payment = bank_transfer_order(channel)
    raw = csv_lines(("27/11/2026", payment.provider_reference, "24,90"), ("27/11/2026", "VIR INCONNU", "10,00"))

    response = admin_client.post(
        reverse("admin:payments_bankstatement_add"), {"file": SimpleUploadedFile("releve.csv", raw), "format": ""}
    )

    assert response.status_code == 302
    assert "unmatched" in response["Location"]
    assert set(StatementLine.objects.values_list("status", flat=True)) == {LineStatus.MATCHED, LineStatus.UNMATCHED}
    listing = admin_client.get(response["Location"])
    assert "VIR INCONNU" in listing.content.decode()


def test_a_bad_file_uploaded_is_refused_with_its_reason_and_leaves_nothing(admin_client, channel):
    response = admin_client.post(
        reverse("admin:payments_bankstatement_add"),
        {"file": SimpleUploadedFile("releve.csv", b"Libelle;Montant\nX;10,00\n"), "format": "csv"},
    )

    assert response.status_code == 422
    assert "No date column" in response.content.decode()
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


def test_staff_match_an_unknown_transfer_to_an_order_from_the_back_office(admin_client, channel):
    offline_settings(channel)
    order, _payment = bank_transfer_order(channel)
    admin_client.post(
        reverse("admin:payments_bankstatement_add"),
        {"file": SimpleUploadedFile("r.csv", csv_lines(("27/11/2026", "VIR DUPONT", "24,90"))), "format": "csv"},
    )
    line = StatementLine.objects.get()

    response = admin_client.post(
        reverse("admin:payments_statementline_match_order", args=[line.pk]), {"order_number": order.number}
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.order_ref) == (LineStatus.MATCHED, order.number)


def test_store_staff_with_the_right_mark_a_click_and_collect_order_paid_in_store(client, channel):
    offline_settings(channel)
    order, _variant = collect_order(channel)
    staff(client, "orders.view_order", "orders.change_order", "payments.record_in_store_payment")
    url = reverse("admin:orders_order_paid_in_store", args=[order.pk])

    assert "Paid in store" in client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    response = client.post(url, {"amount": "20.00", "kind": "card", "key": "k1"})
    again = client.post(url, {"amount": "20.00", "kind": "card", "key": "k1"})  # a double click

    assert response.status_code == again.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order_ref=order.number).captured_amount == Decimal("20.00")


def test_staff_without_the_right_to_take_payments_cannot_mark_an_order_paid_in_store(client, channel):
    offline_settings(channel)
    order, _variant = collect_order(channel)
    staff(client, "orders.view_order", "orders.change_order")

    response = client.post(
        reverse("admin:orders_order_paid_in_store", args=[order.pk]), {"amount": "20.00", "kind": "cash"}
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_the_checkout_offers_cash_on_delivery_with_its_fee_and_not_payment_in_store_for_a_delivery(client, channel):
    from tests.checkout.factories import ready_checkout
    from tests.storefront.checkout_helpers import use_cart

    offline_settings(channel, cod_fee=Decimal("3.50"))
    cart, _variant = ready_checkout(channel)
    use_cart(client, cart)

    response = client.get("/en/checkout/")

    offered = [radio["value"] for radio in soup(response).select("input[name=payment_method]")]
    assert offered == ["test:card", "offline:bank_transfer", "offline:cash_on_delivery"]
    assert "A fee of €3.50 is added to shipping" in page_text(response)


def test_staff_record_a_part_payment_with_the_list_action(admin_client, channel):
    offline_settings(channel)
    order, payment = bank_transfer_order(channel)
    admin_client.post(
        reverse("admin:payments_bankstatement_add"),
        {
            "file": SimpleUploadedFile("r.csv", csv_lines(("27/11/2026", payment.provider_reference, "10,00"))),
            "format": "",
        },
    )
    line = StatementLine.objects.get(status=LineStatus.PARTIAL)

    response = admin_client.post(
        reverse("admin:payments_statementline_changelist"),
        {"action": "record_partial", "_selected_action": [line.pk]},
    )

    assert response.status_code == 302
    line.refresh_from_db()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert line.status == LineStatus.PARTIAL_RECORDED
    assert (payment.captured_amount, order.status) == (Decimal("10.00"), OrderStatus.AWAITING_PAYMENT)
