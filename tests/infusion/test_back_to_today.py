"""Issue 17: a lymphodepletion dose given → the success page offers nurses "Back to Today"
(the ward's Today list) as the primary action."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from infusion import services
from infusion.models import Administration

pytestmark = pytest.mark.django_db


def next_step(body: str) -> tuple[str, str]:
    found = re.findall(
        r'<a class="btn btn-primary" href="([^"]+)" data-testid="next-step">([^<]+)', body
    )
    assert len(found) == 1, found
    return found[0][0].replace("&amp;", "&"), found[0][1].strip()


def test_dose_given_leads_the_nurse_back_to_her_wards_today(
    client, dr_ben, nurse_ada, verified, course
):
    services.lymphodepletion_start(by=dr_ben, course=course)
    dose = verified.doses.get(drug="cyclophosphamide", day_number=-5)
    client.force_login(nurse_ada)
    response = client.post(
        reverse("infusion:administer", args=[dose.pk]),
        {
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "dose_given_mg": str(dose.dose_mg),
            "batch_number": "CY-9",
        },
        follow=True,
    )
    assert Administration.objects.filter(planned_dose=dose).exists()
    href, label = next_step(response.content.decode())
    assert label == "Back to Today"
    assert href == reverse("monitoring:today") + "?ward=7a"
    assert client.get(href).status_code == 200


def test_the_plan_page_alone_does_not_offer_it(client, nurse_ada, verified, course):
    client.force_login(nurse_ada)
    body = client.get(reverse("infusion:plan", args=[course.pk])).content.decode()
    assert "Back to Today" not in body


def test_a_clinician_is_not_sent_to_the_nurses_list(client, dr_ben, verified, course):
    client.force_login(dr_ben)
    url = reverse("infusion:plan", args=[course.pk]) + "?given=1"
    assert "Back to Today" not in client.get(url).content.decode()


def test_nurse_of_another_ward_cannot_give_the_dose(client, dr_ben, nurse_dan, verified, course):
    services.lymphodepletion_start(by=dr_ben, course=course)
    dose = verified.doses.get(drug="cyclophosphamide", day_number=-5)
    client.force_login(nurse_dan)
    response = client.post(
        reverse("infusion:administer", args=[dose.pk]),
        {"given_at": "2026-06-15T07:30", "dose_given_mg": str(dose.dose_mg), "batch_number": "X"},
    )
    assert response.status_code == 404
    assert not Administration.objects.exists()
