import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/catalog/product/", "/admin/catalog/product/import/", "/admin/catalog/product/export-csv/"]


@pytest.mark.parametrize("url", PAGES)
def test_someone_not_logged_in_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", PAGES)
def test_a_customer_account_without_staff_status_is_sent_to_the_login_page(client, url):
    buyer = get_user_model().objects.create_user(username="buyer", password="pw", is_staff=False)
    client.force_login(buyer)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_staff_member_without_catalogue_rights_cannot_import_products(client, channel):
    clerk = get_user_model().objects.create_user(username="clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    response = client.get("/admin/catalog/product/import/")

    assert response.status_code == 403


def test_admin_pages_allow_what_the_admin_scripts_need_and_the_storefront_does_not(admin_client, channel):
    admin_policy = admin_client.get("/admin/")["Content-Security-Policy"]
    shop_policy = admin_client.get("/en/")["Content-Security-Policy"]

    assert "'unsafe-eval'" in admin_policy and "frame-ancestors 'none'" in admin_policy
    assert "'unsafe-eval'" not in shop_policy


def test_the_login_page_gets_the_admin_policy_too(client):
    assert "'unsafe-inline'" in client.get("/admin/login/?next=/admin/")["Content-Security-Policy"]


def test_logging_in_from_the_bare_login_page_leads_to_the_dashboard(client):
    get_user_model().objects.create_superuser(username="boss", email="boss@example.com", password="a-long-secret")

    shown = client.get("/admin/login/")
    logged_in = client.post(shown["Location"], {"username": "boss", "password": "a-long-secret"})

    assert shown["Location"] == "/admin/login/?next=%2Fadmin%2F"
    assert logged_in.status_code == 302 and logged_in["Location"] == "/admin/"
