from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from comptoir.inventory.models import Reservation
from comptoir.inventory.services import receive_stock, reserve_stock
from tests.factories import LocationFactory, VariantFactory


@pytest.mark.django_db
def test_running_the_periodic_jobs_once_releases_expired_holds(capsys):
    variant = VariantFactory()
    receive_stock(location_id=LocationFactory().pk, variant_id=variant.pk, quantity=5)
    reserve_stock(holder="gone", quantities={variant.pk: 2}, now=timezone.now() - timedelta(hours=1))

    call_command("run_periodic_jobs", "--once")

    out = capsys.readouterr().out
    assert "periodic job=expire_reservations handled=1" in out
    assert "periodic job=dispatch_pending_events" in out
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_an_unknown_job_name_is_refused_with_exit_code_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("run_periodic_jobs", "--once", "--only", "nope")

    assert exit_.value.code == 2
    assert "Unknown job(s): nope" in capsys.readouterr().err
