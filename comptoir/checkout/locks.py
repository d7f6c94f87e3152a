"""Every row lock the checkout domain takes: the buyer's checkout row, first in the global lock order
(comptoir/core/locks.py).

The row is locked on its own, never joined: `select_related` on a locking query makes PostgreSQL and MariaDB
lock the joined rows too, and locking the channel would make every buyer of a channel wait for every other
(the checkout benchmark found exactly that). The channel comes from the cached channel list instead.
"""

from __future__ import annotations

from comptoir.checkout.models import Checkout
from comptoir.core.models import Channel
from comptoir.core.queries import list_active_channels


def checkout(*, checkout_id: int) -> Checkout | None:
    """The checkout row, locked until the transaction ends, with its channel attached (None if it is gone)."""
    locked = Checkout.objects.select_for_update().filter(pk=checkout_id).first()
    if locked is not None:
        channel = next((c for c in list_active_channels() if c.pk == locked.channel_id), None)
        locked.channel = channel or Channel.objects.get(pk=locked.channel_id)
    return locked
