"""The dashboard reads stored figures: computed once per filter, refreshed in the background,
labelled with their time, recomputed on request by clinicians and administrators."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from patients import services as patient_services
from reports import registry, selectors, services, tasks
from reports.models import DashboardSnapshot
from reports.selectors import course_figures, dashboard
from tests.factories import PatientFactory, product

pytestmark = pytest.mark.django_db


def referred(data) -> int:
    return {s["stage"]: s["count"] for s in data["stages"]}["referred"]


def refer_one(dr_ben, ward):
    patient = PatientFactory(ward=ward, attending_clinician=dr_ben)
    patient_services.course_open(
        by=dr_ben, patient=patient, product=product("axi-cel"), referred_on=date(2026, 9, 29)
    )


class TestFigures:
    def test_grouped_inputs_give_the_registry_outcomes(self, programme):
        """The dashboard's grouped queries agree with the registry's per-course reading."""
        infused = dashboard._infused(selectors.scoped_courses(selectors.Scope()), selectors.Scope())
        got = {(c.product, c.day0): c for c in course_figures.outcome_inputs(infused).values()}
        courses = list(registry.registry_courses())
        assert len(courses) == len(got) == 2
        for course in courses:
            inputs = got[(course.product.code, course.day0_date)]
            assert (inputs.assessment_count, inputs.crs_max or 0, inputs.icans_max or 0) == (
                course.assessment_count,
                course.crs_max or 0,
                course.icans_max or 0,
            )
            assert (inputs.toci_doses, inputs.steroid_doses, inputs.icu_transfers) == (
                course.toci_doses,
                course.steroid_doses,
                course.icu_transfers,
            )
            outcome, _issue = registry.course_outcome_or_issue(course)
            from followup import outcomes

            assert outcome == outcomes.course_outcome(day0=inputs.day0, assessments=inputs.visits)

    def test_stored_figures_read_back_unchanged(self, programme):
        fresh = selectors.dashboard_data_full(today=date(2026, 9, 30))
        steps = selectors.split_curve_points(fresh)
        services.dashboard_recompute(scope=selectors.Scope())
        stored = DashboardSnapshot.objects.get(scope_key="all")
        assert stored.data == fresh and stored.curve_points == steps
        assert "all_points" not in str(stored.data)

    def test_unchanged_curves_are_not_written_again(self, programme, nurse_ada):
        """The survival step tables are stored again only when their digest changed; what is
        stored is always the full recompute's."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from followup import services as followup_services
        from monitoring.models import Assessment

        def recompute() -> list[str]:
            with CaptureQueriesContext(connection) as queries:
                services.dashboard_recompute(scope=selectors.Scope())
            stored = DashboardSnapshot.objects.get(scope_key="all")
            full = selectors.dashboard_data_full(today=date.today())
            assert stored.curve_points == selectors.split_curve_points(full)
            assert stored.data == full
            return [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]

        recompute()
        digest = DashboardSnapshot.objects.get(scope_key="all").curve_points_digest
        assessment = Assessment.objects.filter(course=programme["a"]).order_by("pk").last()
        assessment.crs_grade = 3  # a toxicity figure changes, no follow-up time does
        assessment.save(update_fields=["crs_grade"])
        updates = recompute()
        snapshot_updates = [sql for sql in updates if "reports_dashboardsnapshot" in sql]
        assert len(snapshot_updates) == 1 and '"curve_points"' not in snapshot_updates[0]
        assert DashboardSnapshot.objects.get(scope_key="all").curve_points_digest == digest
        followup_services.visit_record(  # progression: course A's PFS event
            by=nurse_ada,
            course=programme["a"],
            visit_date=date(2026, 9, 20),
            lugano_response="PD",
            imaging_method="pet_ct",
        )
        updates = recompute()
        assert any('"curve_points"' in sql for sql in updates)
        assert DashboardSnapshot.objects.get(scope_key="all").curve_points_digest != digest

    def test_scope_keys(self):
        assert selectors.Scope().key == "all"
        scope = selectors.Scope(diagnosis="MM", infused_from=date(2026, 1, 1))
        assert scope.key == "diagnosis=MM;infused_from=2026-01-01"


