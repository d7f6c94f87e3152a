"""Jobs the shop runs on a clock: releasing expired checkout holds, re-dispatching lost events, retrying
partner requests, forgetting old idempotency answers, cancelling card orders left unpaid, forgetting
abandoned anonymous carts, charging the instalments that fell due, putting back in the queue the tasks a dead
worker left running.

`manage.py run_periodic_jobs` runs them in a loop (one process per shop is enough; several are safe, since
every job is written to run concurrently without doing its work twice). Or call it with `--once` from
cron or a systemd timer every minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], int]  # returns how many things it handled, for the log


def periodic_jobs() -> list[PeriodicJob]:
    # Imported here so this module stays importable before the apps are ready.
    from comptoir.checkout.services import delete_stale_carts
    from comptoir.core.events import dispatch_pending
    from comptoir.core.idempotency import purge_expired
    from comptoir.core.task_recovery import requeue_stalled_tasks
    from comptoir.fulfillment.services import resend_pending_requests
    from comptoir.inventory.services import expire_reservations
    from comptoir.orders.services import expire_unpaid_orders
    from comptoir.payments.instalments.services import charge_due_instalments
    from comptoir.payments.services import reconcile_payments

    return [
        PeriodicJob("expire_reservations", 30, expire_reservations),
        PeriodicJob("dispatch_pending_events", 60, dispatch_pending),
        PeriodicJob("resend_partner_requests", 300, resend_pending_requests),
        PeriodicJob("purge_idempotency_keys", 3600, purge_expired),
        PeriodicJob("expire_unpaid_orders", 60, expire_unpaid_orders),
        PeriodicJob("delete_stale_carts", 3600, delete_stale_carts),
        PeriodicJob("reconcile_payments", 300, lambda: sum(reconcile_payments(older_than_minutes=15).values())),
        PeriodicJob("charge_due_instalments", 600, charge_due_instalments),
        PeriodicJob("requeue_stalled_tasks", 300, requeue_stalled_tasks),
    ]
