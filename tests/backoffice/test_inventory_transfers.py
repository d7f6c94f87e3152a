"""Stock transfers in the back office: sent through send_transfer, closed once through the services."""

import pytest

from comptoir.inventory.models import StockLevel, StockMovement, StockTransfer, TransferStatus
from comptoir.inventory.services import (
    cancel_transfer,
    receive_stock,
    receive_transfer,
    reserve_stock,
    send_transfer,
)
from tests.backoffice.inventory_support import body, count_queries, messages_of, staff
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/inventory/stocktransfer/"
ADD = "/admin/inventory/stocktransfer/add/"


def on_hand(variant, location) -> int:
    return StockLevel.objects.filter(variant=variant, location=location).values_list("on_hand", flat=True).first() or 0


def in_transit(units: int = 4):
    paris, lyon = LocationFactory(name="Paris warehouse"), LocationFactory(name="Lyon store")
    shirt = VariantFactory(sku="SHIRT-M")
    receive_stock(location_id=paris.pk, variant_id=shirt.pk, quantity=10)
    transfer = send_transfer(origin_id=paris.pk, destination_id=lyon.pk, quantities={shirt.pk: units})
    return transfer, shirt, paris, lyon


def test_a_transfer_sent_from_the_form_leaves_the_origin_at_once(admin_client, admin_user):
    paris, lyon = LocationFactory(name="Paris warehouse"), LocationFactory(name="Lyon store")
    shirt, apron = VariantFactory(sku="SHIRT-M"), VariantFactory(sku="APRON")
    for variant in (shirt, apron):
        receive_stock(location_id=paris.pk, variant_id=variant.pk, quantity=10)

    response = admin_client.post(
        ADD,
        {"origin": paris.pk, "destination": lyon.pk, "reference": "T-1", "note": "", "lines": "SHIRT-M 4\nAPRON 1"},
        follow=True,
    )

    transfer = StockTransfer.objects.get()
    assert (transfer.status, transfer.reference, transfer.created_by) == ("in_transit", "T-1", admin_user.username)
    assert sorted(transfer.lines.values_list("variant__sku", "quantity")) == [("APRON", 1), ("SHIRT-M", 4)]
    assert (on_hand(shirt, paris), on_hand(shirt, lyon)) == (6, 0)
    assert response.redirect_chain[-1][0] == f"/admin/inventory/stocktransfer/{transfer.pk}/change/"
    assert "in transit to Lyon store" in messages_of(response)[0]


def test_sending_more_than_is_free_names_the_sku_and_sends_nothing(admin_client):
    paris, lyon = LocationFactory(), LocationFactory()
    shirt = VariantFactory(sku="SHIRT-M")
    receive_stock(location_id=paris.pk, variant_id=shirt.pk, quantity=5)
    reserve_stock(holder="cart-1", quantities={shirt.pk: 3})

    response = admin_client.post(
        ADD, {"origin": paris.pk, "destination": lyon.pk, "reference": "", "note": "", "lines": "SHIRT-M 4"}
    )

    assert response.status_code == 200
    assert "SHIRT-M: 2 free at the origin, 4 asked" in body(response)
    assert not StockTransfer.objects.exists()
    assert on_hand(shirt, paris) == 5


def test_a_transfer_to_the_same_place_is_refused_on_the_form(admin_client):
    paris = LocationFactory()
    VariantFactory(sku="SHIRT-M")

    response = admin_client.post(
        ADD, {"origin": paris.pk, "destination": paris.pk, "reference": "", "note": "", "lines": "SHIRT-M 1"}
    )

    assert response.context["form"].errors["destination"]
    assert not StockTransfer.objects.exists()


def test_marking_a_transfer_received_asks_first_then_counts_the_units_at_the_destination(admin_client):
    transfer, shirt, paris, lyon = in_transit(units=4)
    url = f"/admin/inventory/stocktransfer/{transfer.pk}/receive/"

    question = admin_client.get(url)
    answer = admin_client.post(url, follow=True)

    assert question.status_code == 200 and "Received: count the units at the destination" in body(question)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert (on_hand(shirt, paris), on_hand(shirt, lyon)) == (6, 4)
    assert messages_of(answer) == ["1 transfer received."]


def test_the_question_page_changes_nothing(admin_client):
    transfer, shirt, _paris, lyon = in_transit(units=4)

    admin_client.get(f"/admin/inventory/stocktransfer/{transfer.pk}/receive/")

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.IN_TRANSIT and on_hand(shirt, lyon) == 0


