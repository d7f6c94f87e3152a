"""The buyer's account pages: sign up, sign in and out, the sign-in brake, password reset and change, details.

The e-mail address is the login. Signing in or up brings the anonymous cart into the account.
"""

import re
import time

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail

from comptoir.checkout.cookies import CART_COOKIE
from comptoir.checkout.models import Checkout
from comptoir.storefront.views import account as account_views
from tests.orders.account_factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a brand new passphrase"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def errors(response) -> str:
    page = soup(response)
    return " ".join(" ".join(node.get_text(" ").split()) for node in page.select(".notice, .errorlist"))


@pytest.fixture
def merges(monkeypatch):
    """The calls the account views make to comptoir.checkout.services.merge_carts (which still runs)."""
    calls = []
    real = account_views.merge_carts

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(account_views, "merge_carts", spy)
    return calls


# ---------------------------------------------------------------------------------------------------------
# Signing up.


def test_signing_up_opens_an_account_whose_login_is_the_lowercased_address_and_signs_in(client, channel):
    response = client.post(
        "/en/account/sign-up/",
        {"email": " Ada@Example.COM ", "first_name": "Ada", "last_name": "Lovelace", "password": PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/en/account/"
    user = User.objects.get()
    assert (user.username, user.email, user.first_name) == ("ada@example.com", "ada@example.com", "Ada")
    assert user.check_password(PASSWORD)
    assert signed_in_user_id(client) == str(user.pk)


def test_signing_up_with_an_address_already_used_in_another_case_is_refused(client, channel):
    make_customer("ada@example.com")

    response = client.post("/en/account/sign-up/", {"email": "ADA@example.com", "password": PASSWORD})

    assert response.status_code == 422
    assert "An account already uses this email address." in errors(response)
    assert User.objects.count() == 1 and signed_in_user_id(client) is None


def test_a_common_password_is_refused_with_the_rule_it_breaks(client, channel):
    response = client.post("/en/account/sign-up/", {"email": "ada@example.com", "password": "password"})

    assert response.status_code == 422
    assert "This password is too common." in errors(response)
    assert not User.objects.exists()


def test_signing_up_brings_the_anonymous_cart_into_the_account(client, channel, merges):
    cart = Checkout.objects.create(channel=channel, currency="EUR")
    client.cookies[CART_COOKIE] = str(cart.token)

    client.post("/en/account/sign-up/", {"email": "ada@example.com", "password": PASSWORD})

    user = User.objects.get()
    assert merges == [{"user_id": user.pk, "channel": channel, "anonymous_token": str(cart.token)}]
    cart.refresh_from_db()
    assert cart.user_id == user.pk


def test_the_sign_up_form_labels_every_field_for_screen_readers(client, channel):
    page = soup(client.get("/en/account/sign-up/"))

    for field in page.select("form input:not([type=hidden])"):
        assert page.select_one(f'label[for="{field["id"]}"]') is not None
    assert page.select_one("#id_password")["autocomplete"] == "new-password"
    assert page.select_one("#id_email")["type"] == "email"


# ---------------------------------------------------------------------------------------------------------
# Signing in and out.


def test_signing_in_with_the_address_in_any_case_opens_the_account(client, channel):
    customer = make_customer("ada@example.com")

    response = client.post("/en/account/sign-in/", {"email": "Ada@Example.com", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/en/account/"
    assert signed_in_user_id(client) == str(customer.pk)


def test_signing_in_goes_back_to_the_page_that_asked_for_it(client, channel):
    make_customer("ada@example.com")

    response = client.post(
        "/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD, "next": "/en/account/orders/"}
    )

    assert response["Location"] == "/en/account/orders/"


def test_a_next_address_off_the_site_is_ignored(client, channel):
    make_customer("ada@example.com")

    response = client.post(
        "/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/en/account/"


def test_a_wrong_password_is_refused_without_saying_which_half_was_wrong(client, channel):
    make_customer("ada@example.com")

    response = client.post("/en/account/sign-in/", {"email": "ada@example.com", "password": "nope"})

    assert response.status_code == 422
    assert errors(response) == "This email address and password do not match an account."
    assert signed_in_user_id(client) is None


def test_signing_in_brings_the_anonymous_cart_into_the_account(client, channel, merges):
    customer = make_customer("ada@example.com")
    cart = Checkout.objects.create(channel=channel, currency="EUR")
    client.cookies[CART_COOKIE] = str(cart.token)

    client.post("/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD})

    assert merges == [{"user_id": customer.pk, "channel": channel, "anonymous_token": str(cart.token)}]
    cart.refresh_from_db()
    assert cart.user_id == customer.pk


def test_a_failed_sign_in_merges_no_cart(client, channel, merges):
    make_customer("ada@example.com")

    client.post("/en/account/sign-in/", {"email": "ada@example.com", "password": "nope"})

    assert merges == []


def test_signing_out_takes_a_post_and_ends_the_session(client, channel):
    customer = make_customer()
    client.force_login(customer)

    assert client.get("/en/account/sign-out/").status_code == 405
    response = client.post("/en/account/sign-out/")

    assert response.status_code == 302 and response["Location"] == "/en/"
    assert signed_in_user_id(client) is None


# ---------------------------------------------------------------------------------------------------------
# The sign-in brake: 5 wrong passwords per client and address in 15 minutes.


def fail(client, email="ada@example.com", times=1, ip="203.0.113.7"):
    return [
        client.post("/en/account/sign-in/", {"email": email, "password": "wrong"}, REMOTE_ADDR=ip).status_code
        for _ in range(times)
    ]


def test_after_five_wrong_passwords_even_the_right_one_waits_with_a_clear_message(client, channel):
    make_customer("ada@example.com")
    assert fail(client, times=5) == [422] * 5

    response = client.post(
        "/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many attempts. Please try again in 15 minutes." in errors(response)
    assert signed_in_user_id(client) is None


def test_the_brake_holds_one_address_from_one_client_only(client, channel):
    make_customer("ada@example.com")
    make_customer("bob@example.com")
    fail(client, times=5)

    other_address = client.post(
        "/en/account/sign-in/", {"email": "bob@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )
    client.logout()
    other_client = client.post(
        "/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="198.51.100.2"
    )

    assert other_address.status_code == 302 and other_client.status_code == 302


def test_the_address_is_braked_whatever_its_case(client, channel):
    make_customer("ada@example.com")
    fail(client, email="ADA@example.com", times=3)
    fail(client, email="ada@EXAMPLE.com", times=2)

    assert fail(client, email="ada@example.com") == [429]


def test_the_brake_lifts_when_the_window_ends(client, channel, monkeypatch):
    make_customer("ada@example.com")
    fail(client, times=5)
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's expiry reads the same clock

    response = client.post(
        "/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert response.status_code == 302


def test_signing_in_clears_the_count_of_earlier_mistakes(client, channel):
    make_customer("ada@example.com")
    fail(client, times=4)
    client.post("/en/account/sign-in/", {"email": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    client.logout()

    assert fail(client, times=4) == [422] * 4


# ---------------------------------------------------------------------------------------------------------
# Password reset by e-mail.


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client, channel, settings):
    settings.SITE_URL = "https://shop.example.com"
    customer = make_customer("ada@example.com")

    response = client.post("/en/account/password/reset/", {"email": "ADA@example.com"})

    assert response["Location"] == "/en/account/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your Comptoir password"
    link = re.search(r"https://shop\.example\.com(/en/account/password/reset/\S+/)", message.body)[1]
    [(html, _)] = message.alternatives
    assert f"https://shop.example.com{link}" in html
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and soup(form_page).select_one("#id_new_password1") is not None
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/en/account/password/reset/done/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert client.get(link, follow=True).context["validlink"] is False  # the link works once


def test_a_reset_for_an_unknown_address_answers_the_same_and_mails_nothing(client, channel):
    response = client.post("/en/account/password/reset/", {"email": "nobody@example.com"})

    assert response["Location"] == "/en/account/password/reset/sent/"
    assert mail.outbox == []


def test_password_resets_are_braked_per_client(client, channel):
    make_customer("ada@example.com")
    for _ in range(5):
        client.post("/en/account/password/reset/", {"email": "ada@example.com"})

    response = client.post("/en/account/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 429 and "Too many attempts." in errors(response)
    assert len(mail.outbox) == 5


# ---------------------------------------------------------------------------------------------------------
# The account page.


def test_the_account_page_sends_a_stranger_to_sign_in(client, channel):
    response = client.get("/en/account/")

    assert response["Location"] == "/en/account/sign-in/?next=/en/account/"


def test_a_customer_changes_their_name_and_address_and_signs_in_with_the_new_one(client, channel):
    customer = make_customer("ada@example.com")
    client.force_login(customer)

    response = client.post(
        "/en/account/", {"first_name": "Augusta", "last_name": "King", "email": "Augusta@Example.com"}
    )

    assert response["Location"] == "/en/account/"
    customer.refresh_from_db()
    assert (customer.first_name, customer.email, customer.username) == (
        "Augusta",
        "augusta@example.com",
        "augusta@example.com",
    )
    assert "Your details are saved." in client.get("/en/account/").text


def test_a_customer_cannot_take_an_address_another_account_uses(client, channel):
    make_customer("bob@example.com")
    customer = make_customer("ada@example.com")
    client.force_login(customer)

    response = client.post("/en/account/", {"first_name": "Ada", "last_name": "", "email": "BOB@example.com"})

    assert response.status_code == 422
    assert "An account already uses this email address." in errors(response)
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_changing_the_password_needs_the_old_one_and_keeps_the_customer_signed_in(client, channel):
    customer = make_customer()
    client.force_login(customer)

    refused = client.post(
        "/en/account/password/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    changed = client.post(
        "/en/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert refused.status_code == 422
    assert changed["Location"] == "/en/account/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert client.get("/en/account/").status_code == 200  # the session survived the change


@pytest.mark.parametrize("url", ["/en/account/", "/en/account/sign-in/", "/en/account/sign-up/"])
def test_account_pages_are_private_and_not_indexed(client, channel, url):
    client.force_login(make_customer())

    response = client.get(url, follow=True)

    assert response["Cache-Control"] == "private, no-store"
    assert soup(response).select_one('meta[name="robots"]')["content"] == "noindex"


def test_every_page_links_to_the_account_from_its_header(client, channel):
    response = client.get("/en/")

    assert soup(response).select_one(".site-header a.account-link")["href"] == "/en/account/"


def test_the_sign_in_page_speaks_french(client, channel):
    response = client.get("/fr/account/sign-in/")

    page = soup(response)
    assert page.h1.get_text() == "Se connecter"
    assert page.select_one('label[for="id_email"]').get_text().startswith("Adresse e-mail")
    assert page.select_one(".site-header a.account-link").get_text() == "Compte"


@pytest.mark.django_db
def test_an_eleventh_sign_up_from_one_client_within_the_hour_is_refused_and_opens_no_account(client, channel):
    for n in range(10):
        client.post("/en/account/sign-up/", {"email": f"buyer{n}@example.com", "password": PASSWORD})
        client.post("/en/account/sign-out/")

    response = client.post("/en/account/sign-up/", {"email": "buyer10@example.com", "password": PASSWORD})

    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    assert not get_user_model().objects.filter(email="buyer10@example.com").exists()
    assert get_user_model().objects.count() == 10
