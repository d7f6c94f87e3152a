"""The flash-sale buyers: a separate process that bench/flash_sale.py starts, so that the clients' CPU is
not the server's and the figures it returns are only what the clients saw.

    .venv/bin/python bench/flash_driver.py PLAN.json RESULT.json

PLAN gives the server (loopback only), the number of buyers, the arrival window, the seed, and the catalogue
(category slugs, product slugs with their variant ids, the featured product). Each buyer arrives at a random
moment of the window (seeded: the same plan gives the same buyers) and goes through the real storefront
HTML flow, with its own cookie jar and the CSRF token of each form, as a browser without JavaScript would:

- every buyer: home page, a category page, a product page (the featured one for half of them);
- a quarter of them: "Add to cart" (POST with the form's CSRF token), unless the page says sold out;
- a tenth of them (most wanting the featured product): the checkout page (which holds their items, or tells
  them it sold out; in a waiting room they wait on its page, refreshing as it asks), the address, the
  delivery option read from the page, "Place order", the TEST card on the payment page, the confirmation.

Every request is bounded (`timeout`); the whole run is bounded (window + grace, then the last buyers are
cancelled). RESULT gets each step's latencies and statuses, outcomes, errors and the order tokens the
clients saw paid.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.flash_http import BadResponseError, Jar, Response, buyer_address, fetch
from bench.flash_report import SOLD_OUT, Tally
from bench.loadgen import assert_loopback

ADD_FORM = b'action="/en/cart/add/"'  # the product page's add-to-cart form

CARD = "4242 4242 4242 4242"
ADDRESS = {
    "shipping-full_name": "Camille Martin",
    "shipping-street_address_1": "12 rue de la Paix",
    "shipping-city": "Paris",
    "shipping-postal_code": "75002",
    "shipping-country_code": "FR",
    "shipping-phone": "+33 6 12 34 56 78",
}
DELIVERY = re.compile(rb'name="delivery_option" id="[^"]*" value="([^"]+)"')
PAY_URL = re.compile(r"/checkout/pay/([\w-]+)/")
QUEUE_HEADER = "comptoir-waiting-room"
SHED_HEADER = "comptoir-overload"  # comptoir.storefront.overload: a request shed because it waited too long


def what_it_says(response: Response) -> str:
    """A short sample of an unexpected answer: its alert or its title, else its start."""
    for pattern in (rb'role="alert"[^>]*>(.*?)</', rb"<title>(.*?)</title>"):
        found = re.search(pattern, response.body, re.DOTALL)
        if found:
            return re.sub(rb"<[^>]+>|\s+", b" ", found.group(1)).decode(errors="replace").strip()
    return response.body[:200].decode(errors="replace")


class GaveUpError(Exception):
    """This buyer's visit ended here (already counted)."""


@dataclass
class Plan:
    host: str
    port: int
    buyers: int
    seconds: float
    seed: int
    categories: list[str]
    products: list[dict]
    featured: dict
    timeout: float = 10.0
    grace: float = 30.0
    cart_share: float = 0.25
    checkout_share: float = 0.10
    featured_share: float = 0.5
    max_connections: int = 400


