from tests.taxes.b2b.flat_tax import flat_tax  # noqa: F401 (a fixture)
