from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from comptoir.core.errors import DomainError
from comptoir.demo.builder import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    DEFAULT_PRODUCTS,
    DEFAULT_SEED,
    catalogue_size,
    load_demo,
)
from comptoir.demo.plan import MIN_PRODUCTS


class Command(BaseCommand):
    help = (
        "Load a believable demo shop: two channels (EUR, USD), a category tree, products of every kind with "
        "variants, prices, stock in two locations, collections and generated pictures, plus a staff login. "
        "The same --seed gives the same shop. Does nothing if the catalogue already has products, unless "
        "--reset, which first WIPES THE WHOLE CATALOGUE (products, categories, stock, collections)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="How many products to create.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed: same seed, same shop.")
        parser.add_argument("--reset", action="store_true", help="Wipe the catalogue first, then load the demo.")
        parser.add_argument("--no-images", action="store_true", help="Skip drawing product pictures (faster).")
        parser.add_argument("--workers", type=int, default=None, help="Processes drawing pictures (default: CPUs).")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where the shop will be served.")

    def handle(self, *args, products, seed, reset, no_images, workers, url, **options):
        if products < MIN_PRODUCTS:
            raise CommandError(f"--products must be at least {MIN_PRODUCTS}, so that every product kind is shown.")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        url = url.rstrip("/")
        existing = catalogue_size()
        if existing and not reset:
            self.stdout.write(
                f"The catalogue already has {existing} products, so the demo was not loaded (nothing changed). "
                "Run `manage.py load_demo --reset` to wipe the catalogue and load the demo again."
            )
            if get_user_model().objects.filter(username=ADMIN_USERNAME, is_staff=True).exists():
                self._print_login(url, password_known=False)
            return
        try:
            report = load_demo(
                products=products,
                seed=seed,
                images=not no_images,
                reset=reset,
                workers=workers,
                log=lambda message: self.stdout.write(f"  {message}"),
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop loaded in {report.seconds:.1f} s (CPU time {report.cpu_seconds:.1f} s): "
                f"{report.products} products, {report.variants} variants, {report.categories} categories, "
                f"{report.collections} collections, {report.images} images."
            )
        )
        for what, codes in report.try_codes.items():
            self.stdout.write(f"  Try the {what}: {codes}")
        self._print_login(url, password_known=report.admin_created)

    def _print_login(self, url: str, *, password_known: bool) -> None:
        self.stdout.write(f"  Shop:        {url}/")
        self.stdout.write(f"  Back office: {url}/admin/")
        if password_known:
            self.stdout.write(
                f"  Login:       {ADMIN_USERNAME} / {ADMIN_PASSWORD}   "
                "(a fixed password for this local demo: change it before the shop goes online)"
            )
        else:
            self.stdout.write(
                f"  Login:       {ADMIN_USERNAME} (existing user: password unchanged; "
                f"the demo sets {ADMIN_PASSWORD!r} when it creates it)"
            )