class Buyer:
    def __init__(self, plan: Plan, tally: Tally, gate: asyncio.Semaphore, rng: random.Random, index: int):
        self.plan, self.tally, self.gate, self.rng, self.index = plan, tally, gate, rng, index
        self.jar = Jar()
        self.address = buyer_address(index)
        self.requests = 0

    async def call(self, step: str, method: str, path: str, form: dict | None = None) -> Response:
        """One request; when the shop sheds it ("busy", 503 with Retry-After), asked again after Retry-After as
        the busy page's refresh does (a form: as a person sends it again), while the run lasts."""
        deadline = self.started + self.plan.seconds + self.plan.grace
        response = await self.request(step, method, path, form)
        while response.status == 503 and response.headers.get(SHED_HEADER) == "shed":
            self.tally.outcomes["shed (asked again)"] += 1
            wait = float(response.headers.get("retry-after", "5") or 5)
            if time.monotonic() + wait > deadline:
                self.tally.outcomes["still shed at the end"] += 1
                raise GaveUpError
            await asyncio.sleep(wait)
            response = await self.request(step, method, path, form)
        return response

    async def request(self, step: str, method: str, path: str, form: dict | None = None) -> Response:
        """One request, timed from the moment the buyer wants it (a browser has its own connection: waiting
        here for a free one stands for the server's listen queue). A 5xx other than the waiting room's or a
        shed answer, a timeout or a broken answer ends the visit."""
        began = time.perf_counter()
        # Stamped as a reverse proxy would when the request arrives: the time spent waiting for a connection
        # stands for the time a real request waits in the server's listen queue.
        stamp = {"X-Request-Start": f"t={time.time():.3f}"}
        if method == "POST":  # as a browser does: the shop checks it on token-less forms
            stamp["Origin"] = f"http://{self.plan.host}:{self.plan.port}"
        self.requests += 1
        try:
            async with self.gate:
                response = await fetch(self.plan.host, self.plan.port, method, path, jar=self.jar, form=form,
                                       timeout=self.plan.timeout, source=self.address, headers=stamp)  # fmt: skip
        except TimeoutError:
            self.tally.error(f"{step} timeout")
            raise GaveUpError from None
        except (OSError, BadResponseError) as exc:
            self.tally.error(f"{step} {type(exc).__name__}", str(exc))
            raise GaveUpError from None
        self.tally.answered(step, response.status, (time.perf_counter() - began) * 1000)
        if response.status >= 500 and QUEUE_HEADER not in response.headers and SHED_HEADER not in response.headers:
            self.tally.error(f"{step} {response.status}", what_it_says(response))
            raise GaveUpError
        return response

    def unexpected(self, step: str, response: Response) -> GaveUpError:
        self.tally.error(f"{step} unexpected {response.status}", what_it_says(response))
        return GaveUpError()

    async def visit(self) -> None:
        plan, rng, tally = self.plan, self.rng, self.tally
        wants_cart = rng.random() < plan.cart_share
        checks_out = wants_cart and rng.random() < plan.checkout_share / plan.cart_share
        featured = rng.random() < (0.8 if checks_out else plan.featured_share)
        product = plan.featured if featured else rng.choice(plan.products)
        await self.call("home", "GET", "/en/")
        await self.call("category", "GET", f"/en/c/{rng.choice(plan.categories)}/")
        page = await self.call("product", "GET", f"/en/p/{product['slug']}/")
        if page.status != 200:
            raise self.unexpected("product", page)
        tally.outcomes["browsed"] += 1
        if not wants_cart:
            return
        # The anonymous product page carries no CSRF token (it is cached for everyone): the add-to-cart form is
        # checked by its Origin, which a browser sends with every POST.
        if ADD_FORM not in page.body:
            if SOLD_OUT.search(page.body):
                tally.outcomes["sold out told (product page)"] += 1
                return
            raise self.unexpected("product (no form)", page)
        form = {"variant": str(product["variant_id"]), "quantity": "1"}
        if token := page.csrf():
            form["csrfmiddlewaretoken"] = token
        added = await self.call("add", "POST", "/en/cart/add/", form)
        if added.status == 409 and SOLD_OUT.search(added.body):
            tally.outcomes["sold out told (add)"] += 1
            return
        if added.status != 302:
            raise self.unexpected("add", added)
        tally.outcomes["added to cart"] += 1
        if checks_out:
            await self.checkout()

    async def checkout_page(self) -> Response:
        """The checkout page; in the waiting room, wait on its page as long as it asks (bounded by the run)."""
        deadline = self.started + self.plan.seconds + self.plan.grace
        page = await self.call("checkout", "GET", "/en/checkout/")
        queued = False
        while QUEUE_HEADER in page.headers:
            if not queued:
                self.tally.outcomes["queued"] += 1
                queued = True
            if page.headers.get(QUEUE_HEADER) == "sold-out":
                self.tally.outcomes["sold out told (waiting room)"] += 1
                raise GaveUpError
            wait = float(page.headers.get("retry-after", "5") or 5)
            if time.monotonic() + wait > deadline:
                self.tally.outcomes["still queued at the end"] += 1
                raise GaveUpError
            await asyncio.sleep(wait)
            page = await self.call("queue", "GET", "/en/checkout/")
        if queued:
            self.tally.outcomes["admitted from the queue"] += 1
        if page.status != 200:
            raise self.unexpected("checkout", page)
        return page

    async def checkout(self) -> None:
        tally = self.tally
        page = await self.checkout_page()
        if SOLD_OUT.search(page.body):
            tally.outcomes["sold out told (checkout)"] += 1
            return
        email = {"email": f"buyer{self.index}@example.fr"}
        saved = await self.call("address", "POST", "/en/checkout/place/",
                                {"csrfmiddlewaretoken": page.csrf(), **email, **ADDRESS, "billing_same": "1",
                                 "payment_method": "test:card", "action": "address"})  # fmt: skip
        if saved.status != 302:
            raise self.unexpected("address", saved)
        page = await self.checkout_page()
        options = DELIVERY.findall(page.body)
        if not options:
            raise self.unexpected("checkout (no delivery option)", page)
        placed = await self.call("place", "POST", "/en/checkout/place/",
                                 {"csrfmiddlewaretoken": page.csrf(), **email, **ADDRESS, "billing_same": "1",
                                  "delivery_option": options[0].decode(), "payment_method": "test:card",
                                  "action": "place"})  # fmt: skip
        if placed.status == 409 and SOLD_OUT.search(placed.body):
            tally.outcomes["sold out told (place order)"] += 1
            return
        found = PAY_URL.search(placed.location) if placed.status == 302 else None
        if not found:
            raise self.unexpected("place", placed)
        tally.outcomes["orders placed"] += 1
        pay_path = f"/en/checkout/pay/{found.group(1)}/"
        for attempt in range(3):  # a buyer whose payment failed or hung tries again, as people do
            retry = attempt < 2
            try:
                pay_page = await self.call("pay page", "GET", pay_path)
            except GaveUpError:
                if retry:
                    continue
                raise
            if pay_page.status == 302 and "/checkout/done/" in pay_page.location:
                break  # the earlier try went through after all
            if pay_page.status != 200:
                raise self.unexpected("pay page", pay_page)
            form = {"csrfmiddlewaretoken": pay_page.csrf(), "method": "test:card", "card_number": CARD}
            try:
                paid = await self.call("pay", "POST", pay_path, form)
            except GaveUpError:
                if retry:
                    tally.outcomes["pay tried again (timeout)"] += 1
                    continue
                raise
            if paid.status == 302 and "/checkout/done/" in paid.location:
                break
            if paid.status in (409, 422, 429) and retry:
                tally.outcomes["pay tried again (refused)"] += 1
                continue
            raise self.unexpected("pay", paid)
        tally.tokens.add(found.group(1))
        tally.outcomes["paid"] += 1
        await self.call("done", "GET", f"/en/checkout/done/{found.group(1)}/")


