"""Product search, on whichever database DATABASE_URL names (SQLite, PostgreSQL, MariaDB).

The same tests hold on every backend: ranking, prefixes, accents, AND semantics, exact SKU matches,
hostile input and query counts.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from comptoir.catalog import services
from comptoir.catalog.models import Product, ProductStatus, SearchCode, SearchDocument
from comptoir.catalog.search import reindex_products, search_product_ids
from tests.factories import AttributeValueFactory, BrandFactory, CategoryFactory, ProductFactory, VariantFactory

# InnoDB adds rows to a FULLTEXT index when their transaction commits, so on MariaDB every test commits what
# it writes (and the tables are emptied after it). Elsewhere the faster rolled-back test transaction sees
# its own writes.
ON_MARIADB = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
pytestmark = pytest.mark.django_db(transaction=ON_MARIADB)


def product(name: str, *, sku: str = "", gtin: str = "", **fields) -> int:
    """A product created through the catalogue services, as the back office and imports create them."""
    created = services.create_product(name=name, status=ProductStatus.PUBLISHED, **fields)
    if sku:
        services.add_variant(product_id=created.pk, sku=sku, gtin=gtin)
    return created.pk


# Finding what the catalogue services wrote


def test_a_product_created_through_the_catalogue_is_found_by_its_name_right_away():
    kettle = product("Electric kettle")

    assert search_product_ids("kettle") == [kettle]


def test_a_variant_added_through_the_catalogue_makes_its_product_found_by_its_sku():
    kettle = product("Electric kettle")

    services.add_variant(product_id=kettle, sku="KET-2000")

    assert search_product_ids("KET-2000") == [kettle]


def test_a_renamed_product_no_longer_matches_its_old_name():
    kettle = product("Blue kettle")

    with transaction.atomic():
        Product.objects.filter(pk=kettle).update(name="Green teapot")
        services.products_changed([kettle])

    assert search_product_ids("kettle") == []
    assert search_product_ids("teapot") == [kettle]


def test_changing_a_status_through_the_catalogue_reindexes_the_products():
    written_around_the_services = ProductFactory(name="Lantern")
    assert search_product_ids("lantern") == []

    services.set_products_status(product_ids=[written_around_the_services.pk], status=ProductStatus.DRAFT)

    assert search_product_ids("lantern") == [written_around_the_services.pk]


def test_a_deleted_product_is_no_longer_found():
    kettle = product("Electric kettle", sku="KET-1")

    Product.objects.filter(pk=kettle).delete()
    reindex_products([kettle])

    assert search_product_ids("kettle") == []
    assert search_product_ids("KET-1") == []
    assert not SearchDocument.objects.exists() and not SearchCode.objects.exists()


def test_unpublished_products_are_found_too_since_callers_filter_for_visibility():
    draft = services.create_product(name="Secret lamp", status=ProductStatus.DRAFT)

    assert search_product_ids("lamp") == [draft.pk]


def test_a_document_holds_the_folded_name_brand_category_path_values_and_description_text():
    clothing = CategoryFactory(name="Vêtements")
    shoes = CategoryFactory(name="Chaussures", parent=clothing)
    wool = AttributeValueFactory(name="Laine mérinos")
    brand = BrandFactory(name="Île-de-Sport")
    pk = product(
        "Bottes d'Hiver",
        sku="BT-42",
        brand_id=brand.pk,
        category_id=shoes.pk,
        attribute_value_ids=[wool.pk],
        description="<p>Cousues <b>main</b></p><ul><li>semelle</li><li>cuir</li></ul>",
    )

    document = SearchDocument.objects.get(product_id=pk)

    assert (document.name, document.skus, document.brand) == ("bottes d hiver", "bt 42", "ile de sport")
    assert document.categories == "vetements chaussures"
    assert document.body == "laine merinos cousues main semelle cuir"


# Ranking


def test_an_exact_sku_comes_before_products_that_only_contain_its_words():
    mentions_it = product("Adapter for TS-001 sockets")
    longer_sku = product("Travel plug", sku="TS-0012")
    exact = product("Wall charger", sku="TS-001")

    results = search_product_ids("ts-001")

    assert results[0] == exact
    assert set(results) == {exact, mentions_it, longer_sku}


def test_a_barcode_finds_its_product_first():
    scanned = product("Oat milk", sku="OAT-1", gtin="4006381333931")
    product("Oat flakes 4006381333931 pack")

    assert search_product_ids("4006381333931")[0] == scanned


def test_a_name_match_ranks_above_a_brand_or_category_match_above_a_description_match():
    # Created best first: the newest-first tie-break would give the reverse order.
    in_name = product("Alpine jacket")
    in_brand = product("Rope", brand_id=BrandFactory(name="Alpine Co").pk)
    in_category = product("Carabiner", category_id=CategoryFactory(name="Alpine gear").pk)
    in_description = product("Water bottle", description="<p>Made for alpine hikes.</p>")

    results = search_product_ids("alpine")

    assert results[0] == in_name
    assert set(results[1:3]) == {in_brand, in_category}
    assert results[3] == in_description


def test_one_match_in_the_name_outranks_a_description_repeating_the_word():
    in_name = product("Linen shirt")
    product("Towel", description="<p>" + "linen " * 50 + "</p>")

    assert search_product_ids("linen")[0] == in_name


def test_a_product_matching_more_words_in_its_name_ranks_first():
    product("Running shoes", description="<p>Trail ready.</p>")
    both_in_name = product("Trail running shoes")

    assert search_product_ids("trail running")[0] == both_in_name


# Matching


def test_every_word_of_a_query_must_match_in_some_field():
    red_sneakers = product("Red sneakers")
    product("Blue sneakers")
    product("Red cap")
    brand_and_name = product("Sneakers", brand_id=BrandFactory(name="Red Wing").pk)

    assert set(search_product_ids("red sneakers")) == {red_sneakers, brand_and_name}


@pytest.mark.parametrize("query", ["sne", "SNEAK", "red sne", "sneakers"])
def test_the_last_word_matches_as_a_prefix(query):
    sneakers = product("Red sneakers")

    assert search_product_ids(query) == [sneakers]


def test_earlier_words_match_as_prefixes_too_so_plurals_are_found():
    boots = product("Chaussures rouges")

    assert search_product_ids("chaussure rouge") == [boots]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Café moulu", "cafe"),
        ("cafe moulu", "CAFÉ"),
        ("Crème brûlée", "creme brulee"),
        ("Cœur de pirate", "coeur"),
        ("Große Tasse", "grosse"),
        ("ÉTAGÈRE murale", "étagère"),
    ],
)
def test_case_and_accents_are_ignored(name, query):
    pk = product(name)

    assert search_product_ids(query) == [pk]


@pytest.mark.parametrize("query", ["t shirt", "T-Shirt", "xl", "de coton", "the", "t-shirt the xl"])
def test_short_words_and_common_words_are_found_like_any_other(query):
    # MariaDB's FULLTEXT index skips words under three letters and stop words; they must still match.
    size = AttributeValueFactory(name="XL")
    tee = product("The T-shirt de coton", attribute_value_ids=[size.pk])
    product("Sweat à capuche")

    assert search_product_ids(query) == [tee]


@pytest.mark.parametrize("query", ["A1", "a1", "a"])
def test_a_short_sku_is_found(query):
    pk = product("Pencil", sku="A1")
    product("Eraser", sku="B2")

    assert search_product_ids(query) == [pk]


@pytest.mark.parametrize("query", ['"rock"', "rock*", "rock AND roll", "-rock", "+rock", "rock AND", "(rock)"])
def test_search_operators_typed_by_a_buyer_are_plain_words(query):
    pk = product("Rock and roll tee")

    assert search_product_ids(query) == [pk]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "'",
        "*",
        "-",
        "+",
        "()",
        "%",
        "_",
        "\\",
        "\x00",
        "\ud800",
        "!@#$%^&*",
        "   \t\n ",
        None,
    ],
)
def test_a_query_without_words_finds_nothing(query):
    product("Rock and roll tee", sku="%")

    assert search_product_ids(query) == []


@pytest.mark.parametrize(
    "query",
    [
        "AND OR",
        "NOT",
        "NEAR(a b)",
        '"unclosed',
        "{name}: rock",
        "name:rock",
        "^rock",
        "@rock",
        "~rock <roll>",
        "'; DROP TABLE catalog_product; --",
        "rock\x00roll",
        "rock\ud800",
        "🙂 rock",
        "a" * 10_000,
        "rock " * 1000,
        " ".join(f"word{i}" for i in range(100)),
        "é" * 300,
    ],
)
def test_hostile_or_absurd_queries_never_raise(query):
    product("Rock and roll tee", sku="R-1")

    results = search_product_ids(query)

    assert isinstance(results, list)


def test_the_limit_caps_how_many_ids_come_back():
    for n in range(5):
        product(f"Mug {n}")

    assert len(search_product_ids("mug", limit=2)) == 2
    assert search_product_ids("mug", limit=0) == []


# Query counts


@pytest.mark.parametrize("matching", [1, 20])
def test_a_search_is_one_query_however_many_products_match(matching, django_assert_num_queries):
    for n in range(matching):
        product(f"Mug {n}", sku=f"MUG-{n}")

    with django_assert_num_queries(1):
        by_word = search_product_ids("mug")
    with django_assert_num_queries(1):
        by_sku = search_product_ids("MUG-0")
    with django_assert_num_queries(1):
        with_short_words = search_product_ids("mug 0")

    assert len(by_word) == matching
    assert by_sku[0] == with_short_words[0]


def test_reindexing_twenty_products_takes_as_many_queries_as_one():
    category = CategoryFactory(parent=CategoryFactory())
    products = [ProductFactory(category=category) for _ in range(21)]
    for item in products:
        item.attribute_values.add(AttributeValueFactory())
        VariantFactory(product=item).option_values.add(AttributeValueFactory())
        VariantFactory(product=item)
    reindex_products([products[0].pk])  # caches the category tree, as a running shop has it

    with CaptureQueriesContext(connection) as one:
        reindex_products([products[0].pk])
    with CaptureQueriesContext(connection) as twenty:
        reindex_products([item.pk for item in products[1:]])

    assert len(twenty) == len(one)
    assert SearchDocument.objects.count() == 21
    assert SearchCode.objects.count() == 42


# Rebuilding


def test_rebuilding_the_index_finds_products_written_around_the_services_and_says_how_many():
    for name in ["Lamp", "Lamp shade", "Lamp oil"]:
        ProductFactory(name=name)
    out = StringIO()

    call_command("rebuild_search_index", "--batch-size", "2", stdout=out)

    assert "Indexed 3 products." in out.getvalue()
    assert len(search_product_ids("lamp")) == 3


def test_rebuilding_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rebuild_search_index", "--batch-size", "0")
