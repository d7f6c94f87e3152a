"""Django-side half of the storefront benchmark; run as a subprocess with the benchmark's environment.

Prints one JSON object: real storefront URLs sampled from the demo data (home, category, product and
search pages, in French like the default demo channel), the work each page costs on the server (SQL
queries and milliseconds, one request at a time through Django's test client), and facts about the
database for the report.

    DATABASE_URL=... SECRET_KEY=... python bench/probe.py --samples 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402

from comptoir.catalog.models import Category, Product  # noqa: E402
from comptoir.catalog.queries import visible_products  # noqa: E402
from comptoir.core.queries import resolve_channel  # noqa: E402

LANGUAGE = "fr"
WORD = re.compile(r"[^\W\d_]{4,}")


def sample_urls(*, samples: int, seed: int = 7) -> dict[str, list[str]]:
    """Paths per page kind, drawn from what the default channel really shows."""
    channel = resolve_channel()
    if channel is None:
        raise SystemExit("No active channel: did load_demo run?")
    rng = random.Random(seed)
    products = list(visible_products(channel).values_list("slug", "name", "category__slug"))
    if not products:
        raise SystemExit(f"No product visible in channel {channel.slug}: did load_demo run?")
    rng.shuffle(products)
    categories = sorted({category for _, _, category in products if category})
    words = sorted({word.lower() for _, name, _ in products for word in WORD.findall(name)})
    with translation.override(LANGUAGE):
        return {
            "home": [reverse("storefront:home")],
            "category": [
                reverse("storefront:category", kwargs={"slug": slug})
                for slug in rng.sample(categories, min(len(categories), 30))
            ],
            "product": [reverse("storefront:product", kwargs={"slug": slug}) for slug, _, _ in products[:samples]],
            "search": [reverse("storefront:search") + f"?q={word}" for word in rng.sample(words, min(len(words), 30))],
        }


def measure_work(urls: dict[str, list[str]], *, per_page: int = 10, repeats: int = 3) -> dict[str, dict[str, float]]:
    """Queries and server milliseconds per page, one request at a time (after one warm-up pass).

    Each address is timed `repeats` times and its fastest time kept, so that another process taking the
    CPU for a moment does not count as the page's work; the page's figure is the median over addresses.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    work = {}
    for page, paths in urls.items():
        paths = paths[:per_page]
        for path in paths:  # warm caches (channels, category tree, templates) as a running server has them
            client.get(path)
        queries, millis = [], []
        for path in paths:
            fastest = float("inf")
            for _ in range(repeats):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(path)
                    fastest = min(fastest, (time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
            millis.append(fastest)
            queries.append(len(captured.captured_queries))
        work[page] = {
            "queries": statistics.median(queries),
            "queries_max": max(queries),
            "work_ms": round(statistics.median(millis), 1),
        }
    return work


def database_facts() -> dict[str, object]:
    version = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
    elif connection.vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    elif connection.vendor == "mysql":
        version = ".".join(str(n) for n in connection.mysql_version)
    return {
        "vendor": connection.vendor,
        "version": version,
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "django": django.get_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200, help="product pages to sample")
    args = parser.parse_args()
    urls = sample_urls(samples=args.samples)
    json.dump({"urls": urls, "work": measure_work(urls), "database": database_facts()}, sys.stdout)


if __name__ == "__main__":
    main()