async def drive(plan: Plan) -> dict:
    assert_loopback(f"http://{plan.host}:{plan.port}/")
    tally = Tally()
    gate = asyncio.Semaphore(plan.max_connections)
    rng = random.Random(plan.seed)
    arrivals = sorted(rng.uniform(0, plan.seconds) for _ in range(plan.buyers))
    cpu_before, began = time.process_time(), time.monotonic()
    requests = 0

    async def one(index: int, at: float) -> None:
        nonlocal requests
        await asyncio.sleep(max(0.0, began + at - time.monotonic()))
        buyer = Buyer(plan, tally, gate, random.Random(plan.seed * 100_003 + index), index)
        buyer.started = began
        try:
            await buyer.visit()
        except GaveUpError:
            pass
        finally:
            requests += buyer.requests

    tasks = [asyncio.create_task(one(i, at)) for i, at in enumerate(arrivals)]
    done, pending = await asyncio.wait(tasks, timeout=plan.seconds + plan.grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if pending:
        tally.error("visit cancelled at the end of the grace period", f"{len(pending)} buyers")
        tally.errors["visit cancelled at the end of the grace period"] = len(pending)
    for task in done:
        if task.exception() is not None:  # a bug in this driver, not in the server: say so loudly
            tally.error(f"driver crash {type(task.exception()).__name__}", str(task.exception()))
    elapsed = time.monotonic() - began
    return {**tally.as_json(), "requests": requests, "elapsed": elapsed,
            "client_cpu": (time.process_time() - cpu_before) / elapsed}  # fmt: skip


def main() -> int:
    plan_file, result_file = sys.argv[1:3]
    plan = Plan(**json.loads(Path(plan_file).read_text()))
    result = asyncio.run(drive(plan))
    Path(result_file).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
