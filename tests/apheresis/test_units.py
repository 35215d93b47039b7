"""Issue 16 item 9, the rest of it: every lab field takes a unit, on the pages and in the API,
and an impossible value gets the clinical message, never a digit count."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apheresis.models import CollectionSchedule
from core import units
from tests.apheresis.test_api import api as apheresis_api
from tests.apheresis.test_api import schedule_payload


def test_cd3_per_microlitre_and_per_litre():
    """1 × 10⁹/L = 1 000 /µL (AMA SI conversion)."""
    assert units.to_canonical("cd3", "0.42", "10e9_l", places=0) == Decimal("420")
    assert units.to_canonical("cd3", "420", "per_ul", places=0) == Decimal("420")
    assert units.check("cd3", "42000", "per_ul") is not None


@pytest.mark.django_db
class TestPreCollectionCounts:
    def test_api_takes_the_laboratory_units(self, frozen, course, coordinator_cai):
        response = apheresis_api(coordinator_cai).post(
            "/api/apheresis/schedules/",
            {
                **schedule_payload(course),
                "alc_10e9_l": "800",
                "cd3_cells_per_ul": "0.42",
                "units": {"alc_10e9_l": "per_ul", "cd3_cells_per_ul": "10e9_l"},
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        schedule = CollectionSchedule.objects.get()
        assert (schedule.alc_10e9_l, schedule.cd3_cells_per_ul) == (Decimal("0.80"), 420)

    def test_api_refuses_an_impossible_count_with_a_clinical_message(
        self, frozen, course, coordinator_cai
    ):
        response = apheresis_api(coordinator_cai).post(
            "/api/apheresis/schedules/",
            {
                **schedule_payload(course),
                "cd3_cells_per_ul": "420",
                "units": {"cd3_cells_per_ul": "10e9_l"},
            },
            format="json",
        )
        assert response.status_code == 400
        assert "CD3+ 420 ×10⁹/L is not possible" in str(response.json()["cd3_cells_per_ul"])
        assert not CollectionSchedule.objects.exists()

    def test_api_refuses_a_unit_on_a_field_that_has_none(self, frozen, course, coordinator_cai):
        response = apheresis_api(coordinator_cai).post(
            "/api/apheresis/schedules/",
            {**schedule_payload(course), "units": {"collection_site": "per_ul"}},
            format="json",
        )
        assert response.status_code == 400 and "takes no unit" in str(response.json())

    def test_page_takes_cd3_in_the_laboratory_unit(self, client, frozen, course, coordinator_cai):
        client.force_login(coordinator_cai)
        url = reverse("apheresis:schedule_new", args=[course.pk])
        body = client.get(url).content.decode()
        assert 'name="cd3_cells_per_ul_unit"' in body
        data = {k: str(v) for k, v in schedule_payload(course).items() if k not in ("course",)}
        data.update({"cd3_cells_per_ul": "0.42", "cd3_cells_per_ul_unit": "10e9_l"})
        data.update({"alc_10e9_l": "0.8", "alc_10e9_l_unit": "10e9_l"})
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert CollectionSchedule.objects.get().cd3_cells_per_ul == 420
