from django.core.management.base import BaseCommand

from comptoir.inventory.services import expire_reservations


class Command(BaseCommand):
    help = "Release checkout stock holds that have expired. Safe to run from several machines at once."

    def handle(self, *args, **options):
        total = 0
        while released := expire_reservations():
            total += released
        self.stdout.write(f"expired_reservations released={total}")
