"""Switch the checkout waiting room for every app server, e.g. just before the newsletter goes out.

manage.py waiting_room                 # show the mode, the rate and the queue
manage.py waiting_room on --rate 20    # queue every buyer entering checkout; let in 20 a second
manage.py waiting_room auto            # queue only while checkout is busy
manage.py waiting_room off
manage.py waiting_room settings        # forget the run-time switch: back to the settings
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from comptoir.checkout import admission


class Command(BaseCommand):
    help = "Show or switch the checkout waiting room (off, on, auto) for every app server."

    def add_arguments(self, parser):
        parser.add_argument("mode", nargs="?", choices=[*admission.MODES, "settings"])
        parser.add_argument("--rate", type=int, help="buyers let into checkout per second")
        parser.add_argument("--threshold", type=int, help="auto: checkout requests in flight that count as load")
        parser.add_argument("--latency-ms", type=int, help="auto: recent average duration that counts as load")

    def handle(self, *args, mode=None, rate=None, threshold=None, latency_ms=None, **options):
        for name, value in (("--rate", rate), ("--threshold", threshold), ("--latency-ms", latency_ms)):
            if value is not None and value < 1:
                raise CommandError(f"{name} must be at least 1.")
        try:
            if mode == "settings":
                cfg = admission.reset_switch()
            elif mode or rate or threshold or latency_ms:
                cfg = admission.switch(mode=mode, rate=rate, threshold=threshold, latency_ms=latency_ms)
            else:
                cfg = admission.config()
        except admission.SwitchBusyError as exc:
            raise CommandError(
                "Another switch of the waiting room held its lock for 5 seconds (or the cache refuses writes): "
                "nothing changed. Try again."
            ) from exc
        self.stdout.write(
            f"waiting room: {cfg.mode}, {cfg.rate} buyers a second, auto threshold {cfg.threshold} in flight "
            f"or {cfg.latency_ms} ms; queue now {admission.queue_length()}"
        )
