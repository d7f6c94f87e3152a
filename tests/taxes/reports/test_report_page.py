"""The tax report in the back office: who may see it, the figures on the page, the downloads, bad dates."""

import csv
import io

import pytest
from django.urls import reverse

from tests.backoffice.inventory_support import staff
from tests.taxes.reports.test_reports import quarter  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
QUERY = {"start": "2026-01-01", "end": "2026-03-31", "group": "quarter", "channel": "", "scheme": "all"}


def page_url() -> str:
    return reverse("admin:taxes_taxreport_changelist")


def test_staff_without_the_report_permission_are_refused(client):
    staff(client, "orders.view_order")

    response = client.get(page_url(), QUERY)

    assert response.status_code == 403


def test_the_page_shows_the_quarter_with_its_totals(client, quarter):  # noqa: F811
    staff(client, "taxes.view_taxreport")

    response = client.get(page_url(), QUERY)

    assert response.status_code == 200
    rows = [[cell.strip() for cell in row.split("|")] for row in _rows(response.text)]
    assert ["2026-Q1", "web-eur", "DE", "b2c", "19", "EUR", "140.00", "26.60", "3"] in rows
    assert "53.10" in response.text


def test_the_oss_scheme_and_the_csv_download(client, quarter):  # noqa: F811
    staff(client, "taxes.view_taxreport")

    response = client.get(page_url(), {**QUERY, "scheme": "oss", "export": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tax-report-2026-01-01-2026-03-31-oss.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert [line[2] for line in lines[1:]] == ["DE", "DE", "ES"]


def test_the_xlsx_download_opens_in_openpyxl(client, quarter):  # noqa: F811
    from openpyxl import load_workbook

    staff(client, "taxes.view_taxreport")

    response = client.get(page_url(), {**QUERY, "export": "xlsx"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 7


def test_bad_dates_are_refused_with_a_message(client):
    staff(client, "taxes.view_taxreport")

    wrong_order = client.get(page_url(), {**QUERY, "start": "2026-03-31", "end": "2026-01-01"})
    not_a_date = client.get(page_url(), {**QUERY, "start": "31/03/2026", "export": "csv"})

    assert wrong_order.status_code == 422
    assert "The end date must not come before the start date." in wrong_order.text
    assert not_a_date.status_code == 422 and not_a_date["Content-Type"].startswith("text/html")


def _rows(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    table = BeautifulSoup(html, "html.parser").select_one("#report-rows tbody")
    return ["|".join(td.get_text() for td in tr.select("td")) for tr in table.select("tr")]
