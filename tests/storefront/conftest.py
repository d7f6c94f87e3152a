"""Helpers for the storefront page tests: a shop whose pages are fetched through the test client."""

import pytest

from comptoir.catalog.services import add_product_image
from tests.factories import image_bytes


def add_image(product, *, alt: str = "", variant_ids=(), color: str = "#336699"):
    """A small real image (with its WebP renditions) on `product`."""
    return add_product_image(
        product_id=product.pk,
        filename="photo.png",
        data=image_bytes(width=400, height=300, color=color),
        alt=alt,
        variant_ids=variant_ids,
    )


@pytest.fixture
def warm(client):
    """Fetch a page once so its cached reads (channels, category tree, stock locations) are loaded."""

    def fetch(url: str) -> None:
        assert client.get(url).status_code == 200

    return fetch
