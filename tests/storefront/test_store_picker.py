"""Click & collect on the storefront: the product page's pickup line, the store picker and the chosen store.

Every test stands on a known moment (Monday 1 March 2027, 10:00 in Paris unless it says otherwise): opening
hours depend on the day, and the real clock's weekday must not decide whether a test passes.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.test import Client, override_settings

from comptoir.catalog.kinds import ProductKind
from comptoir.catalog.models import ProductStatus
from comptoir.inventory.models import LocationKind
from comptoir.inventory.services import receive_stock
from comptoir.storefront import stores as pickup
from tests.factories import ChannelFactory, LocationFactory, sellable_product
from tests.storefront.conftest import add_image
from tests.storefront.test_page_weight import BUDGET, rich_product
from tests.storefront.test_product import PRODUCT_QUERIES

pytestmark = pytest.mark.django_db

MONDAY_10AM = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris (UTC+1 in March)
SHOP_HOURS = {day: ["09:00", "19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": []}


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):
    """Stand on Monday 1 March 2027, 10:00 shop time; `clock(moment)` moves to another moment."""
    settings.TIME_ZONE = "Europe/Paris"

    def at(moment: datetime) -> None:
        monkeypatch.setattr(pickup, "shop_now", lambda: moment)

    at(MONDAY_10AM)
    return at


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def store(slug: str, *, hours=None, channels=(), **kwargs):
    """An active click & collect store open Monday to Saturday, 9 to 7, serving `channels` (empty: all)."""
    kwargs = {"name": slug.title(), "city": "Lyon", "kind": LocationKind.STORE, "pickup_enabled": True} | kwargs
    location = LocationFactory(slug=slug, opening_hours=SHOP_HOURS if hours is None else hours, **kwargs)
    location.channels.set(channels)
    return location


def shelve(location, variant, units: int) -> None:
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=units)


def mug(channel, **kwargs):
    """A one-variant product with no stock anywhere yet; returns (product, variant)."""
    product = sellable_product(channel=channel, slug="mug", name="Tin mug", stock=None, **kwargs)
    return product, product.variants.get()


def pickup_text(response) -> str:
    return soup(response).select_one("#pickup .pickup-line").get_text()


# ---------------------------------------------------------------------------------------------------
# The pickup line on the product page.


def test_the_product_page_offers_pickup_today_at_the_store_with_the_most_units(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 2)
    shelve(store("paris", name="Paris Marais"), variant, 9)

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Pick up today at Paris Marais"
    assert soup(response).select_one("#pickup .pickup-hours").get_text() == "Today: 9 a.m.\u20137 p.m."


def test_a_store_open_today_is_offered_before_a_better_stocked_one_that_is_closed(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon", hours={"mon": []}), variant, 9)
    shelve(store("paris"), variant, 2)

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Pick up today at Paris"


def test_after_closing_time_the_line_no_longer_promises_today(client, channel, clock):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 4)
    clock(datetime(2027, 3, 1, 19, 30, tzinfo=UTC))  # 20:30 in Paris

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Available to pick up at Lyon"


def test_the_chosen_store_is_the_one_offered_when_it_has_the_product(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 2)
    shelve(store("paris"), variant, 9)
    client.cookies["comptoir_store"] = "lyon"

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Pick up today at Lyon"


def test_when_the_chosen_store_lacks_the_product_the_line_names_one_that_has_it(client, channel):
    _, variant = mug(channel)
    store("lyon")
    shelve(store("paris"), variant, 9)
    client.cookies["comptoir_store"] = "lyon"

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Not available at Lyon \u2014 available at Paris"
    assert "pickup-no" in soup(response).select_one("#pickup .pickup-line")["class"]


def test_when_no_store_has_it_the_line_says_so_for_the_chosen_store(client, channel):
    mug(channel)
    store("lyon")
    client.cookies["comptoir_store"] = "lyon"

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Not available at Lyon"


def test_without_a_chosen_store_and_with_no_store_stock_the_line_says_it_cannot_be_collected(client, channel):
    mug(channel)
    store("lyon")

    response = client.get("/en/p/mug/")

    assert pickup_text(response) == "Not available for pickup in store"
    assert soup(response).select_one("#pickup .pickup-more").get_text() == "Check stores"


@pytest.mark.parametrize("cookie", ["nowhere", "<b>lyon</b>", "' OR 1=1 --", "far", "shut", "depot", "x" * 500])
def test_an_unknown_or_tampered_store_cookie_is_ignored(client, channel, cookie):
    _, variant = mug(channel)
    shelve(store("paris"), variant, 9)
    store("far", channels=[ChannelFactory(slug="web-gbp", currency="GBP")])  # serves another channel only
    store("shut", is_active=False)
    store("depot", pickup_enabled=False)
    client.cookies["comptoir_store"] = cookie

    response = client.get("/en/p/mug/")

    assert response.status_code == 200
    assert pickup_text(response) == "Pick up today at Paris"


def test_a_shop_without_click_and_collect_has_no_pickup_region(client, channel):
    product = sellable_product(channel=channel)
    store("depot", pickup_enabled=False)

    response = client.get(f"/en/p/{product.slug}/")

    assert soup(response).select_one("#pickup") is None
    assert "Pick up" not in response.text


def test_a_digital_product_has_no_pickup_region(client, channel):
    product = sellable_product(channel=channel, kind=ProductKind.DIGITAL)
    store("lyon")

    response = client.get(f"/en/p/{product.slug}/")

    assert soup(response).select_one("#pickup") is None


def test_the_pickup_region_is_a_polite_live_region_with_a_link_to_the_picker(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 3)

    response = client.get("/en/p/mug/")

    region = soup(response).select_one("#pickup")
    link = region.select_one("a.pickup-more")
    assert region["aria-live"] == "polite"
    assert link.get_text() == "Check other stores"
    assert (
        link["href"]
        == link["hx-get"]
        == f"/en/stores/?variant={variant.pk}&next=%2Fen%2Fp%2Fmug%2F%3Fvariant%3D{variant.pk}"
    )
    assert link["hx-target"] == "#store-picker"
    assert soup(response).select_one("#store-picker") is not None


def test_choosing_another_variant_refreshes_the_pickup_line_and_closes_the_picker(client, channel):
    product = sellable_product(channel=channel, slug="pot", variants=2, stock=None)
    small, _large = product.variants.order_by("position")
    shelve(store("lyon"), small, 3)
    store("paris")
    client.cookies["comptoir_store"] = "paris"

    response = client.get(f"/en/p/pot/?variant={small.pk}", headers={"HX-Request": "true"})

    page = soup(response)
    region = page.select_one("#pickup")
    assert "<html" not in response.text
    assert region["hx-swap-oob"] == "innerHTML"
    assert region.select_one(".pickup-line").get_text() == "Not available at Paris \u2014 available at Lyon"
    assert page.select_one("#store-picker")["hx-swap-oob"] == "innerHTML"
    assert not page.select_one("#store-picker").contents


def test_a_partial_choice_of_options_names_no_variant_and_so_no_pickup_store(client, channel):
    from tests.factories import AttributeFactory, AttributeValueFactory

    product = sellable_product(channel=channel, slug="pot", variants=2, stock=None)
    size = AttributeFactory(slug="size", is_variant_option=True)
    colour = AttributeFactory(slug="colour", is_variant_option=True)
    small = AttributeValueFactory(attribute=size, slug="s")
    for variant, tone in zip(product.variants.order_by("position"), ("red", "blue"), strict=True):
        variant.option_values.set([small, AttributeValueFactory(attribute=colour, slug=tone)])
        shelve(store(f"shop-{tone}"), variant, 3)

    response = client.get("/en/p/pot/?size=s")

    assert soup(response).select_one("#pickup") is not None
    assert soup(response).select_one("#pickup .pickup-line") is None


# ---------------------------------------------------------------------------------------------------
# The store picker.


def test_the_picker_lists_the_stores_with_their_stock_and_todays_hours(client, channel):
    _, variant = mug(channel)
    shelve(store("annecy", city="Annecy", address="2 quai Perrière", postcode="74000"), variant, 12)
    shelve(store("lyon", city="Lyon"), variant, 2)
    store("paris", city="Paris")

    response = client.get(f"/en/stores/?variant={variant.pk}")

    rows = soup(response).select(".stores li")
    assert [row.h2.get_text() for row in rows] == ["Annecy", "Lyon", "Paris"]
    assert [row.select_one(".store-stock").get_text() for row in rows] == [
        "In stock (12)",
        "Low stock",
        "Not available",
    ]
    assert [row.select_one(".store-hours").get_text() for row in rows] == ["Today: 9 a.m.\u20137 p.m."] * 3
    assert rows[0].select_one(".store-address").get_text(" ") == "2 quai Perrière 74000 Annecy"


def test_the_picker_says_closed_today_on_a_day_the_store_does_not_open(client, channel, clock):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 4)
    clock(datetime(2027, 3, 7, 11, 0, tzinfo=UTC))  # a Sunday

    response = client.get(f"/en/stores/?variant={variant.pk}")

    assert soup(response).select_one(".store-hours").get_text() == "Closed today"


def test_todays_hours_are_those_of_the_day_in_the_shops_time_zone(client, channel, clock, settings):
    store("auckland", hours={"mon": [], "tue": ["08:00", "18:00"]})
    clock(datetime(2027, 3, 1, 20, 0, tzinfo=UTC))  # Monday evening in Paris, Tuesday 9:00 in Auckland

    settings.TIME_ZONE = "Europe/Paris"
    in_paris = client.get("/en/stores/")
    settings.TIME_ZONE = "Pacific/Auckland"
    in_auckland = client.get("/en/stores/")

    assert soup(in_paris).select_one(".store-hours").get_text() == "Closed today"
    assert soup(in_auckland).select_one(".store-hours").get_text() == "Today: 8 a.m.\u20136 p.m."


def test_the_picker_speaks_french(client, channel, clock):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 12)
    shelve(store("paris", hours={"mon": []}), variant, 1)

    response = client.get(f"/fr/stores/?variant={variant.pk}")

    rows = soup(response).select(".stores li")
    assert soup(response).h1.get_text() == "Retrait en magasin"
    assert [row.select_one(".store-stock").get_text() for row in rows] == ["En stock (12)", "Stock faible"]
    hours = [row.select_one(".store-hours").get_text() for row in rows]
    assert hours == ["Aujourd\u2019hui\xa0: 09:00\u201319:00", "Fermé aujourd\u2019hui"]
    assert rows[0].button.get_text(" ", strip=True) == "Choisir Lyon"


@pytest.mark.parametrize(
    "hours", [{"mon": "tomorrow"}, {"mon": ["09:00"]}, {"mon": ["25:00", "26:00"]}, {"mon": 9}, ["09:00"], {}]
)
def test_opening_hours_we_cannot_read_are_left_out_rather_than_breaking_the_page(client, channel, hours):
    _, variant = mug(channel)
    shelve(store("lyon", hours=hours), variant, 12)

    picker = client.get(f"/en/stores/?variant={variant.pk}")
    page = client.get("/en/p/mug/")

    assert picker.status_code == page.status_code == 200
    assert soup(picker).select_one(".store-hours") is None
    assert pickup_text(page) == "Pick up today at Lyon"  # the merchant did not say it is closed


@pytest.mark.parametrize(
    ("hours", "shown"),
    [
        (["09:00", "12:00", "14:00", "19:00"], "Today: 9 a.m.\u2013noon, 2 p.m.\u20137 p.m."),
        ([["09:00", "12:00"], ["14:00", "19:00"]], "Today: 9 a.m.\u2013noon, 2 p.m.\u20137 p.m."),
        ("10:00-18:30", "Today: 10 a.m.\u20136:30 p.m."),
        ("", "Closed today"),
    ],
)
def test_split_days_and_written_out_hours_are_understood(client, channel, hours, shown):
    store("lyon", hours={"mon": hours})

    response = client.get("/en/stores/")

    assert soup(response).select_one(".store-hours").get_text() == shown


def test_without_javascript_the_picker_is_a_page_with_a_plain_post_form(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 3)
    store("paris")

    response = client.get(f"/en/stores/?variant={variant.pk}&next=/en/p/mug/%3Fvariant%3D{variant.pk}")

    page = soup(response)
    form = page.select_one("main form")
    assert "<html" in response.text and page.h1.get_text() == "Pick up in store"
    assert form["method"] == "post" and form["action"] == "/en/stores/choose/"
    assert not form.has_attr("hx-post")
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=next]")["value"] == f"/en/p/mug/?variant={variant.pk}"
    assert form.select_one("input[name=variant]")["value"] == str(variant.pk)
    buttons = form.select("button[name=store]")
    assert [(b["value"], b.get_text(" ", strip=True)) for b in buttons] == [
        ("lyon", "Choose Lyon"),
        ("paris", "Choose Paris"),
    ]
    assert page.select_one("main a[href]")["href"] == f"/en/p/mug/?variant={variant.pk}"


def test_with_htmx_the_picker_is_a_fragment_that_answers_into_the_pickup_region(client, channel):
    _, variant = mug(channel)
    store("lyon")

    response = client.get(f"/en/stores/?variant={variant.pk}", headers={"HX-Request": "true"})

    page = soup(response)
    form = page.select_one("form")
    assert "<html" not in response.text
    assert page.select_one("#stores-heading").name == "h2"
    assert form["hx-post"] == "/en/stores/choose/" and form["hx-target"] == "#pickup"
    assert page.select_one("button[data-close-picker]")
    assert "HX-Request" in response["Vary"]


def test_the_picker_marks_the_buyers_store(client, channel):
    store("lyon")
    store("paris")
    client.cookies["comptoir_store"] = "paris"

    response = client.get("/en/stores/")

    chosen = soup(response).select(".store-chosen")
    assert [row.h2.get_text() for row in chosen] == ["Paris"]
    assert chosen[0].select_one(".store-mine").get_text() == "Your store"


def test_the_picker_without_a_variant_lists_the_stores_and_their_hours_only(client, channel):
    store("lyon")

    response = client.get("/en/stores/")

    assert soup(response).select_one(".store-stock") is None
    assert soup(response).select_one(".store-hours").get_text() == "Today: 9 a.m.\u20137 p.m."


def test_the_picker_only_lists_the_channels_active_click_and_collect_stores(client, channel):
    store("lyon")
    store("mine", channels=[channel])
    store("far", channels=[ChannelFactory(slug="web-gbp", currency="GBP")])
    store("shut", is_active=False)
    store("depot", pickup_enabled=False)

    response = client.get("/en/stores/")

    assert [b["value"] for b in soup(response).select("button[name=store]")] == ["lyon", "mine"]


def test_with_no_click_and_collect_store_the_picker_says_so(client, channel):
    response = client.get("/en/stores/")

    assert response.status_code == 200
    assert soup(response).select_one("main p").get_text() == "No store offers click & collect at the moment."


def test_a_store_opened_later_is_listed_once_the_location_tables_are_forgotten(client, channel):
    from comptoir.inventory.queries import forget_locations

    store("lyon")
    client.get("/en/stores/")  # the store list is now cached
    store("paris")

    before = client.get("/en/stores/")
    forget_locations()  # what the back office does after saving a location
    after = client.get("/en/stores/")

    assert [b["value"] for b in soup(before).select("button[name=store]")] == ["lyon"]
    assert [b["value"] for b in soup(after).select("button[name=store]")] == ["lyon", "paris"]


@pytest.mark.parametrize("raw", ["999999999", "abc", "-1", "99999999999999999999999", "draft", "digital"])
def test_a_variant_that_cannot_be_collected_here_is_not_found(client, channel, raw):
    store("lyon")
    draft = sellable_product(channel=channel, status=ProductStatus.DRAFT).variants.get()
    digital = sellable_product(channel=channel, kind=ProductKind.DIGITAL).variants.get()
    raw = {"draft": str(draft.pk), "digital": str(digital.pk)}.get(raw, raw)

    response = client.get(f"/en/stores/?variant={raw}")

    assert response.status_code == 404


def test_an_off_site_next_in_the_picker_is_replaced_by_the_product_page(client, channel):
    _, variant = mug(channel)
    store("lyon")

    response = client.get(f"/en/stores/?variant={variant.pk}&next=https://evil.example/")

    assert soup(response).select_one("input[name=next]")["value"] == f"/en/p/mug/?variant={variant.pk}"


# ---------------------------------------------------------------------------------------------------
# Choosing a store.


def test_choosing_a_store_remembers_it_and_goes_back_to_the_product(client, channel):
    _, variant = mug(channel)
    store("lyon")
    shelve(store("paris"), variant, 5)

    response = client.post("/en/stores/choose/", {"store": "lyon", "next": "/en/p/mug/"})

    cookie = response.cookies["comptoir_store"]
    assert response.status_code == 302 and response["Location"] == "/en/p/mug/"
    assert cookie.value == "lyon" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert pickup_text(client.get("/en/p/mug/")) == "Not available at Lyon \u2014 available at Paris"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/p/", "javascript:alert(1)", "http:///evil.example", ""]
)
def test_choosing_a_store_never_redirects_off_the_site(client, channel, target):
    _, variant = mug(channel)
    store("lyon")

    with_variant = client.post("/en/stores/choose/", {"store": "lyon", "variant": variant.pk, "next": target})
    without = client.post("/en/stores/choose/", {"store": "lyon", "next": target})

    assert with_variant["Location"] == f"/en/p/mug/?variant={variant.pk}"
    assert without["Location"] == "/en/"


@pytest.mark.parametrize("slug", ["nowhere", "", "far", "depot", "shut"])
def test_choosing_a_store_that_is_not_offered_is_refused_and_remembers_nothing(client, channel, slug):
    store("lyon")
    store("far", channels=[ChannelFactory(slug="web-gbp", currency="GBP")])
    store("depot", pickup_enabled=False)
    store("shut", is_active=False)

    response = client.post("/en/stores/choose/", {"store": slug, "next": "/en/"})

    assert response.status_code == 400
    assert "comptoir_store" not in response.cookies
    assert "Store not available" in response.text


def test_a_bad_variant_in_the_choice_still_records_the_store(client, channel):
    store("lyon")

    response = client.post("/en/stores/choose/", {"store": "lyon", "variant": "abc", "next": "/en/"})

    assert response.status_code == 302 and response.cookies["comptoir_store"].value == "lyon"


def test_choosing_with_htmx_answers_the_new_pickup_line_and_closes_the_picker(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 2)
    shelve(store("paris"), variant, 9)
    next_url = f"/en/p/mug/?variant={variant.pk}"

    response = client.post(
        "/en/stores/choose/",
        {"store": "lyon", "variant": variant.pk, "next": next_url},
        headers={"HX-Request": "true"},
    )

    page = soup(response)
    assert response.status_code == 200 and response.cookies["comptoir_store"].value == "lyon"
    assert page.select_one(".pickup-line").get_text() == "Pick up today at Lyon"
    assert page.select_one("#store-picker")["hx-swap-oob"] == "innerHTML"
    assert page.select_one(".pickup-more")["href"].endswith("next=%2Fen%2Fp%2Fmug%2F%3Fvariant%3D" + str(variant.pk))


def test_choosing_with_htmx_but_no_variant_sends_the_browser_to_next(client, channel):
    store("lyon")

    response = client.post("/en/stores/choose/", {"store": "lyon", "next": "/en/"}, headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == "/en/"
    assert response.cookies["comptoir_store"].value == "lyon"


def test_the_choice_is_refused_without_the_csrf_token(channel):
    store("lyon")
    client = Client(enforce_csrf_checks=True)

    response = client.post("/en/stores/choose/", {"store": "lyon", "next": "/en/"})

    assert response.status_code == 403
    assert "comptoir_store" not in response.cookies


def test_the_choice_is_a_post_only(client, channel):
    store("lyon")

    assert client.get("/en/stores/choose/?store=lyon").status_code == 405


# ---------------------------------------------------------------------------------------------------
# CSP and page weight.


def test_the_picker_and_the_pickup_line_use_no_inline_styles_and_only_nonced_scripts(client, channel):
    _, variant = mug(channel)
    shelve(store("lyon"), variant, 3)
    client.cookies["comptoir_store"] = "lyon"
    urls = ["/en/p/mug/", f"/en/stores/?variant={variant.pk}", "/en/stores/"]

    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)

            assert not re.search(r"\sstyle\s*=", response.text), url
            assert not re.search(r"\son[a-z]+\s*=", response.text), url
            for script in soup(response).find_all("script"):
                assert (
                    script.get("src", "").startswith("/static/")
                    or script.get("type") == "application/ld+json"
                    or (f"'nonce-{script['nonce']}'" in response["Content-Security-Policy"])
                ), url


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_a_product_page_with_the_pickup_line_stays_under_the_page_weight_budget(channel):
    product = rich_product(channel)
    for i in range(12):
        shelve(store(f"store-{i}", address="12 rue de la République"), product.variants.first(), 5)
    client = Client()
    client.cookies["comptoir_store"] = "store-3"

    page = client.get("/en/p/desk-lamp/")
    assets = [link["href"] for link in soup(page).select('link[rel="stylesheet"]')]
    assets += [script["src"] for script in soup(page).select("script[src]")]
    total = len(page.content)
    for url in assets:
        response = client.get(url)
        total += len(b"".join(response.streaming_content if response.streaming else [response.content]))

    assert soup(page).select_one("#pickup .pickup-line").get_text() == "Pick up today at Store-3"
    assert total < BUDGET


# ---------------------------------------------------------------------------------------------------
# Query counts.

# Warm (store list cached): the variant, its option values, its stock in every store.
PICKER_QUERIES = 3
# The pickup line adds one query to the product page (PRODUCT_QUERIES: a product with an image): the
# variant's stock in every store (pickup_availability). The store list itself is cached.
PICKUP_QUERIES = 1


def stores_with_stock(variant, count: int) -> None:
    for i in range(count):
        shelve(store(f"store-{i}", channels=[variant.product.channel_listings.get().channel]), variant, i + 1)


@pytest.mark.parametrize("count", [1, 12])
def test_the_pickup_line_costs_the_product_page_one_query_whatever_the_number_of_stores(
    client, channel, warm, django_assert_num_queries, count
):
    product, variant = mug(channel)
    add_image(product)
    stores_with_stock(variant, count)
    client.cookies["comptoir_store"] = "store-0"
    warm("/en/p/mug/")

    with django_assert_num_queries(PRODUCT_QUERIES + PICKUP_QUERIES):
        full = client.get("/en/p/mug/")
    with django_assert_num_queries(PRODUCT_QUERIES + PICKUP_QUERIES):
        partial = client.get(f"/en/p/mug/?variant={variant.pk}", headers={"HX-Request": "true"})

    assert pickup_text(full) == "Pick up today at Store-0"
    assert soup(partial).select_one("#pickup .pickup-line").get_text() == "Pick up today at Store-0"


def test_a_shop_without_click_and_collect_pays_no_query_for_it(client, channel, warm, django_assert_num_queries):
    product = sellable_product(channel=channel)
    add_image(product)
    warm(f"/en/p/{product.slug}/")

    with django_assert_num_queries(PRODUCT_QUERIES):
        client.get(f"/en/p/{product.slug}/")


@pytest.mark.parametrize("count", [1, 12])
def test_the_picker_takes_the_same_queries_for_one_store_as_for_many(
    client, channel, warm, django_assert_num_queries, count
):
    _, variant = mug(channel)
    stores_with_stock(variant, count)
    url = f"/en/stores/?variant={variant.pk}"
    warm(url)

    with django_assert_num_queries(PICKER_QUERIES):
        response = client.get(url)
    with django_assert_num_queries(PICKER_QUERIES):
        client.get(url, headers={"HX-Request": "true"})
    with django_assert_num_queries(0):
        client.get("/en/stores/")

    assert len(soup(response).select(".stores li")) == count


@pytest.mark.parametrize("count", [1, 12])
def test_choosing_a_store_with_htmx_takes_the_same_queries_for_one_store_as_for_many(
    client, channel, warm, django_assert_num_queries, count
):
    _, variant = mug(channel)
    stores_with_stock(variant, count)
    warm("/en/stores/")

    with django_assert_num_queries(PICKER_QUERIES):
        client.post(
            "/en/stores/choose/",
            {"store": "store-0", "variant": variant.pk, "next": "/en/p/mug/"},
            headers={"HX-Request": "true"},
        )


# ---------------------------------------------------------------------------------------------------
# In a real browser: htmx, the strict CSP and the keyboard together.

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}")
@pytest.mark.django_db(transaction=True)
def test_with_the_keyboard_alone_a_buyer_opens_the_picker_and_chooses_a_store(channel, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    from playwright.sync_api import expect, sync_playwright

    product = sellable_product(channel=channel, slug="pot", variants=2, stock=None)
    small, large = product.variants.order_by("position")
    annecy = store("annecy")
    shelve(annecy, small, 3)
    shelve(annecy, large, 2)
    shelve(store("paris"), small, 8)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(locale="en-GB")
        page.set_default_timeout(30_000)  # a loaded 2-core CI machine can take over 10 s
        page.on("console", lambda message: message.type == "error" and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))
        try:
            page.goto(f"{live_server.url}/en/p/pot/")
            line = page.locator("#pickup .pickup-line")
            expect(line).to_have_text("Pick up today at Paris")

            page.locator("#pickup .pickup-more").focus()
            page.keyboard.press("Enter")
            expect(page.locator("#store-picker .stores li")).to_have_count(2)
            expect(page.locator("#stores-heading")).to_be_focused()
            page.keyboard.press("Tab")
            expect(page.locator("#store-picker button[value=annecy]")).to_be_focused()
            page.keyboard.press("Enter")

            expect(line).to_have_text("Pick up today at Annecy")
            # The line is the document's active element (to_be_focused also needs the browser window to have
            # the OS focus, which a headless window can lose while other browsers run on a loaded machine).
            # A function, not an expression: Playwright re-evaluates an expression with eval() on each poll,
            # which the shop's Content-Security-Policy (no 'unsafe-eval') refuses.
            page.wait_for_function(
                "() => document.activeElement !== null && document.activeElement.matches('#pickup .pickup-line')"
            )
            expect(page.locator("#store-picker .stores")).to_have_count(0)
            page.locator(f"label[for='opt-variant-{large.pk}']").click()
            expect(page.locator("#variant-summary .sku")).to_have_text(f"SKU: {large.sku}")
            expect(line).to_have_text("Pick up today at Annecy")
        finally:
            browser.close()

    assert problems == []
