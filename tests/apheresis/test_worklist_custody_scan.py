"""Issue 17: the board lists consented courses not yet booked; custody is one scan plus
confirm, the next expected step preselected."""

import re

import pytest
from django.urls import reverse

from apheresis import rules, selectors
from tests.apheresis.conftest import consented_course

pytestmark = pytest.mark.django_db


class TestConsentedNotBooked:
    def test_board_lists_a_consented_course_with_a_link_to_book(
        self, client, course, coordinator_cai
    ):
        client.force_login(coordinator_cai)
        body = client.get(reverse("apheresis:board")).content.decode()
        assert f'data-testid="to-book-{course.patient.mrn}"' in body
        assert reverse("apheresis:schedule_new", args=[course.pk]) in body

    def test_a_booked_course_leaves_the_list(self, client, schedule, coordinator_cai):
        client.force_login(coordinator_cai)
        body = client.get(reverse("apheresis:board")).content.decode()
        assert f'data-testid="to-book-{schedule.course.patient.mrn}"' not in body
        assert f'data-testid="upcoming-{schedule.course.patient.mrn}"' in body

    def test_other_ward_nurse_does_not_see_it(self, client, course, nurse_dan):
        client.force_login(nurse_dan)
        body = client.get(reverse("apheresis:board")).content.decode()
        assert course.patient.mrn not in body

    def test_administrator_is_refused(self, client, course, admin_alex):
        client.force_login(admin_alex)
        assert client.get(reverse("apheresis:board")).status_code == 403

    def test_queries_do_not_grow_with_courses(
        self, client, course, patient_7b, dr_ben, coordinator_cai, django_assert_max_num_queries
    ):
        consented_course(patient_7b, dr_ben)
        client.force_login(coordinator_cai)
        with django_assert_max_num_queries(13):
            body = client.get(reverse("apheresis:board")).content.decode()
        assert body.count('data-testid="to-book-') == 2


def selected_kind(body: str) -> str:
    select = re.search(r'<select name="kind".*?</select>', body, re.S).group(0)
    return re.search(r'<option value="([^"]+)" selected>', select).group(1)


def scan_and_confirm(client, collection, scanned: str, **changes):
    url = reverse("apheresis:custody_new", args=[collection.pk])
    page = client.get(url).content.decode()
    kind = selected_kind(page)
    data = {
        "scanned_coi_id": scanned,
        "kind": kind,
        "occurred_at": re.search(r'name="occurred_at" value="([^"]+)"', page).group(1),
        "place": re.search(r'name="place"(?: value="([^"]*)")?', page).group(1) or "Apheresis unit",
        "handled_by": re.search(r'name="handled_by" value="([^"]*)"', page).group(1),
        **changes,
    }
    return kind, client.post(url, data)


class TestCustodyScan:
    def test_the_scan_field_leads(self, client, collection, coordinator_cai):
        client.force_login(coordinator_cai)
        body = client.get(reverse("apheresis:custody_new", args=[collection.pk])).content.decode()
        field = re.search(r'<input[^>]*name="scanned_coi_id"[^>]*>', body).group(0)
        assert 'autocomplete="off"' in field and "autofocus" in field
        assert 'data-enter-next="#confirm"' in field
        assert 'id="confirm"' in body and ">Confirm</button>" in body
        # The person defaults to whoever is logged in.
        assert f'name="handled_by" value="{coordinator_cai}"' in body

    def test_next_step_is_preselected_after_each_step(
        self, frozen, client, collection, coordinator_cai
    ):
        logged = []
        # Up to "shipped": the arrival is logged by the receipt, not on this page.
        for expected in rules.CUSTODY_SEQUENCE[1:7]:
            client.force_login(coordinator_cai)  # a fresh session: the clock moves on
            kind, response = scan_and_confirm(client, collection, collection.coi_id)
            assert kind == expected
            assert response.status_code == 302, response.content.decode()[:2000]
            frozen.shift(600)
            logged.append(kind)
        kinds = list(collection.custody_events.order_by("id").values_list("kind", flat=True))
        assert kinds == ["collected", *logged]

    def test_place_last_used_for_the_step_is_prefilled(self, client, collection, coordinator_cai):
        client.force_login(coordinator_cai)
        scan_and_confirm(client, collection, collection.coi_id, place="Apheresis unit, bay 2")
        assert selectors.custody_last_place("packed") == "Apheresis unit, bay 2"
        assert selectors.custody_last_place("handed_to_courier") == ""
        assert selectors.custody_last_place(None) == ""

    def test_full_width_scan_from_a_chinese_ime_is_accepted(
        self, client, collection, coordinator_cai
    ):
        client.force_login(coordinator_cai)
        full_width = collection.coi_id.translate({i: i + 0xFEE0 for i in range(0x21, 0x7F)})
        _, response = scan_and_confirm(client, collection, full_width)
        assert response.status_code == 302
        assert collection.custody_events.filter(kind="packed").exists()

    def test_another_bag_is_refused_and_nothing_is_logged(
        self, client, collection, coordinator_cai, patient_7b, dr_ben
    ):
        client.force_login(coordinator_cai)
        other = rules.coi_make(year=2026, serial=999)
        _, response = scan_and_confirm(client, collection, other)
        assert response.status_code == 200
        assert "ANOTHER PATIENT" in response.content.decode()
        assert collection.custody_events.count() == 1

    def test_an_empty_scan_is_refused(self, client, collection, coordinator_cai):
        client.force_login(coordinator_cai)
        _, response = scan_and_confirm(client, collection, "")
        assert response.status_code == 200
        assert collection.custody_events.count() == 1

    def test_nurse_is_refused(self, client, collection, nurse_ada):
        client.force_login(nurse_ada)
        url = reverse("apheresis:custody_new", args=[collection.pk])
        assert client.get(url).status_code == 403
        data = {"scanned_coi_id": collection.coi_id, "kind": "packed"}
        assert client.post(url, data).status_code == 403
        assert collection.custody_events.count() == 1
