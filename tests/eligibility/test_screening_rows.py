"""Issue 16.1: saving one part of a screening never deletes rows of another part.

The page sends back every row it pre-filled; a row goes only when "Remove" is ticked (page) or
it is sent with its id and ``delete`` (API, service), and the deletion is in the history.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from eligibility import selectors, services
from eligibility.models import PriorLine, WashoutTherapy
from tests.eligibility.conftest import FIT_LINES, screened_course
from tests.html_forms import browser_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _page_data(client, url):
    body = client.get(url).content.decode()
    return browser_form_data(body, containing="lines-TOTAL_FORMS")


def _regimens(assessment):
    return sorted(assessment.prior_lines.values_list("regimen", flat=True))


class TestPage:
    def test_saving_unchanged_rows_keeps_them(self, client, dr_ben, patient_7a):
        """Found: after 'Save and keep editing' the prior lines and washouts were gone."""
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        client.force_login(dr_ben)
        data = _page_data(client, url)
        data["ecog"] = ["0"]  # one change in another section
        data["save_and_stay"] = [""]
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assessment.refresh_from_db()
        assert assessment.ecog == 0
        assert _regimens(assessment) == sorted(line["regimen"] for line in FIT_LINES)
        assert assessment.washout_therapies.count() == 1

    def test_each_section_in_turn_keeps_every_earlier_row(self, client, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        client.force_login(dr_ben)
        # Add a third line in the first empty row.
        data = _page_data(client, url)
        data.update(
            {"lines-2-line_number": ["3"], "lines-2-regimen": ["Pola-BR"], "save_and_stay": [""]}
        )
        assert client.post(url, data).status_code == 302
        # Then a second washout therapy, leaving the lines as the page shows them.
        data = _page_data(client, url)
        data.update(
            {
                "washouts-1-therapy_class": ["chemotherapy"],
                "washouts-1-last_dose_date": ["2026-05-20"],
                "save_and_stay": [""],
            }
        )
        assert client.post(url, data).status_code == 302
        # Then the labs only.
        data = _page_data(client, url)
        data.update({"platelets_10e9_l": ["150"], "save_and_stay": [""]})
        assert client.post(url, data).status_code == 302
        assessment.refresh_from_db()
        assert len(_regimens(assessment)) == 3 and "Pola-BR" in _regimens(assessment)
        assert assessment.washout_therapies.count() == 2
        assert str(assessment.platelets_10e9_l).startswith("150")

    def test_remove_ticked_deletes_that_row_only_and_history_shows_it(
        self, client, dr_ben, patient_7a
    ):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        first = assessment.prior_lines.get(line_number=1)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        client.force_login(dr_ben)
        data = _page_data(client, url)
        index = next(k for k, v in data.items() if k.endswith("-id") and v == [str(first.pk)])
        data[index.replace("-id", "-DELETE")] = ["on"]
        data["save_and_stay"] = [""]
        assert client.post(url, data).status_code == 302
        assert list(assessment.prior_lines.values_list("line_number", flat=True)) == [2]
        deletion = PriorLine.history.get(id=first.pk, history_type="-")
        assert deletion.history_user == dr_ben

    def test_a_row_of_another_screening_is_refused(self, client, dr_ben, patient_7a, patient_7b):
        other = selectors.screening_for_course(screened_course(patient_7b, dr_ben))
        course = screened_course(patient_7a, dr_ben)
        url = reverse("eligibility:screening_edit", args=[course.pk])
        client.force_login(dr_ben)
        data = _page_data(client, url)
        data["lines-0-id"] = [str(other.prior_lines.first().pk)]
        body = client.post(url, data).content.decode()
        assert "not part of this screening" in body
        assert other.prior_lines.count() == 2


class TestService:
    def test_rows_not_sent_are_kept(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        services.screening_update(
            by=dr_ben,
            assessment=assessment,
            expected_version=assessment.version,
            washout_therapies=[
                {"therapy_class": "chemotherapy", "last_dose_date": date(2026, 5, 1)}
            ],
        )
        assert assessment.prior_lines.count() == 2
        assert assessment.washout_therapies.count() == 2

    def test_edit_by_id_changes_that_row_with_history(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        line = assessment.prior_lines.get(line_number=2)
        services.screening_update(
            by=dr_ben,
            assessment=assessment,
            expected_version=assessment.version,
            prior_lines=[{"id": line.pk, "regimen": "R-GemOx × 4"}],
        )
        line.refresh_from_db()
        assert line.regimen == "R-GemOx × 4" and assessment.prior_lines.count() == 2
        assert line.history.first().history_type == "~"

    def test_unchanged_rows_write_no_history(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        before = PriorLine.history.count()
        rows = [{"id": line.pk} for line in assessment.prior_lines.all()]
        services.screening_update(
            by=dr_ben, assessment=assessment, expected_version=assessment.version, prior_lines=rows
        )
        assert PriorLine.history.count() == before

    def test_delete_needs_the_id(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        therapy = assessment.washout_therapies.get()
        services.screening_update(
            by=dr_ben,
            assessment=assessment,
            expected_version=assessment.version,
            washout_therapies=[{"id": therapy.pk, "delete": True}],
        )
        assert not assessment.washout_therapies.exists()
        assert WashoutTherapy.history.filter(id=therapy.pk, history_type="-").exists()

    def test_unknown_id_is_refused_and_nothing_changes(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        version = assessment.version
        with pytest.raises(ValidationError, match="not part of this screening"):
            services.screening_update(
                by=dr_ben,
                assessment=assessment,
                expected_version=version,
                fields={"ecog": 0},
                prior_lines=[{"id": 999999, "delete": True}],
            )
        assessment.refresh_from_db()
        assert (assessment.version, assessment.prior_lines.count()) == (version, 2)


class TestApi:
    def _api(self, user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    def test_patch_of_one_section_keeps_the_other(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        response = self._api(dr_ben).patch(
            f"/api/eligibility/screenings/{assessment.pk}/",
            {
                "version": assessment.version,
                "washout_therapies": [
                    {"therapy_class": "chemotherapy", "last_dose_date": "2026-05-01"}
                ],
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert len(body["prior_lines"]) == 2 and len(body["washout_therapies"]) == 2
        assert all("id" in row for row in body["prior_lines"])

    def test_delete_by_id(self, dr_ben, patient_7a):
        course = screened_course(patient_7a, dr_ben)
        assessment = selectors.screening_for_course(course)
        line = assessment.prior_lines.get(line_number=1)
        response = self._api(dr_ben).patch(
            f"/api/eligibility/screenings/{assessment.pk}/",
            {"version": assessment.version, "prior_lines": [{"id": line.pk, "delete": True}]},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert [row["line_number"] for row in response.json()["prior_lines"]] == [2]
