"""manage.py reconcile_payments, the payment invariants, and provider accounts."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from comptoir.core.invariants import registered_checks
from comptoir.payments.accounts import account_config, decrypt_secrets, save_account
from comptoir.payments.gateways import available_methods, gateway_for
from comptoir.payments.models import Payment, PaymentTransaction, ProviderAccount
from tests.payments.helpers import SUCCESS, UNREACHABLE, started

pytestmark = pytest.mark.django_db


def test_reconcile_payments_settles_what_the_provider_captured_and_says_so():
    payment = started(UNREACHABLE)
    out = StringIO()

    call_command("reconcile_payments", "--older-than", "0", stdout=out)

    payment.refresh_from_db()
    assert payment.status == "captured"
    assert "Asked the providers about 1 payment(s):" in out.getvalue()
    assert "Paid: 1" in out.getvalue() and "1 settled, 0 still undecided." in out.getvalue()


def test_reconcile_payments_with_nothing_to_do_says_so():
    out = StringIO()

    call_command("reconcile_payments", stdout=out)

    assert out.getvalue().strip() == "No payment undecided for more than 15 minutes."


def test_reconcile_payments_refuses_a_bad_limit():
    with pytest.raises(CommandError, match="--limit"):
        call_command("reconcile_payments", "--limit", "0")


def test_reconciliation_is_a_periodic_job():
    from comptoir.core.schedule import periodic_jobs

    assert "reconcile_payments" in {job.name for job in periodic_jobs()}


def test_the_payment_ledger_check_passes_on_a_real_history_and_catches_a_seeded_violation():
    check = registered_checks()["payment_ledger"]
    payment = started(SUCCESS)
    assert check().violations == []

    Payment.objects.filter(pk=payment.pk).update(captured_amount=Decimal("20.00"))  # not what the ledger says
    result = check()

    assert [v.message for v in result.violations] == ["captured 20.00 but its ledger adds up to 50.00"]


def test_the_ledger_check_catches_a_capture_missing_from_the_ledger():
    check = registered_checks()["payment_ledger"]
    payment = started(SUCCESS)

    PaymentTransaction.objects.filter(payment=payment).update(captured_delta=0)

    assert len(check().violations) == 1


def test_secrets_are_stored_encrypted_and_read_back_for_the_gateway(channel):
    account = save_account(
        account=ProviderAccount(channel=channel, provider="stripe", settings={"publishable_key": "pk_test_1"}),
        secrets={"api_key": "sk_test_secret", "webhook_secret": "whsec_1"},
    )

    stored = ProviderAccount.objects.get(pk=account.pk).encrypted_secrets
    assert "sk_test_secret" not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert decrypt_secrets(stored) == {"api_key": "sk_test_secret", "webhook_secret": "whsec_1"}
    assert account_config(account)["api_key"] == "sk_test_secret"
    assert gateway_for("stripe:card", channel).publishable_key == "pk_test_1"


def test_blank_secrets_keep_the_stored_ones(channel):
    account = save_account(account=ProviderAccount(provider="stripe"), secrets={"api_key": "sk_1"})

    save_account(account=account, secrets={"api_key": "", "webhook_secret": "whsec_2"})

    assert decrypt_secrets(account.encrypted_secrets) == {"api_key": "sk_1", "webhook_secret": "whsec_2"}


def test_secrets_can_come_from_the_environment(channel, monkeypatch):
    monkeypatch.setenv("STRIPE_FR_API_KEY", "sk_from_env")
    account = save_account(account=ProviderAccount(channel=channel, provider="stripe", env_prefix="STRIPE_FR"))

    assert account_config(account)["api_key"] == "sk_from_env"


def test_a_disabled_account_removes_the_provider_from_that_channel_only(channel, usd_channel):
    save_account(account=ProviderAccount(channel=channel, provider="test", enabled=False))
    save_account(account=ProviderAccount(channel=None, provider="test"))

    assert available_methods(channel) == []
    assert [m.code for m in available_methods(usd_channel)] == ["test:card"]


def test_a_provider_whose_module_is_missing_is_simply_not_offered(channel, settings):
    settings.PAYMENT_GATEWAY_CLASSES = {"mollie": "comptoir.payments.providers.no_such_module.Gateway"}
    save_account(account=ProviderAccount(channel=channel, provider="mollie"))

    assert [m.code for m in available_methods(channel)] == ["test:card"]


def test_a_payment_is_still_refunded_through_its_providers_account_once_that_account_is_disabled(channel):
    from comptoir.payments.services import confirm_payment, create_payment, refund_payment
    from tests.payments.helpers import eur

    account = save_account(account=ProviderAccount(channel=channel, provider="test"))
    payment = create_payment(order_ref="D", method_code="test:card", amount=eur("30.00"), channel_id=channel.pk)
    confirm_payment(reference=payment.reference, data=SUCCESS)
    account.enabled = False
    save_account(account=account)

    refund_payment(reference=payment.reference, amount=eur("30.00"), key="after-disabling")

    payment.refresh_from_db()
    assert available_methods(channel) == [] and payment.status == "refunded"


def test_an_account_whose_secrets_cannot_be_read_is_left_out_instead_of_breaking_the_checkout(channel):
    save_account(account=ProviderAccount(channel=channel, provider="stripe", encrypted_secrets="not-a-fernet-token"))

    assert [m.code for m in available_methods(channel)] == ["test:card"]
