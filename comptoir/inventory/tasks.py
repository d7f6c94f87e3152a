from django.tasks import task

from comptoir.inventory import services


@task()
def expire_reservations() -> int:
    """Release checkout holds whose time is up (run every minute: see docs/operations.md)."""
    return services.expire_reservations()
