"""Where a buyer's CPU goes: the storefront HTML flow of the flash sale, step by step, inside one process.

    .venv/bin/python bench/profile_checkout.py [--db sqlite|postgresql] [--buyers 40] [--profile STEP]

A fresh database gets the flash sale's shop (bench/_common.py); then `--buyers` buyers, one after another,
go through the same requests as bench/flash_driver.py — product page, add to cart, checkout page, address,
checkout page, place order, payment page, pay with the TEST card, confirmation — through Django's test client
(the whole middleware stack, no server, no network). For every step it prints the CPU time of this process
(`time.process_time`, so waits on the database do not count) and the queries, as the mean over the buyers
after `--warm` unmeasured ones. `--profile STEP` runs pyinstrument around that step for every measured buyer
and prints where the time went (PROFILE_ALL=1: every frame). Settings as in production: DEBUG off, page and
fragment caches (in memory), cached_db sessions, tasks queued in the database (e-mails are a worker's CPU).

This is the tool behind docs/performance.md's "Checkout CPU per step" table; it measures the code, not a
server (bench/checkout.py and bench/flash_sale.py measure a server).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import french_shop, recreate_database, stocked_product
from bench.flash_driver import ADDRESS, CARD, DELIVERY, PAY_URL

DB_NAME = "comptoir_profile_bench"
STATIC = Path(__file__).resolve().parent.parent / "var" / "bench" / "static"
STEPS = ("product", "add", "checkout", "address", "checkout again", "place", "pay page", "pay", "done")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def configure(db: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "DATABASE_URL": recreate_database(db, DB_NAME),
            "CACHE_URL": "locmemcache://profile",
            "PAGE_CACHE": "1",  # as with Redis in production (one process here: a memory cache is shared)
            "FRAGMENT_CACHE": "1",
            "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
            "DEBUG": "0",
            "SECRET_KEY": "comptoir-profile-bench-not-secret",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_COOKIES": "0",
            "EMAIL_URL": "dummymail://",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "LOG_LEVEL": "ERROR",
            "STATIC_ROOT": str(STATIC),
            "CARD_PAYMENT_TRIES": "1000000",
        }
    )
    os.environ.pop("COMPTOIR_TEST_PROVIDER_FAULTS", None)
    STATIC.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)


def build_shop() -> dict:
    from comptoir.catalog.models import Category

    channel, warehouse = french_shop(slug="profile-fr", name="Profile France", language="en", warehouse="profile-wh")
    shelf = Category.objects.create(name="Shelf", slug="shelf", position=0)
    product, variant = stocked_product(channel, warehouse, name="Newsletter limited edition", sku="PROFILE-STAR",
                                       price="39.00", units=1_000_000, category_id=shelf.pk)  # fmt: skip
    return {"slug": product.slug, "variant_id": variant.pk}


class Buyer:
    """One buyer's client and the step being measured."""

    def __init__(self, client, index: int, shop: dict, record) -> None:
        from http.cookies import SimpleCookie

        # One client for all (a new one loads the middleware again: WhiteNoise scans the static files), each
        # buyer with a cookie jar and an address of its own, as in the flash sale (the per-IP payment limit).
        client.cookies = SimpleCookie()
        client.defaults["REMOTE_ADDR"] = f"127.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 or 1}"
        self.client, self.index, self.shop, self.record = client, index, shop, record

    def call(self, step: str, method: str, path: str, data: dict | None = None):
        with self.record(step):
            response = self.client.post(path, data) if method == "POST" else self.client.get(path)
        if response.status_code >= 400:
            raise SystemExit(f"{step}: {response.status_code} {response.content[:300]!r}")
        return response

    def buy(self) -> None:
        email = {"email": f"buyer{self.index}@example.fr"}
        self.call("product", "GET", f"/en/p/{self.shop['slug']}/")
        self.call("add", "POST", "/en/cart/add/", {"variant": str(self.shop["variant_id"]), "quantity": "1"})
        page = self.call("checkout", "GET", "/en/checkout/")
        form = {"csrfmiddlewaretoken": csrf(page), **email, **ADDRESS, "billing_same": "1"}
        self.call(
            "address", "POST", "/en/checkout/place/", {**form, "payment_method": "test:card", "action": "address"}
        )
        page = self.call("checkout again", "GET", "/en/checkout/")
        option = DELIVERY.search(page.content).group(1).decode()
        placed = self.call("place", "POST", "/en/checkout/place/",
                           {**form, "csrfmiddlewaretoken": csrf(page), "delivery_option": option,
                            "payment_method": "test:card", "action": "place"})  # fmt: skip
        token = PAY_URL.search(placed["Location"]).group(1)
        pay_page = self.call("pay page", "GET", f"/en/checkout/pay/{token}/")
        card = {"csrfmiddlewaretoken": csrf(pay_page), "method": "test:card", "card_number": CARD}
        paid = self.call("pay", "POST", f"/en/checkout/pay/{token}/", card)
        if "/checkout/done/" not in paid["Location"]:
            raise SystemExit(f"pay: not paid ({paid['Location']})")
        self.call("done", "GET", f"/en/checkout/done/{token}/")


def csrf(response) -> str:
    return CSRF.search(response.content).group(1).decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--buyers", type=int, default=40, help="measured buyers (default 40)")
    parser.add_argument("--warm", type=int, default=5, help="unmeasured buyers first (default 5)")
    parser.add_argument("--profile", choices=STEPS, help="pyinstrument around this step")
    args = parser.parse_args()
    configure(args.db)
    from contextlib import contextmanager

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shop = build_shop()
    cpu: dict[str, list[float]] = {step: [] for step in STEPS}
    queries: dict[str, list[int]] = {step: [] for step in STEPS}
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    measuring = False

    @contextmanager
    def record(step: str):
        profiling = measuring and profiler is not None and step == args.profile
        connection.queries_log.clear()  # a full log (9,000 queries) would count nothing more
        with CaptureQueriesContext(connection) as captured:
            if profiling:
                profiler.start()
            began = time.process_time()
            yield
            spent = time.process_time() - began
            if profiling:
                profiler.stop()
        if measuring:
            cpu[step].append(spent * 1000)
            queries[step].append(len(captured))

    from django.test import Client

    client = Client(HTTP_ORIGIN="http://testserver")
    for index in range(args.warm):
        Buyer(client, index, shop, record).buy()
    measuring = True
    for index in range(args.warm, args.warm + args.buyers):
        Buyer(client, index, shop, record).buy()

    print(f"{args.buyers} buyers on {args.db}, after {args.warm} warm ones: CPU ms (mean, median) and queries per step")
    print(f"{'step':<16}{'mean ms':>10}{'median ms':>11}{'queries':>9}")
    for step in STEPS:
        print(f"{step:<16}{statistics.fmean(cpu[step]):>10.1f}{statistics.median(cpu[step]):>11.1f}"
              f"{statistics.fmean(queries[step]):>9.1f}")  # fmt: skip
    checkout_steps = STEPS[1:]
    total = sum(statistics.fmean(cpu[step]) for step in checkout_steps)
    count = sum(statistics.fmean(queries[step]) for step in checkout_steps)
    print(f"{'add → done':<16}{total:>10.1f}{'':>11}{count:>9.1f}")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
