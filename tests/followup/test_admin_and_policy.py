from datetime import date

import pytest
import time_machine

from followup import selectors, signals
from followup.models import ScheduledVisit
from tests.factories import product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel("2026-06-15 09:00 +08:00", tick=False):
        yield


class TestRestrictionsFromTheLabel:
    """Issue 16 item 10: the product's label row is the one home of its restrictions."""

    @pytest.mark.parametrize(
        "code", ["axi-cel", "tisa-cel", "liso-cel", "brexu-cel", "ide-cel", "cilta-cel"]
    )
    def test_the_six_us_products_have_the_june_2025_terms(self, code):
        r = selectors.restrictions_for(product=product(code), day0=date(2026, 3, 2))
        assert (r.stay_near_centre_days, r.no_driving_days) == (14, 14)
        assert "June 2025" in r.source

    @pytest.mark.parametrize("code", ["relma-cel", "obe-cel"])
    def test_other_products_keep_their_own_label_terms_with_the_source(self, code):
        r = selectors.restrictions_for(product=product(code), day0=date(2026, 3, 2))
        assert (r.stay_near_centre_days, r.no_driving_days) == (28, 56)
        assert (r.stay_near_centre_until, r.no_driving_until) == (
            date(2026, 3, 30),
            date(2026, 4, 27),
        )
        assert "confirm" in r.source

    def test_without_a_label_row_the_longer_older_terms_apply_and_say_so(self):
        from catalogue.models import ProductLabel

        ProductLabel.objects.filter(product=product("axi-cel")).delete()
        r = selectors.restrictions_for(product=product("axi-cel"), day0=date(2026, 3, 2))
        assert r.no_driving_until == date(2026, 4, 27)
        assert "No label data" in r.source


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
