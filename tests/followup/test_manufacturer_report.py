"""A T-cell malignancy after CAR-T must be reported to the manufacturer (FDA boxed warning,
April 2024): recording it puts a task on the clinicians' follow-up list and sends the attending
clinician a notice; the task goes when a clinician records that the report was made."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.models import Notification
from followup import selectors, services
from followup.models import LateAdverseEvent

pytestmark = pytest.mark.django_db

T_CELL_LYMPHOMA = {
    "event_category": "t_cell_malignancy",
    "term": "Peripheral T-cell lymphoma, CAR-positive",
    "event_grade": 4,
    "onset_date": date(2026, 3, 20),
}
HYPOGAMMA = {"event_category": "hypogammaglobulinaemia", "term": "Low IgG", "event_grade": 2}


def record(course, by, *events):
    return services.visit_record(
        by=by,
        course=course,
        visit_date=date(2026, 3, 30),
        vital_status="alive",
        adverse_events=list(events),
    )


def test_a_t_cell_malignancy_makes_a_task_and_a_notice(infused_7a, nurse_ada, dr_ben):
    record(infused_7a, nurse_ada, T_CELL_LYMPHOMA, HYPOGAMMA)
    (due,) = selectors.manufacturer_reports_due(dr_ben)
    assert due.term == "Peripheral T-cell lymphoma, CAR-positive"
    (notice,) = Notification.objects.filter(recipient=dr_ben)
    assert "manufacturer" in notice.subject and "CQ7A" in notice.subject
    assert notice.link == reverse("followup:worklists")


def test_other_late_events_make_no_task(infused_7a, nurse_ada, dr_ben):
    record(infused_7a, nurse_ada, HYPOGAMMA)
    assert selectors.manufacturer_reports_due(dr_ben) == []
    assert not Notification.objects.exists()


def test_an_event_already_reported_makes_no_task(infused_7a, nurse_ada, dr_ben):
    record(infused_7a, nurse_ada, {**T_CELL_LYMPHOMA, "reported_to_manufacturer": True})
    assert selectors.manufacturer_reports_due(dr_ben) == []


def test_the_task_is_done_when_a_clinician_records_the_report(infused_7a, nurse_ada, dr_ben):
    record(infused_7a, nurse_ada, T_CELL_LYMPHOMA)
    event = LateAdverseEvent.objects.get()
    with pytest.raises(PermissionDenied):
        services.manufacturer_report_record(by=nurse_ada, event=event)
    services.manufacturer_report_record(by=dr_ben, event=event)
    event.refresh_from_db()
    assert event.reported_to_manufacturer
    assert selectors.manufacturer_reports_due(dr_ben) == []
    assert event.history.first().history_user == dr_ben


def test_a_nurse_of_another_ward_does_not_see_the_task(infused_7a, nurse_ada, nurse_dan):
    record(infused_7a, nurse_ada, T_CELL_LYMPHOMA)
    assert len(selectors.manufacturer_reports_due(nurse_ada)) == 1
    assert selectors.manufacturer_reports_due(nurse_dan) == []


def test_the_worklist_shows_the_task_and_the_clinician_marks_it_reported(
    client, infused_7a, nurse_ada, dr_ben
):
    record(infused_7a, nurse_ada, T_CELL_LYMPHOMA)
    event = LateAdverseEvent.objects.get()
    client.force_login(dr_ben)
    page = client.get(reverse("followup:worklists")).content.decode()
    assert 'data-testid="manufacturer-reports"' in page and "Peripheral T-cell lymphoma" in page
    url = reverse("followup:manufacturer_report", args=[event.pk])
    client.force_login(nurse_ada)
    assert client.post(url).status_code == 403
    client.force_login(dr_ben)
    response = client.post(url, follow=True)
    assert "Report to the manufacturer recorded" in response.content.decode()
    event.refresh_from_db()
    assert event.reported_to_manufacturer


def test_api_lists_the_due_reports_and_a_clinician_records_one(
    infused_7a, nurse_ada, nurse_dan, dr_ben
):
    from rest_framework.test import APIClient

    record(infused_7a, nurse_ada, T_CELL_LYMPHOMA)
    event = LateAdverseEvent.objects.get()
    url = "/api/follow-up/manufacturer-reports/"
    client = APIClient()
    client.force_authenticate(nurse_dan)
    assert client.get(url).json() == []
    client.force_authenticate(nurse_ada)
    assert [row["id"] for row in client.get(url).json()] == [event.pk]
    assert client.post(f"{url}{event.pk}/reported/").status_code == 403
    client.force_authenticate(dr_ben)
    response = client.post(f"{url}{event.pk}/reported/")
    assert response.status_code == 200 and response.json()["reported_to_manufacturer"] is True
    assert client.get(url).json() == []
