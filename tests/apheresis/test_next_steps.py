"""Issue 17: after each step the page offers the natural next one as its primary action."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def next_step(body: str) -> str:
    """The label of the element the page marks as the next step (exactly one)."""
    found = re.findall(r'<a [^>]*data-testid="next-step"[^>]*>([^<]+)</a>', body)
    assert len(found) == 1, found
    return found[0].strip()


def test_consented_course_offers_booking_apheresis(client, dr_ben, course):
    client.force_login(dr_ben)
    body = client.get(reverse("eligibility:course", args=[course.pk])).content.decode()
    assert next_step(body) == "Book apheresis"
    assert reverse("apheresis:course", args=[course.pk]) in body


def test_before_a_collection_the_next_step_is_booking(client, coordinator_cai, course):
    client.force_login(coordinator_cai)
    body = client.get(reverse("apheresis:course", args=[course.pk])).content.decode()
    assert next_step(body) == "Book a collection"


def test_after_a_collection_the_primary_action_is_the_label(client, coordinator_cai, collection):
    """Found: after a collection the primary button was "Book a collection" while the message
    said "print the bag label now"."""
    client.force_login(coordinator_cai)
    body = client.get(reverse("apheresis:course", args=[collection.course_id])).content.decode()
    assert next_step(body) == "Print label"
    assert 'class="btn btn-primary" href="/apheresis/courses/' in body