def test_cancelling_a_transfer_puts_its_units_back_at_the_origin(admin_client):
    transfer, shirt, paris, lyon = in_transit(units=4)

    admin_client.post(f"/admin/inventory/stocktransfer/{transfer.pk}/cancel/")

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert (on_hand(shirt, paris), on_hand(shirt, lyon)) == (10, 0)


def test_a_transfer_already_received_cannot_be_cancelled(admin_client):
    transfer, shirt, paris, lyon = in_transit(units=4)
    receive_transfer(transfer_id=transfer.pk)

    response = admin_client.post(f"/admin/inventory/stocktransfer/{transfer.pk}/cancel/", follow=True)

    assert messages_of(response) == [f"Transfer #{transfer.pk} is already received."]
    assert (on_hand(shirt, paris), on_hand(shirt, lyon)) == (6, 4)


def test_selected_transfers_are_received_together_and_closed_ones_are_reported(admin_client):
    first, shirt, paris, lyon = in_transit(units=2)
    second = send_transfer(origin_id=paris.pk, destination_id=lyon.pk, quantities={shirt.pk: 3})
    cancel_transfer(transfer_id=first.pk)

    response = admin_client.post(
        LIST, {"action": "mark_received", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert StockTransfer.objects.get(pk=second.pk).status == TransferStatus.RECEIVED
    assert StockTransfer.objects.get(pk=first.pk).status == TransferStatus.CANCELLED
    assert messages_of(response)[0] == "1 transfer received."
    assert messages_of(response)[1].startswith(f"#{first.pk}: ")
    assert on_hand(shirt, lyon) == 3


def test_the_transfer_page_shows_its_lines_and_leads_to_its_history(admin_client):
    transfer, _shirt, _paris, _lyon = in_transit()

    page = body(admin_client.get(f"/admin/inventory/stocktransfer/{transfer.pk}/change/"))
    history = admin_client.get(f"/admin/inventory/stocktransfer/{transfer.pk}/history/")

    assert "SHIRT-M" in page and f"/stocktransfer/{transfer.pk}/receive/" in page
    assert history["Location"] == f"/admin/inventory/stockmovement/?reference=transfer-{transfer.pk}"
    assert StockMovement.objects.filter(reference=f"transfer-{transfer.pk}").count() == 1


def test_the_list_is_filtered_by_status(admin_client):
    open_one, shirt, paris, lyon = in_transit(units=1)
    closed = send_transfer(origin_id=paris.pk, destination_id=lyon.pk, quantities={shirt.pk: 1}, reference="CLOSED")
    cancel_transfer(transfer_id=closed.pk)

    page = body(admin_client.get(f"{LIST}?status__exact=in_transit"))

    assert f"/stocktransfer/{open_one.pk}/change/" in page
    assert f"/stocktransfer/{closed.pk}/change/" not in page


def test_the_list_and_a_transfer_take_the_same_queries_for_one_line_and_for_many(admin_client):
    transfer, _shirt, paris, lyon = in_transit(units=1)
    detail = f"/admin/inventory/stocktransfer/{transfer.pk}/change/"
    admin_client.get(LIST)
    one = (count_queries(admin_client, LIST), count_queries(admin_client, detail))

    variants = [VariantFactory() for _ in range(8)]
    for variant in variants:
        receive_stock(location_id=paris.pk, variant_id=variant.pk, quantity=10)
    big = send_transfer(origin_id=paris.pk, destination_id=lyon.pk, quantities={v.pk: 2 for v in variants})
    for _ in range(5):
        send_transfer(origin_id=paris.pk, destination_id=lyon.pk, quantities={variants[0].pk: 1})
    many = (
        count_queries(admin_client, LIST),
        count_queries(admin_client, f"/admin/inventory/stocktransfer/{big.pk}/change/"),
    )

    assert one == many


def test_staff_who_may_only_look_at_stock_see_transfers_but_cannot_send_or_close_them(client):
    transfer, _shirt, paris, lyon = in_transit()
    staff(client, "inventory.view_stocklevel")

    listed = client.get(LIST)
    new = client.post(ADD, {"origin": paris.pk, "destination": lyon.pk, "lines": "SHIRT-M 1"})
    close = client.post(f"/admin/inventory/stocktransfer/{transfer.pk}/receive/")
    bulk = client.post(LIST, {"action": "mark_received", "_selected_action": [transfer.pk]})

    assert listed.status_code == 200
    assert new.status_code == close.status_code == 403
    assert bulk.status_code in (200, 302)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert StockTransfer.objects.count() == 1


def test_staff_without_any_stock_rights_cannot_see_transfers(client):
    staff(client)

    assert client.get(LIST).status_code == 403
