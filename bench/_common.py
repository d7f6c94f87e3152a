"""Shared helpers for the benchmark scripts: throw-away databases, machine description, docs tables."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"

DATABASES = {
    "postgresql": "postgres://postgres@127.0.0.1:5432/{name}",
    "mysql": "mysql://root@127.0.0.1:3306/{name}",
    "sqlite": "sqlite:///" + str(ROOT / "var" / "bench" / "{name}.sqlite3"),
}


def database_url(db: str, name: str) -> str:
    return DATABASES[db].format(name=name)


def recreate_database(db: str, name: str) -> str:
    """Drop and create an empty database `name`; returns its DATABASE_URL."""
    if db == "postgresql":
        import psycopg

        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    elif db == "mysql":
        import MySQLdb

        conn = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        conn.close()
    else:
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return database_url(db, name)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env={**os.environ, **env}, cwd=ROOT)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        mem = "unknown RAM"
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem}, Python {platform.python_version()}, {platform.system()}; "
        f"speed reference: {python_loop_seconds():.2f} s for 10 million steps of a Python loop"
    )


def python_loop_seconds() -> float:
    """CPU seconds for a fixed pure-Python loop (best of three): machines of the same name differ by two or
    three times from one day to the next, and every figure here scales with this one."""
    import time

    best = float("inf")
    for _ in range(3):
        began = time.process_time()
        total = 0
        for step in range(10_000_000):
            total += step
        best = min(best, time.process_time() - began)
    return best


def write_section(marker: str, body: str) -> None:
    """Replace the text between `<!-- marker:start -->` and `<!-- marker:end -->` in docs/performance.md."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOCS.write_text(text)


# --- A shop to sell from (Django, in the child process that has set it up) ----------------------------------


def french_shop(*, slug: str, name: str, language: str, warehouse: str):
    """What a benchmark's buyers need around the products, made through the services: a EUR channel for France
    (prices including tax), a warehouse in Lyon, Colissimo at 4.90 to France, the company that invoices.
    Returns (channel, warehouse)."""
    from decimal import Decimal

    from comptoir.core.services import save_channel
    from comptoir.demo.commerce import create_legal_entity
    from comptoir.fulfillment.shipping_services import save_shipping_method, save_shipping_zone
    from comptoir.inventory.models import Location, LocationKind

    channel = save_channel(slug=slug, name=name, currency="EUR", default_language=language,
                           default_country="FR", prices_include_tax=True, is_default=True)  # fmt: skip
    location = Location.objects.create(name=f"{name} warehouse", slug=warehouse, kind=LocationKind.WAREHOUSE,
                                       city="Lyon", postcode="69007", country="FR")  # fmt: skip
    zone = save_shipping_zone(name="France", channel_id=channel.pk, countries=["FR"])
    save_shipping_method(zone_id=zone.pk, name="Colissimo", carrier="Colissimo", price=Decimal("4.90"),
                         min_days=2, max_days=3)  # fmt: skip
    create_legal_entity()
    return channel, location


def stocked_product(channel, warehouse, *, name: str, sku: str, price: str, units: int, **fields):
    """A published product with one variant priced `price` in `channel` and `units` received at `warehouse`
    (through the stock service, so the ledger agrees). Returns (product, variant)."""
    from decimal import Decimal

    from comptoir.catalog.models import ProductStatus
    from comptoir.catalog.services import add_variant, create_product
    from comptoir.inventory.services import receive_stock

    product = create_product(name=name, status=ProductStatus.PUBLISHED, channel_ids=[channel.pk], **fields)
    variant = add_variant(product_id=product.pk, sku=sku, weight_grams=400, prices={channel.pk: Decimal(price)})
    receive_stock(location_id=warehouse.pk, variant_id=variant.pk, quantity=units, reference="bench")
    return product, variant
