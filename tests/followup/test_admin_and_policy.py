from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from followup import selectors, signals
from followup.models import RestrictionPolicy, ScheduledVisit
from tests.factories import product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


class TestRestrictionPolicy:
    def test_seeded_with_the_current_us_label_for_every_product(self):
        default = RestrictionPolicy.objects.get(is_default=True)
        assert (default.stay_near_centre_days, default.no_driving_days) == (14, 14)
        assert RestrictionPolicy.objects.filter(product=product("cilta-cel")).exists()

    def test_the_default_row_applies_to_a_product_without_its_own(self):
        RestrictionPolicy.objects.filter(product__isnull=False).delete()
        RestrictionPolicy.objects.filter(is_default=True).update(
            stay_near_centre_days=28, no_driving_days=56, source="Institutional SOP 2024"
        )
        r = selectors.restrictions_for(product=product("axi-cel"), day0=date(2026, 3, 2))
        assert (r.stay_near_centre_until, r.no_driving_until, r.source) == (
            date(2026, 3, 30),
            date(2026, 4, 27),
            "Institutional SOP 2024",
        )

    def test_without_any_row_the_label_default_applies(self):
        RestrictionPolicy.objects.all().delete()
        r = selectors.restrictions_for(product=product("axi-cel"), day0=date(2026, 3, 2))
        assert r.no_driving_until == date(2026, 3, 16)

    def test_a_second_default_row_is_refused(self):
        with pytest.raises(ValidationError):
            RestrictionPolicy(stay_near_centre_days=7, no_driving_days=7, source="x").full_clean()

    def test_an_implausible_duration_is_refused(self):
        policy = RestrictionPolicy.objects.get(product=product("axi-cel"))
        policy.no_driving_days = 4000
        with pytest.raises(ValidationError):
            policy.full_clean()


class TestAdmin:
    def test_auditor_reads_visits_in_the_admin_and_cannot_add(
        self, client, auditor_cara, infused_7a
    ):
        client.force_login(auditor_cara)
        assert client.get("/admin/followup/scheduledvisit/").status_code == 200
        assert client.get("/admin/followup/followupvisit/").status_code == 200
        assert client.get("/admin/followup/followupvisit/add/").status_code == 403


def test_a_day0_change_signal_realigns_the_schedule(infused_7a, dr_ben):
    type(infused_7a).objects.filter(pk=infused_7a.pk).audited_update(day0_date=date(2026, 3, 5))
    infused_7a.refresh_from_db()
    signals.realign_after_day0_change(sender=None, course=infused_7a, by=dr_ben)
    assert ScheduledVisit.objects.get(course=infused_7a, code="d28").target_date == date(2026, 4, 2)
