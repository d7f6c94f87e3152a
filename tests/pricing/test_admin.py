"""Vouchers, promotions and gift cards in the back office."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.pricing.giftcards import debit_gift_card, format_gift_card_code
from comptoir.pricing.models import GiftCard, Promotion, Voucher
from comptoir.pricing.vouchers import redeem_voucher
from tests.pricing.factories import PromotionFactory, VoucherFactory, eur, gift_card

pytestmark = pytest.mark.django_db


def voucher_form(**fields):
    data = {
        "code": "spring10",
        "is_active": "on",
        "channel": "",
        "kind": "percentage",
        "value": "10",
        "currency": "",
        "minimum_spend": "",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "",
        "ends_at_1": "",
        "usage_limit": "",
        "limit_per_customer": "",
    }
    data.update(fields)
    return data


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- Vouchers ---------------------------------------------------------------------------------------------


def test_a_voucher_added_in_the_back_office_gets_an_upper_case_code(admin_client, channel):
    response = admin_client.post("/admin/pricing/voucher/add/", voucher_form())

    assert response.status_code == 302
    assert Voucher.objects.get().code == "SPRING10"


def test_a_fixed_voucher_for_a_channel_takes_the_channels_currency(admin_client, channel):
    response = admin_client.post(
        "/admin/pricing/voucher/add/", voucher_form(kind="fixed_amount", value="5", channel=channel.pk)
    )

    assert response.status_code == 302
    assert Voucher.objects.get().currency == "EUR"


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"value": "120"}, "A percentage is above 0 and at most 100."),
        ({"kind": "fixed_amount", "value": "5"}, "Give the currency of the amount off or of the minimum spend."),
        ({"usage_limit": "0"}, "A usage limit is at least 1"),
        ({"ends_at_0": "2025-01-01", "ends_at_1": "00:00:00"}, "The end must come after the start."),
    ],
)
def test_a_voucher_breaking_a_rule_is_refused_on_the_form(admin_client, channel, fields, message):
    response = admin_client.post("/admin/pricing/voucher/add/", voucher_form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Voucher.objects.exists()


def test_a_code_taken_in_another_case_is_refused_on_the_form(admin_client, channel):
    VoucherFactory(code="SPRING10")

    response = admin_client.post("/admin/pricing/voucher/add/", voucher_form(code="Spring10"))

    assert response.status_code == 200 and Voucher.objects.count() == 1


def test_editing_a_voucher_keeps_the_uses_made_while_the_form_was_open(admin_client, channel):
    voucher = VoucherFactory(code="SPRING10", usage_limit=5)
    admin_client.get(f"/admin/pricing/voucher/{voucher.pk}/change/")
    redeem_voucher(code="SPRING10", channel=channel, order_ref="O-1", email="", user_id=None, amount=eur("1"))

    response = admin_client.post(
        f"/admin/pricing/voucher/{voucher.pk}/change/",
        voucher_form(code="SPRING10", usage_limit="8", starts_at_0="2020-01-01"),
    )

    voucher.refresh_from_db()
    assert response.status_code == 302
    assert (voucher.usage_limit, voucher.used_count) == (8, 1)


def test_the_voucher_list_shows_uses_against_the_limit(admin_client, channel):
    VoucherFactory(code="SPRING10", usage_limit=10)
    for i in range(3):
        redeem_voucher(code="SPRING10", channel=channel, order_ref=f"O-{i}", email="", user_id=None, amount=eur("1"))

    page = admin_client.get("/admin/pricing/voucher/").content.decode()

    assert "3 / 10" in page


def test_a_vouchers_uses_are_listed_from_its_page(admin_client, channel):
    voucher = VoucherFactory(code="SPRING10")
    redeem_voucher(code="SPRING10", channel=channel, order_ref="O-77", email="a@b.fr", user_id=None, amount=eur("1"))

    response = admin_client.get(f"/admin/pricing/voucher/{voucher.pk}/uses/", follow=True)

    assert "O-77" in response.content.decode()


# --- Promotions -------------------------------------------------------------------------------------------


def test_a_promotion_is_added_with_its_rule(admin_client, channel):
    data = {
        "name": "3 for 2",
        "is_active": "on",
        "channel": "",
        "priority": "10",
        "kind": "buy_x_get_y",
        "buy_quantity": "3",
        "free_quantity": "1",
        "nth": "",
        "percentage": "",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "",
        "ends_at_1": "",
    }

    response = admin_client.post("/admin/pricing/promotion/add/", data)

    assert response.status_code == 302
    assert Promotion.objects.get().buy_quantity == 3
    assert "3 for 2" in admin_client.get("/admin/pricing/promotion/").content.decode()


def test_a_promotion_giving_everything_away_is_refused(admin_client, channel):
    data = {"name": "oops", "priority": "1", "kind": "buy_x_get_y", "buy_quantity": "2", "free_quantity": "2"}
    data.update({"starts_at_0": "2026-01-01", "starts_at_1": "00:00:00", "ends_at_0": "", "ends_at_1": ""})

    response = admin_client.post("/admin/pricing/promotion/add/", data)

    assert response.status_code == 200 and not Promotion.objects.exists()


# --- Gift cards -------------------------------------------------------------------------------------------


def test_issuing_a_card_shows_its_full_code_once_and_writes_its_ledger(admin_client, channel):
    response = admin_client.post(
        "/admin/pricing/giftcard/add/", {"currency": "EUR", "amount": "40", "note": "Raffle"}, follow=True
    )

    card = GiftCard.objects.get()
    assert card.current_balance == eur("40.00") and card.transactions.get().kind == "issue"
    assert format_gift_card_code(card.code) in response.content.decode()


def test_the_card_list_shows_only_the_last_four_characters(admin_client, channel):
    card = gift_card("40.00")

    page = admin_client.get("/admin/pricing/giftcard/").content.decode()

    assert f"•••• {card.code[-4:]}" in page and card.code not in page


def test_a_card_is_found_by_its_last_four_characters_or_its_full_code(admin_client, channel):
    card, other = gift_card("40.00"), gift_card("10.00")

    by_end = admin_client.get("/admin/pricing/giftcard/", {"q": card.code[-4:].lower()}).content.decode()
    by_code = admin_client.get("/admin/pricing/giftcard/", {"q": format_gift_card_code(card.code)}).content.decode()

    for page in (by_end, by_code):
        assert f"•••• {card.code[-4:]}" in page
        assert f"•••• {other.code[-4:]}" not in page


def test_a_card_page_shows_its_ledger_and_cannot_be_edited(admin_client, channel):
    card = gift_card("40.00")
    debit_gift_card(code=card.code, amount=eur("15.00"), order_ref="O-5")

    page = admin_client.get(f"/admin/pricing/giftcard/{card.pk}/change/").content.decode()
    refused = admin_client.post(f"/admin/pricing/giftcard/{card.pk}/change/", {"balance": "1000"})

    assert "O-5" in page and "-15" in page
    card.refresh_from_db()
    assert refused.status_code == 403 and card.balance == Decimal("25")


def test_a_lost_card_is_deactivated_from_the_list(admin_client, channel):
    card = gift_card("40.00")

    admin_client.post("/admin/pricing/giftcard/", {"action": "deactivate", "_selected_action": [card.pk]})

    card.refresh_from_db()
    assert card.is_active is False


def test_a_card_is_deactivated_from_its_page_only_after_confirming(admin_client, channel):
    card = gift_card("40.00")

    asked = admin_client.get(f"/admin/pricing/giftcard/{card.pk}/deactivate/")
    card.refresh_from_db()
    assert asked.status_code == 200 and card.is_active is True

    admin_client.post(f"/admin/pricing/giftcard/{card.pk}/deactivate/")
    card.refresh_from_db()
    assert card.is_active is False


def test_a_staff_member_without_the_right_cannot_issue_cards(client, channel):
    clerk = User.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_giftcard"))
    client.force_login(clerk)

    response = client.post("/admin/pricing/giftcard/add/", {"currency": "EUR", "amount": "40"})

    assert response.status_code == 403 and not GiftCard.objects.exists()


@pytest.mark.parametrize("screen", ["voucher", "voucherredemption", "promotion", "giftcard"])
def test_every_list_takes_the_same_queries_for_one_row_and_for_many(admin_client, channel, screen):
    def add_rows(n: int) -> None:
        for _ in range(n):
            voucher = VoucherFactory(channel=channel)
            redeem_voucher(code=voucher.code, channel=channel, order_ref="O", email="", user_id=None, amount=eur("1"))
            PromotionFactory(channel=channel)
            gift_card("5.00")

    url = f"/admin/pricing/{screen}/"
    add_rows(1)
    admin_client.get(url)
    one = count_queries(admin_client, url)

    add_rows(12)
    many = count_queries(admin_client, url)

    assert one == many
