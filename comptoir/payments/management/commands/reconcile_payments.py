"""manage.py reconcile_payments: ask the providers about payments still undecided and settle them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from comptoir.payments.models import PaymentStatus
from comptoir.payments.provider_refunds import UNLISTED
from comptoir.payments.services import reconcile_payments


class Command(BaseCommand):
    help = (
        "Ask the payment providers where payments still pending or awaiting the buyer stand, and record it: "
        "captured payments mark their orders paid, failed and cancelled ones are recorded. Paid payments whose "
        "refunds or chargebacks the provider could not list earlier are asked again. Safe to run at any "
        "time and concurrently (each answer is recorded under the payment's lock)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=15, metavar="MINUTES", help="Only payments started this long ago."
        )
        parser.add_argument("--limit", type=int, default=200, help="At most this many payments per run.")

    def handle(self, *args, older_than: int, limit: int, **options):
        if older_than < 0 or limit <= 0:
            raise CommandError("--older-than must be 0 or more and --limit more than 0.")
        counts = reconcile_payments(older_than_minutes=older_than, limit=limit)
        asked = sum(counts.values())
        if not asked:
            self.stdout.write(f"No payment undecided for more than {older_than} minutes.")
            return
        labels = {
            **dict(PaymentStatus.choices),
            "errors": "could not ask (provider not configured)",
            UNLISTED: "refunds and chargebacks still to list (provider did not answer)",
        }
        self.stdout.write(f"Asked the providers about {asked} payment(s):")
        for status, count in sorted(counts.items()):
            self.stdout.write(f"  {labels.get(status, status)}: {count}")
        waiting = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, UNLISTED)
        settled = asked - sum(counts.get(status, 0) for status in waiting)
        self.stdout.write(self.style.SUCCESS(f"{settled} settled, {asked - settled} still undecided."))
        if counts.get("errors"):
            raise CommandError(f"{counts['errors']} payment(s) could not be checked: is their provider configured?")
