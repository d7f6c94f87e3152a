import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from comptoir.core.schedule import periodic_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the shop's periodic jobs (expired checkout holds, lost events, partner retries, old idempotency "
        "keys) in a loop, or once with --once (for cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument("--only", action="append", default=[], help="Run only this job (repeatable).")

    def handle(self, *args, once, only, **options):
        jobs = [job for job in periodic_jobs() if not only or job.name in only]
        if unknown := set(only) - {job.name for job in jobs}:
            self.stderr.write(f"Unknown job(s): {', '.join(sorted(unknown))}")
            raise SystemExit(2)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        due = dict.fromkeys((job.name for job in jobs), 0.0)
        while not stopping:
            now = time.monotonic()
            for job in jobs:
                if once or now >= due[job.name]:
                    if not once:  # a long-running loop must not keep a dead or stale connection
                        close_old_connections()
                    try:
                        handled = job.run()
                    except Exception:  # one failing job must not stop the others; it runs again next time
                        logger.exception("periodic job %s failed", job.name)
                        handled = -1
                    due[job.name] = now + job.every_seconds
                    self.stdout.write(f"periodic job={job.name} handled={handled}")
            if once:
                break
            time.sleep(1)
