"""Issue 17: a history page per patient and course, in the app: who changed which field from
what to what, when and why, additions and deletions included, filterable, exportable."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from eligibility import selectors as eligibility_selectors
from eligibility import services as eligibility_services
from patients import services as patient_services
from reports.models import ExportLog
from tests.eligibility.conftest import screened_course
from tests.factories import product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def charted(dr_ben, patient_7a):
    """A screened course; then ECOG corrected and the first prior line removed."""
    course = screened_course(patient_7a, dr_ben)
    assessment = eligibility_selectors.screening_for_course(course)
    first = assessment.prior_lines.get(line_number=1)
    eligibility_services.screening_update(
        by=dr_ben,
        assessment=assessment,
        expected_version=assessment.version,
        fields={"ecog": 0},
        prior_lines=[{"id": first.pk, "delete": True}],
    )
    return course


def rows_of(response):
    body = response.content.decode()
    start = body.index('data-testid="history"')
    return body[start : body.index("</table>", start)]


def test_clinician_reads_who_changed_what_from_what_to_what(client, dr_ben, charted):
    client.force_login(dr_ben)
    url = reverse("reports:course_history", args=[charted.pk])
    table = rows_of(client.get(url))
    assert "ECOG performance status" in table or "Ecog" in table or "ECOG" in table
    assert "<del>1</del>" in table  # ECOG 1 → 0
    assert 'data-change="deleted"' in table and "Prior line" in table
    assert 'data-change="created"' in table and "ben" in table


def test_patient_page_links_to_the_history_and_it_includes_the_patient(
    client, auditor_cara, charted
):
    client.force_login(auditor_cara)
    detail = client.get(reverse("patients:detail", args=[charted.patient_id])).content.decode()
    assert reverse("reports:patient_history", args=[charted.patient_id]) in detail
    assert reverse("reports:course_history", args=[charted.pk]) in detail
    table = rows_of(client.get(reverse("reports:patient_history", args=[charted.patient_id])))
    assert "Patient #" in table and "Treatment course #" in table


def test_filters_by_record_user_field_and_dates(client, dr_ben, charted):
    client.force_login(dr_ben)
    url = reverse("reports:course_history", args=[charted.pk])
    lines = rows_of(client.get(url, {"record": "eligibility.priorline"}))
    assert "Prior line" in lines and "Screening assessment" not in lines
    assert "<tr data-change" not in rows_of(client.get(url, {"user": "nobody"}))
    by_field = rows_of(client.get(url, {"field": "ecog"}))
    assert by_field.count("<tr data-change") == 2  # set on the first save, then corrected
    assert "<tr data-change" not in rows_of(client.get(url, {"date_from": "2027-01-01"}))
    bad = client.get(url, {"date_from": "2026-06-10", "date_to": "2026-06-01"})
    assert "cannot come before its start" in bad.content.decode()


def test_csv_export_states_its_purpose_and_is_logged(client, auditor_cara, charted):
    client.force_login(auditor_cara)
    url = reverse("reports:course_history", args=[charted.pk])
    purpose = "Audit of screening corrections, ticket 4711"
    response = client.get(url, {"format": "csv", "field": "ecog", "purpose": purpose})
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["changed_at", "changed_by", "change_type"]
    assert [r[6:8] for r in rows[1:]][0] == ["1", "0"]
    log = ExportLog.objects.get(dataset=f"chart_history:course:{charted.pk}")
    assert (log.user, log.row_count, log.identifiable, log.purpose) == (
        auditor_cara,
        2,
        True,
        purpose,
    )
    assert log.filters == {"field": "ecog"}


def test_csv_export_without_a_purpose_is_refused_and_not_logged(client, dr_ben, charted):
    """An identifiable export states its purpose (issue 14.4), the chart history too."""
    client.force_login(dr_ben)
    url = reverse("reports:course_history", args=[charted.pk])
    body = client.get(url, {"format": "csv", "purpose": "x"}).content.decode()
    assert "State the purpose of an identifiable export" in body
    assert not ExportLog.objects.exists()


def test_a_nurse_reads_the_history_but_exports_nothing(client, nurse_ada, charted):
    client.force_login(nurse_ada)
    url = reverse("reports:course_history", args=[charted.pk])
    assert 'data-testid="history-csv"' not in client.get(url).content.decode()
    purpose = "Wants a copy of the chart history"
    assert client.get(url, {"format": "csv", "purpose": purpose}).status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clinician", 200),
        ("auditor", 200),
        ("nurse", 200),
        ("other_nurse", 404),
        ("administrator", 403),
    ],
)
def test_who_may_read_a_chart_history(client, personas, charted, persona, expected):
    client.force_login(personas[persona])
    for name, pk in (
        ("reports:course_history", charted.pk),
        ("reports:patient_history", charted.patient_id),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == expected
    api = APIClient()
    api.force_authenticate(personas[persona])
    response = api.get(f"/api/reports/history/courses/{charted.pk}/")
    assert response.status_code == expected


def test_api_rows_filters_and_bad_input(dr_ben, charted):
    api = APIClient()
    api.force_authenticate(dr_ben)
    body = api.get(f"/api/reports/history/courses/{charted.pk}/", {"field": "ecog"}).json()
    assert body["count"] == 2
    newest = body["results"][0]
    assert (newest["old"], newest["new"], newest["changed_by"]) == ("1", "0", "ben")
    assert newest["change_type"] == "changed"
    deleted = api.get(
        f"/api/reports/history/patients/{charted.patient_id}/",
        {"record": "eligibility.priorline"},
    ).json()["results"]
    assert any(r["change_type"] == "deleted" for r in deleted)
    assert api.get(f"/api/reports/history/courses/{charted.pk}/", {"usr": "x"}).status_code == 400
    assert (
        api.get(f"/api/reports/history/courses/{charted.pk}/", {"record": "x.y"}).status_code == 400
    )
    assert api.post(f"/api/reports/history/courses/{charted.pk}/").status_code in (403, 405)


def test_a_stage_change_and_its_reason_show(client, dr_ben, patient_7a):
    course = patient_services.course_open(
        by=dr_ben, patient=patient_7a, product=product("axi-cel"), referred_on=date(2026, 6, 1)
    )
    patient_services.course_change_stage(
        by=dr_ben, course=course, to_stage="withdrawn", reason="Patient declined CAR-T"
    )
    client.force_login(dr_ben)
    table = rows_of(client.get(reverse("reports:course_history", args=[course.pk])))
    assert "Withdrawn" in table and "Patient declined CAR-T" in table


def test_a_json_list_of_records_reads_as_text():
    """A gate review keeps its items as a list of records (dicts): the history shows them,
    it does not fail on them (no dict is a choice's key)."""
    from infusion.models import GateReview
    from reports.record_history import _Display

    field = GateReview._meta.get_field("items")
    text = _Display().value(field, [{"code": "consent", "ok": True}, {"code": "stock"}])
    assert text == "code: consent; ok: True, code: stock"