class TestReader:
    def test_first_view_computes_later_views_read(
        self, client, dr_ben, ward_7a, programme, django_assert_max_num_queries
    ):
        client.force_login(dr_ben)
        first = client.get(reverse("reports:dashboard"))
        assert referred(first.context["data"]) == 1  # course C
        assert DashboardSnapshot.objects.count() == 1
        refer_one(dr_ben, ward_7a)
        with django_assert_max_num_queries(12):
            second = client.get(reverse("reports:dashboard"))
        # Within the refresh interval the stored figures are shown, with their time.
        assert referred(second.context["data"]) == 1
        body = second.content.decode()
        assert "Figures computed at 2026-09-30 09:00" in body
        assert second.context["stale"] is False

    def test_stale_figures_are_shown_and_one_refresh_is_queued(
        self, client, dr_ben, ward_7a, programme, frozen, django_capture_on_commit_callbacks
    ):
        client.force_login(dr_ben)
        client.get(reverse("reports:dashboard"))
        refer_one(dr_ben, ward_7a)
        frozen.shift(timedelta(minutes=11))
        with django_capture_on_commit_callbacks() as queued:
            stale = client.get(reverse("reports:dashboard"))
        assert stale.context["stale"] is True and referred(stale.context["data"]) == 1
        assert "newer ones are being computed" in stale.content.decode()
        assert len(queued) == 1
        with django_capture_on_commit_callbacks() as again:
            client.get(reverse("reports:dashboard"))
        assert again == []  # one refresh at a time
        assert tasks.refresh_dashboard_snapshot("all") is True
        snapshot = DashboardSnapshot.objects.get()
        assert snapshot.refresh_requested_at is None
        assert referred(client.get(reverse("reports:dashboard")).context["data"]) == 2

    def test_a_new_day_makes_the_figures_stale(self, programme, frozen):
        services.dashboard_snapshot_for_reader(scope=selectors.Scope())
        frozen.shift(timedelta(hours=16))  # 01:00 the next day, Shanghai time
        _snapshot, stale = services.dashboard_snapshot_for_reader(scope=selectors.Scope())
        assert stale

    def test_each_filter_has_its_own_figures(self, client, auditor_cara, programme):
        client.force_login(auditor_cara)
        client.get(reverse("reports:dashboard"))
        client.get(reverse("reports:dashboard"), {"diagnosis": "MM"})
        assert set(DashboardSnapshot.objects.values_list("scope_key", flat=True)) == {
            "all",
            "diagnosis=MM",
        }

    def test_chart_csv_matches_the_page(self, client, dr_ben, ward_7a, programme):
        client.force_login(dr_ben)
        client.get(reverse("reports:dashboard"))
        refer_one(dr_ben, ward_7a)
        response = client.get(reverse("reports:dashboard_csv", args=["stages"]))
        text = b"".join(response.streaming_content).decode()
        assert "Referred,1" in text


class TestRecomputeNow:
    @pytest.mark.parametrize("role", ["clinician", "administrator"])
    def test_clinicians_and_administrators(
        self, client, personas, dr_ben, ward_7a, programme, role
    ):
        client.force_login(personas[role])
        client.get(reverse("reports:dashboard"), {"diagnosis": "LBCL"})
        refer_one(dr_ben, ward_7a)
        response = client.post(reverse("reports:dashboard_refresh"), {"diagnosis": "LBCL"})
        assert response.status_code == 302
        assert response.url == reverse("reports:dashboard") + "?diagnosis=LBCL"
        page = client.get(response.url)
        assert referred(page.context["data"]) == 1  # LBCL: only the new referral
        assert "The dashboard figures were recomputed." in page.content.decode()

    @pytest.mark.parametrize("role", ["auditor", "nurse", "pharmacist", "apheresis_coordinator"])
    def test_others_are_refused(self, client, personas, programme, role):
        services.dashboard_recompute(scope=selectors.Scope())
        before = DashboardSnapshot.objects.get().computed_at
        client.force_login(personas[role])
        assert client.post(reverse("reports:dashboard_refresh")).status_code == 403
        assert DashboardSnapshot.objects.get().computed_at == before

    def test_auditor_sees_no_button(self, client, auditor_cara, dr_ben, programme):
        client.force_login(auditor_cara)
        assert (
            'data-testid="dashboard-refresh"'
            not in client.get(reverse("reports:dashboard")).content.decode()
        )
        client.force_login(dr_ben)
        assert (
            'data-testid="dashboard-refresh"'
            in client.get(reverse("reports:dashboard")).content.decode()
        )

    def test_bad_filter_recomputes_nothing(self, client, dr_ben, programme):
        client.force_login(dr_ben)
        response = client.post(
            reverse("reports:dashboard_refresh"),
            {"infused_from": "2026-05-01", "infused_to": "2026-01-01"},
            follow=True,
        )
        assert "nothing was recomputed" in response.content.decode()
        # The redirect's GET computed the unfiltered figures, nothing else.
        assert list(DashboardSnapshot.objects.values_list("scope_key", flat=True)) == ["all"]

    def test_get_is_refused(self, client, dr_ben):
        client.force_login(dr_ben)
        assert client.get(reverse("reports:dashboard_refresh")).status_code == 405


