"""Issue 17: a tocilizumab dose given on the monitoring page → "Back to Today" for nurses."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import Intervention

pytestmark = pytest.mark.django_db


def give_tocilizumab(client, course, mg="560"):
    return client.post(
        reverse("monitoring:intervention_new", args=[course.pk]),
        {
            "kind": "tocilizumab",
            "dose_mg": mg,
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )


def test_tocilizumab_given_offers_back_to_today_first(client, monitored, nurse_ada):
    client.force_login(nurse_ada)
    body = give_tocilizumab(client, monitored).content.decode()
    assert Intervention.objects.filter(course=monitored).exists()
    found = re.findall(r'<a class="btn btn-primary" href="([^"]+)" data-testid="next-step">', body)
    assert found == [reverse("monitoring:today") + "?ward=7a"]
    # "New assessment" steps back to a secondary button.
    assert re.search(r'class="btn btn-outline-primary" href="[^"]+/assess/"', body)


def test_the_course_page_alone_keeps_new_assessment_first(client, monitored, nurse_ada):
    client.force_login(nurse_ada)
    body = client.get(reverse("monitoring:course", args=[monitored.pk])).content.decode()
    assert "Back to Today" not in body


def test_nurse_of_another_ward_is_refused(client, monitored, nurse_dan):
    client.force_login(nurse_dan)
    assert give_tocilizumab(client, monitored).status_code == 404
    assert not Intervention.objects.exists()
