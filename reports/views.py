import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.files import protected_file_response
from core.permissions import require

from . import datasets, fhir, selectors, services
from .access import (
    can_export,
    can_export_identifiable,
    can_read_export_log,
    can_refresh_dashboard,
    can_see_dashboard,
)
from .forms import BACKGROUND, DashboardFilterForm, ExportForm, FhirBundleForm
from .models import ExportJob, ExportLog, FileFormat
from .writers import csv_lines

RECENT = 20


def _errors_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_centre(request):
    require(can_export(request.user))
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key, file_format, filters = data["dataset"], data["file_format"], form.filters()
        mode = {"identifiable": form.identifiable, "purpose": data["purpose"]}
        try:
            large = data["delivery"] != BACKGROUND and services.export_too_large_to_download(
                by=request.user, dataset_key=key, filters=filters
            )
            if data["delivery"] == BACKGROUND or large:
                job = services.export_job_request(
                    by=request.user,
                    dataset_key=key,
                    file_format=file_format,
                    filters=filters,
                    **mode,
                )
                if large:
                    messages.info(
                        request,
                        _(
                            "%(n)s rows are too many to download at once: the export runs "
                            "in the background and this page shows its progress."
                        )
                        % {"n": large},
                    )
                else:
                    messages.success(request, _("Export queued; this page shows its progress."))
                return redirect("reports:job", pk=job.pk)
            filename = services.export_filename(key, file_format)
            if file_format == FileFormat.CSV:
                lines = services.export_csv_stream(
                    by=request.user, dataset_key=key, filters=filters, as_bytes=True, **mode
                )
                return csv_response(lines, filename)
            handle = services.export_xlsx_file(
                by=request.user, dataset_key=key, filters=filters, **mode
            )
            return FileResponse(handle, as_attachment=True, filename=filename)
        except ValidationError as error:
            form.add_error(None, _errors_text(error))
        except PermissionDenied as error:
            form.add_error(None, str(error))
    jobs = ExportJob.objects.filter(requested_by=request.user)[:RECENT]
    return render(
        request,
        "reports/export_centre.html",
        {
            "form": form,
            "datasets": [d for d in datasets.all_datasets() if d.allowed(request.user)],
            "jobs": jobs,
            "can_export_identifiable": can_export_identifiable(request.user),
            "can_read_export_log": can_read_export_log(request.user),
            "fhir_form": FhirBundleForm(auto_id="fhir-%s"),
        },
    )


def export_log(request):
    require(can_read_export_log(request.user))
    entries = ExportLog.objects.select_related("user")[:200]
    return render(request, "reports/export_log.html", {"entries": entries})


def _job_for_user(user, pk) -> ExportJob:
    """Only the member of staff who asked for an export may see or download it."""
    require(can_export(user))
    try:
        return ExportJob.objects.get(pk=pk, requested_by=user)
    except ExportJob.DoesNotExist:
        raise Http404 from None


def job_detail(request, pk):
    job = _job_for_user(request.user, pk)
    return render(request, "reports/job_detail.html", {"job": job})


@require_GET
def job_status(request, pk):
    """The progress fragment htmx polls; once the job has finished it stops polling."""
    job = _job_for_user(request.user, pk)
    return render(request, "reports/_job_status.html", {"job": job})


@require_GET
def job_download(request, pk):
    job = _job_for_user(request.user, pk)
    try:
        name = services.job_file(job)
    except ValidationError as error:
        messages.error(request, _errors_text(error))
        return redirect("reports:job", pk=job.pk)
    return protected_file_response(
        request,
        name=name,
        under=services.EXPORT_DIR,
        download_name=services.job_download_name(job),
        missing_message=services.job_file_missing_message(),
    )


@require_GET
def fhir_bundle(request):
    """A course's FHIR Bundle as a JSON download. A bundle is the course's chart, so it is an
    identifiable export: auditors and clinicians only, with a stated purpose; logged.
    Administrators are refused (they get pseudonymised tables, never charts)."""
    require(can_export_identifiable(request.user))
    form = FhirBundleForm(request.GET)
    if not form.is_valid():
        messages.error(
            request,
            _("A FHIR bundle needs a course number and the purpose of the export: %(errors)s")
            % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
        )
        return redirect("reports:exports")
    course = selectors.course_for_export(request.user, form.cleaned_data["course"])
    if not fhir.fhir_available():
        messages.error(request, _("FHIR export needs the fhir.resources package."))
        return redirect("reports:exports")
    bundle = fhir.course_bundle(course)
    fhir.validate_bundle(bundle)
    services.fhir_export_log(
        by=request.user,
        course=course,
        resources=len(bundle["entry"]),
        purpose=form.cleaned_data["purpose"],
    )
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="course-{course.pk}-fhir.json"'
    response["Cache-Control"] = "no-store"
    return response


def _dashboard_data(request):
    require(can_see_dashboard(request.user))
    form = DashboardFilterForm(request.GET or None)
    snapshot, stale = services.dashboard_snapshot_for_reader(scope=form.scope())
    return form, snapshot, stale


@require_GET
def dashboard(request):
    form, snapshot, stale = _dashboard_data(request)
    data = snapshot.data
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "data": data,
            "snapshot": snapshot,
            "stale": stale,
            "fresh_minutes": int(services.snapshot_fresh_for().total_seconds() // 60),
            "tables": selectors.dashboard_tables(data),
            "pfs_censoring_text": selectors.pfs_censoring_text(data),
            "median_rule_text": selectors.MEDIAN_RULE_TEXT,
            "query": request.GET.urlencode(),
            "can_export": can_export(request.user),
            "can_refresh": can_refresh_dashboard(request.user),
        },
    )


@require_POST
def dashboard_refresh(request):
    """Recompute the figures now (they are otherwise refreshed in the background)."""
    require(can_refresh_dashboard(request.user))
    form = DashboardFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The dashboard filter is not valid; nothing was recomputed."))
        return redirect("reports:dashboard")
    services.dashboard_recompute(scope=form.scope())
    messages.success(request, _("The dashboard figures were recomputed."))
    query = urlencode({k: v for k, v in form.data.items() if k in form.fields and v})
    return redirect(reverse("reports:dashboard") + (f"?{query}" if query else ""))


@require_GET
def dashboard_csv(request, key):
    """One chart's table as CSV (aggregates; logged like every export)."""
    form, snapshot, _stale = _dashboard_data(request)
    data = snapshot.data
    if key.endswith("-curve") and key[: -len("-curve")] in ("pfs", "os"):
        header, rows = selectors.km_curve_rows(snapshot.curve_points, key[: -len("-curve")])
    else:
        table = next((t for t in selectors.dashboard_tables(data) if t["key"] == key), None)
        if table is None:
            raise Http404
        header, rows = [str(h) for h in table["header"]], table["rows"]
    services.dashboard_export_log(
        by=request.user, chart=key, filters=request.GET.dict(), rows=len(rows)
    )
    lines = csv_lines(header, ([services.cell(v) for v in row] for row in rows))
    return csv_response(lines, f"dashboard-{key}-{timezone.localdate():%Y%m%d}.csv")