class TestApi:
    def test_figures_say_when_they_were_computed(self, dr_ben, programme):
        api = APIClient()
        api.force_authenticate(dr_ben)
        body = api.get("/api/reports/dashboard/").json()
        assert body["computed_at"].startswith("2026-09-30T01:00:00") and body["stale"] is False

    def test_refresh(self, admin_alex, auditor_cara, dr_ben, ward_7a, programme):
        api = APIClient()
        api.force_authenticate(admin_alex)
        assert referred(api.get("/api/reports/dashboard/").json()) == 1
        refer_one(dr_ben, ward_7a)
        response = api.post("/api/reports/dashboard/refresh/")
        assert response.status_code == 200 and referred(response.json()) == 2
        bad = api.post("/api/reports/dashboard/refresh/?infused_to=not-a-date")
        assert bad.status_code == 400 and "infused_to" in bad.json()
        api.force_authenticate(auditor_cara)
        assert api.post("/api/reports/dashboard/refresh/").status_code == 403


class TestSweep:
    def test_keeps_viewed_figures_fresh_and_drops_unused_filters(
        self, dr_ben, ward_7a, programme, frozen
    ):
        assert services.dashboard_refresh_sweep() == {"refreshed": 1, "dropped": 0}
        services.dashboard_snapshot_for_reader(scope=selectors.Scope(diagnosis="MM"))
        services.dashboard_snapshot_for_reader(scope=selectors.Scope(diagnosis="LBCL"))
        # Fresh figures are left alone.
        assert services.dashboard_refresh_sweep() == {"refreshed": 0, "dropped": 0}
        refer_one(dr_ben, ward_7a)
        frozen.shift(timedelta(minutes=11))
        assert services.dashboard_refresh_sweep() == {"refreshed": 3, "dropped": 0}
        assert referred(DashboardSnapshot.objects.get(scope_key="all").data) == 2
        # Nobody looks for 8 days: filtered figures go, the unfiltered ones stay fresh.
        frozen.shift(timedelta(days=8))
        assert services.dashboard_refresh_sweep() == {"refreshed": 1, "dropped": 2}
        assert list(DashboardSnapshot.objects.values_list("scope_key", flat=True)) == ["all"]

    def test_a_lost_refresh_message_is_done_by_the_sweep(self, programme, frozen):
        services.dashboard_snapshot_for_reader(scope=selectors.Scope(diagnosis="MM"))
        frozen.shift(timedelta(days=2))  # no longer "viewed lately"
        services.dashboard_snapshot_for_reader(scope=selectors.Scope(diagnosis="MM"))
        snapshot = DashboardSnapshot.objects.get(scope_key="diagnosis=MM")
        assert snapshot.refresh_requested_at is not None  # queued; say the message was lost
        services.dashboard_refresh_sweep()
        snapshot.refresh_from_db()
        assert snapshot.refresh_requested_at is None
        assert not services.snapshot_is_stale(snapshot, now=snapshot.computed_at)

    def test_beat_schedules_the_sweep(self, settings):
        tasks_scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
        assert "reports.tasks.refresh_dashboard_snapshots" in tasks_scheduled
