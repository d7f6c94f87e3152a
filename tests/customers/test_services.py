"""Customer accounts: the e-mail address is the login, stored lower-cased, one account per address."""

import threading

import pytest
from django.contrib.auth import get_user_model

from comptoir.core.errors import InvalidInputError
from comptoir.customers import services
from comptoir.customers.errors import EmailTakenError, InvalidPasswordError
from comptoir.customers.services import register_customer, update_customer_profile
from tests.orders.account_factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_registering_stores_the_address_lower_cased_as_login_and_hashes_the_password():
    user = register_customer(email="  Ada@Example.COM ", password=PASSWORD, first_name=" Ada ", last_name="Lovelace")

    assert (user.username, user.email, user.first_name, user.last_name) == (
        "ada@example.com",
        "ada@example.com",
        "Ada",
        "Lovelace",
    )
    assert user.password != PASSWORD and user.check_password(PASSWORD)
    assert not user.is_staff


def test_an_address_taken_in_another_case_is_refused_and_nothing_is_written():
    make_customer("ada@example.com")

    with pytest.raises(EmailTakenError) as refused:
        register_customer(email="ADA@EXAMPLE.COM", password=PASSWORD)

    assert refused.value.data == {"field": "email"} and refused.value.status == 422
    assert User.objects.count() == 1


def test_an_address_used_as_a_staff_login_is_taken_too():
    User.objects.create_user(username="Boss@Example.com", email="", password=PASSWORD, is_staff=True)

    with pytest.raises(EmailTakenError):
        register_customer(email="boss@example.com", password=PASSWORD)


@pytest.mark.parametrize("email", ["", "not an address", "a@b", "x" * 140 + "@example.com"])
def test_a_malformed_address_is_refused(email):
    with pytest.raises(InvalidInputError):
        register_customer(email=email, password=PASSWORD)

    assert not User.objects.exists()


def test_a_weak_password_is_refused_with_every_rule_it_breaks():
    with pytest.raises(InvalidPasswordError) as refused:
        register_customer(email="ada@example.com", password="1234")

    messages = [error["message"] for error in refused.value.errors]
    assert "This password is too short. It must contain at least 8 characters." in messages
    assert "This password is entirely numeric." in messages
    assert not User.objects.exists()


def test_a_password_like_the_address_is_refused():
    with pytest.raises(InvalidPasswordError):
        register_customer(email="adalovelace@example.com", password="adalovelace")


def test_a_customer_changing_their_address_signs_in_with_the_new_one():
    customer = make_customer("ada@example.com")

    update_customer_profile(user_id=customer.pk, email="Augusta@Example.com", first_name="Augusta", last_name="King")

    customer.refresh_from_db()
    assert (customer.username, customer.email, customer.first_name) == (
        "augusta@example.com",
        "augusta@example.com",
        "Augusta",
    )


def test_a_staff_member_keeps_their_own_login_when_changing_address():
    staff = User.objects.create_user(username="boss", email="boss@example.com", password=PASSWORD, is_staff=True)

    update_customer_profile(user_id=staff.pk, email="chief@example.com", first_name="", last_name="")

    staff.refresh_from_db()
    assert (staff.username, staff.email) == ("boss", "chief@example.com")


def test_an_address_another_account_uses_cannot_be_taken():
    make_customer("bob@example.com")
    customer = make_customer("ada@example.com")

    with pytest.raises(EmailTakenError):
        update_customer_profile(user_id=customer.pk, email="BOB@example.com", first_name="Ada", last_name="")

    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_keeping_ones_own_address_is_not_a_clash():
    customer = make_customer("ada@example.com")

    update_customer_profile(user_id=customer.pk, email="ada@example.com", first_name="Ada", last_name="King")

    customer.refresh_from_db()
    assert customer.last_name == "King"


@pytest.mark.django_db(transaction=True)
def test_two_sign_ups_racing_with_one_address_leave_one_account_and_tell_the_others_it_is_taken(
    run_in_threads, monkeypatch
):
    # Every sign-up finds the address free before any of them writes: only the unique login can stop them.
    checked = threading.Barrier(6)
    look = services._address_taken

    def look_together(email, **kwargs):
        taken = look(email, **kwargs)
        checked.wait(timeout=30)
        return taken

    monkeypatch.setattr(services, "_address_taken", look_together)

    results = run_in_threads(
        lambda i: register_customer(email="Ada@example.com" if i % 2 else "ada@EXAMPLE.com", password=PASSWORD), n=6
    )

    assert sorted(type(r).__name__ for r in results if isinstance(r, Exception)) == ["EmailTakenError"] * 5
    assert User.objects.filter(email="ada@example.com").count() == 1
