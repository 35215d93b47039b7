"""Issue 17: the pharmacist's list leads to the gates waiting for her stock check, and shows
the tocilizumab stock per ward (the stock sits on the ward, not with one patient)."""

import pytest
from django.urls import reverse

from infusion import selectors, services

pytestmark = pytest.mark.django_db


def pharmacy_page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("infusion:pharmacy"))
    assert response.status_code == 200
    return response.content.decode()


def test_gate_without_stock_check_waits_for_the_pharmacist(client, pharmacist_pan, on_day0):
    body = pharmacy_page(client, pharmacist_pan)
    assert f'data-testid="stock-gate-{on_day0.patient.mrn}"' in body
    assert reverse("infusion:gate", args=[on_day0.pk]) in body
    # No count yet on ward 7A.
    assert 'data-testid="ward-stock-7a"' in body and "Never counted" in body


def test_stock_confirmed_clears_the_gate_and_counts_for_the_ward(
    client, pharmacist_pan, on_day0, frozen
):
    services.stock_confirm(by=pharmacist_pan, course=on_day0, doses_available=2)
    body = pharmacy_page(client, pharmacist_pan)
    assert f'data-testid="stock-gate-{on_day0.patient.mrn}"' not in body
    [row] = [r for r in selectors.tocilizumab_stock_by_ward(pharmacist_pan) if r.check]
    assert row.ward.code == "7a" and row.check.doses_available == 2 and row.current
    # The per-course check the gate uses is unchanged.
    assert selectors.stock_check_valid(on_day0, on_day0.planned_day0_date) == row.check


def test_a_count_older_than_24_hours_is_flagged(client, pharmacist_pan, on_day0, frozen):
    services.stock_confirm(by=pharmacist_pan, course=on_day0, doses_available=2)
    frozen.shift(25 * 3600)
    [row] = selectors.tocilizumab_stock_by_ward(pharmacist_pan)
    assert row.check is not None and not row.current
    assert "No: count again" in pharmacy_page(client, pharmacist_pan)


def test_nurse_of_another_ward_sees_neither_the_gate_nor_the_ward(client, nurse_dan, on_day0):
    body = pharmacy_page(client, nurse_dan)
    assert on_day0.patient.mrn not in body
    assert 'data-testid="ward-stock-7a"' not in body


def test_administrator_is_refused(client, admin_alex, on_day0):
    client.force_login(admin_alex)
    assert client.get(reverse("infusion:pharmacy")).status_code == 403


def test_queries_are_bounded(client, pharmacist_pan, on_day0, django_assert_max_num_queries):
    services.stock_confirm(by=pharmacist_pan, course=on_day0, doses_available=2)
    client.force_login(pharmacist_pan)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("infusion:pharmacy")).status_code == 200
