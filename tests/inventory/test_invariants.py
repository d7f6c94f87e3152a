import pytest
from django.core.management import call_command

from comptoir.inventory.models import StockLevel
from comptoir.inventory.services import allocate_order, receive_stock, reserve_stock
from tests.factories import LocationFactory, VariantFactory

pytestmark = pytest.mark.django_db


def run_check(capsys):
    try:
        call_command("check_invariants")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def busy_stock():
    variant, location = VariantFactory(), LocationFactory()
    receive_stock(location_id=location.pk, variant_id=variant.pk, quantity=10)
    reserve_stock(holder="c1", quantities={variant.pk: 2})
    allocate_order(order_ref="o1", quantities={variant.pk: 3})
    return StockLevel.objects.get(variant=variant)


def test_stock_changed_only_through_services_has_no_violation(capsys):
    busy_stock()

    code, out, _ = run_check(capsys)

    assert code == 0
    assert out.startswith("invariants ") and "stock_rows=1 " in out
    assert out.strip().endswith(" violations=0")


def test_a_counter_changed_behind_the_ledger_is_reported_with_exit_code_1(capsys):
    level = busy_stock()
    StockLevel.objects.filter(pk=level.pk).update(on_hand=12)

    code, out, err = run_check(capsys)

    assert code == 1
    assert "violations=1" in out
    assert "ledger says 10 on hand, row says 12" in err


def test_a_hold_deleted_without_releasing_its_units_is_reported(capsys):
    level = busy_stock()
    level.reservations.all().delete()

    code, _, err = run_check(capsys)

    assert code == 1
    assert "0 units held by checkouts, row says 2 reserved" in err
