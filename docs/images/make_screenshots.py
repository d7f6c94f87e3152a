"""Take the screenshots used in the README and the merchant guide, from a running demo shop.

    make demo                          # or: DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8765
    .venv/bin/python docs/images/make_screenshots.py --base http://127.0.0.1:8765 --password <printed one>

Storefront pages on a phone (390x844), back-office pages on a laptop screen, with Debian's Chromium
(/usr/bin/chromium; no browser is downloaded). Each PNG is reduced to a 256-colour palette to stay small.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fr-FR"}
LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}


def save(page: Page, name: str, *, full_page: bool = False) -> None:
    path = HERE / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(HERE.parent.parent)}  {path.stat().st_size // 1024} KiB")


def storefront(page: Page, base: str) -> None:
    page.goto(f"{base}/fr/")
    page.wait_for_load_state("networkidle")
    save(page, "storefront-home")
    page.locator("main .chips a").first.click()
    page.wait_for_load_state("networkidle")
    save(page, "storefront-category")
    page.locator("#results .card a").first.click()
    page.wait_for_load_state("networkidle")
    save(page, "storefront-product")


def back_office(page: Page, base: str, *, username: str, password: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    save(page, "admin-dashboard")
    page.goto(f"{base}/admin/catalog/product/")
    page.wait_for_load_state("networkidle")
    save(page, "admin-products")
    first = page.locator("#result_list tbody tr a, table tbody tr a").first
    href = first.get_attribute("href") or ""
    if re.search(r"/\d+/change/", href):
        page.goto(base + href if href.startswith("/") else href)
        page.wait_for_load_state("networkidle")
        save(page, "admin-product-edit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            storefront(browser.new_context(**PHONE).new_page(), args.base)
            back_office(
                browser.new_context(**LAPTOP).new_page(), args.base, username=args.username, password=args.password
            )
        finally:
            browser.close()


if __name__ == "__main__":
    main()
