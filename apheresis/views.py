from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.files import protected_file_response
from core.forms import add_service_errors
from core.permissions import can_read_patients, require, works_at_bedside
from patients.selectors import course_for_user

from . import labels, rules, selectors, services, text
from .forms import (
    BagScanForm,
    CancelForm,
    CollectionForm,
    CorrectionForm,
    CustodyForm,
    ManufacturingForm,
    OutOfSpecForm,
    OverrideForm,
    ReceiptForm,
    ScheduleForm,
    VerifyForm,
)
from .models import ScheduleStatus


def _course_page(course):
    return redirect("apheresis:course", pk=course.pk)


def board(request):
    """The apheresis coordinator's board: collections ahead, cells on the way, products held."""
    require(can_read_patients(request.user))
    return render(
        request,
        "apheresis/board.html",
        {
            **selectors.coordinator_board(request.user),
            "can_write": services.can_write(request.user),
        },
    )


def course_page(request, pk):
    course = course_for_user(request.user, pk)
    planned = course.collection_schedules.filter(status=ScheduleStatus.PLANNED).first()
    collections = []
    for collection in selectors.course_collections(course):
        log = selectors.custody_log(collection)
        steps = [row.event for row in log if row.in_effect]
        last = steps[-1].kind if steps else None
        collections.append(
            {
                "collection": collection,
                "log": log,
                "last_step": last,
                "next_kind": _next_kind(last),
                "manufacturing": getattr(collection, "manufacturing", None),
                "receipt": getattr(collection, "receipt", None),
                "vein_to_vein": selectors.vein_to_vein_for(collection),
            }
        )
    return render(
        request,
        "apheresis/course.html",
        {
            "course": course,
            "coi": selectors.coi_for(course),
            "planned": planned,
            "check_rows": selectors.schedule_check_rows(planned) if planned else [],
            "past_schedules": course.collection_schedules.exclude(status=ScheduleStatus.PLANNED)
            .select_related("created_by")
            .prefetch_related("overrides__overridden_by"),
            "collections": collections,
            # Once cells are collected, the bag label is the next step, not another booking.
            "label_first": bool(collections),
            "verifications": selectors.verifications_for(course),
            "verifiers": selectors.coi_verifiers(course),
            "double_verified": selectors.coi_double_verified(course),
            "can_write": services.can_write(request.user),
            "can_book": services.can_write(request.user)
            and course.stage in services.SCHEDULABLE_STAGES,
            "can_override": services.can_override(request.user),
            "can_verify": services.can_verify(request.user),
            "cancel_form": CancelForm(),
        },
    )


def _next_kind(last: str | None) -> str | None:
    if last is None or last == rules.THAWED:
        return None
    position = rules.CUSTODY_SEQUENCE.index(last)
    following = rules.CUSTODY_SEQUENCE[position + 1]
    return None if following in services.RECORDED_ELSEWHERE else following


def _form_page(request, form, save, *, course, title, done, notify=messages.success, **context):
    """The shape every apheresis form shares: a valid POST goes to its service, a refusal
    shows on the form and saves nothing, success returns to the course page."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notify(request, done)
            return _course_page(course)
    return render(
        request,
        "apheresis/form.html",
        {"course": course, "form": form, "title": title, **context},
    )


def schedule_new(request, pk):
    course = course_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = ScheduleForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: services.schedule_create(by=request.user, course=course, **form.service_fields()),
        course=course,
        title=_("Book a collection"),
        done=_("Collection booked."),
    )


def schedule_edit(request, pk):
    schedule = selectors.schedule_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = ScheduleForm(
        request.POST or None, instance=schedule, initial={"version": schedule.version}
    )
    return _form_page(
        request,
        form,
        lambda: services.schedule_update(
            by=request.user,
            schedule=schedule,
            expected_version=form.cleaned_data["version"] or 0,
            **form.service_fields(),
        ),
        course=schedule.course,
        title=_("Change the collection"),
        done=_("Collection updated."),
    )


@require_POST
def schedule_cancel(request, pk):
    schedule = selectors.schedule_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.schedule_cancel(
            by=request.user, schedule=schedule, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Collection cancelled."))
    return _course_page(schedule.course)


@require_POST
def check_override(request, pk):
    schedule = selectors.schedule_for_user(request.user, pk)
    require(services.can_override(request.user))
    form = OverrideForm(request.POST)
    form.is_valid()
    try:
        services.check_override(
            by=request.user,
            schedule=schedule,
            check_code=form.cleaned_data.get("check_code", ""),
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Override recorded for “%(check)s”.")
            % {"check": text.check_label(form.cleaned_data["check_code"])},
        )
    return _course_page(schedule.course)


def collection_new(request, pk):
    schedule = selectors.schedule_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = CollectionForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: services.collection_record(by=request.user, schedule=schedule, **form.cleaned_data),
        course=schedule.course,
        title=_("Record the collection"),
        done=_("Collection recorded. Print the bag label now."),
        check_rows=selectors.schedule_check_rows(schedule),
    )


def custody_new(request, pk):
    collection = selectors.collection_for_user(request.user, pk)
    require(services.can_write(request.user))
    steps = selectors.effective_steps(collection)
    next_kind = _next_kind(steps[-1].kind if steps else None)
    form = CustodyForm(
        request.POST or None,
        coi_id=collection.coi_id,
        next_kind=next_kind,
        place=selectors.custody_last_place(next_kind),
        handled_by=str(request.user),
    )
    return _form_page(
        request,
        form,
        lambda: services.custody_record(
            by=request.user, collection=collection, **form.service_fields()
        ),
        course=collection.course,
        title=_("Log a custody event"),
        done=_("Custody event logged."),
        coi_id=collection.coi_id,
        submit_label=_("Confirm"),
    )


def custody_correct(request, pk):
    event = selectors.custody_event_for_user(request.user, pk)
    require(services.can_write(request.user))
    original = event.corrects or event
    latest = original.corrections.order_by("-id").first() or original
    form = CorrectionForm(
        request.POST or None,
        initial={
            "occurred_at": timezone.localtime(latest.occurred_at).replace(second=0),
            "place": latest.place,
            "handled_by": latest.handled_by,
            "temperature_c": latest.temperature_c,
        },
    )
    return _form_page(
        request,
        form,
        lambda: services.custody_correct(by=request.user, event=original, **form.cleaned_data),
        course=event.collection.course,
        title=_("Correct “%(event)s”") % {"event": original.get_kind_display()},
        done=_("Correction logged; the original stays in the log."),
        coi_id=event.coi_id,
    )


def manufacturing_edit(request, pk):
    collection = selectors.collection_for_user(request.user, pk)
    require(services.can_write(request.user))
    record = collection.manufacturing
    form = ManufacturingForm(
        request.POST or None, instance=record, initial={"version": record.version}
    )
    return _form_page(
        request,
        form,
        lambda: services.manufacturing_update(
            by=request.user,
            collection=collection,
            expected_version=form.cleaned_data["version"],
            **form.service_fields(),
        ),
        course=collection.course,
        title=_("Manufacturing"),
        done=_("Manufacturing record saved."),
        coi_id=collection.coi_id,
    )


def oos_new(request, pk):
    collection = selectors.collection_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = OutOfSpecForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: services.oos_record(by=request.user, collection=collection, **form.cleaned_data),
        course=collection.course,
        title=_("Out-of-specification result"),
        done=_("Out-of-specification result recorded."),
        notify=messages.warning,
        coi_id=collection.coi_id,
    )


def receipt_new(request, pk):
    collection = selectors.collection_for_user(request.user, pk)
    require(services.can_write(request.user))
    form = ReceiptForm(request.POST or None, request.FILES or None)
    return _form_page(
        request,
        form,
        lambda: services.product_receive(
            by=request.user, collection=collection, **form.cleaned_data
        ),
        course=collection.course,
        title=_("Receive the product"),
        done=_("Product received."),
        coi_id=collection.coi_id,
        multipart=True,
    )


def certificate(request, pk):
    """The release certificate, only to those who may see the patient (never from /media/)."""
    collection = selectors.collection_for_user(request.user, pk)
    receipt = getattr(collection, "receipt", None)
    if receipt is None or not receipt.release_certificate:
        raise Http404
    extension = receipt.release_certificate.name.rsplit(".", 1)[-1].lower()
    content_type = {
        "pdf": "application/pdf",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
    }.get(extension, "application/octet-stream")
    return protected_file_response(
        request,
        name=receipt.release_certificate.name,
        download_name=f"release-certificate-{receipt.coi_id}.{extension}",
        content_type=content_type,
    )


def label(request, pk):
    """The bag label: COI ID as text and QR code, with the patient's identifiers."""
    course = course_for_user(request.user, pk)
    coi = selectors.coi_for(course)
    if coi is None:
        messages.error(request, _("This course has no COI ID yet: book a collection first."))
        return _course_page(course)
    collection = selectors.course_collections(course).first()
    return render(
        request,
        "apheresis/label.html",
        {
            "course": course,
            "coi": coi,
            "qr_svg": labels.coi_qr_svg(coi.coi_id),
            "collection": collection,
            "copies": range(2),
            "label_stock_mm": settings.LABEL_STOCK_MM,
        },
    )


def verify(request, pk):
    """Scan a bag against the patient. A mismatch is refused loudly, and logged."""
    course = course_for_user(request.user, pk)
    require(services.can_verify(request.user))
    form = VerifyForm(request.POST or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.bag_verify(by=request.user, course=course, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if result.matched:
                messages.success(request, str(text.SCAN_MESSAGES[result.result]))
                return redirect("apheresis:verify", pk=course.pk)
            # 409: the bag and the patient are in conflict.
            status = 409
            form = VerifyForm(initial={"purpose": form.cleaned_data["purpose"]})
    return render(
        request,
        "apheresis/verify.html",
        {
            "course": course,
            "coi": selectors.coi_for(course),
            "form": form,
            "refused": result,
            "refusal": text.SCAN_MESSAGES[result.result] if result else "",
            "verifications": selectors.verifications_for(course, limit=10),
            "verifiers": selectors.coi_verifiers(course),
            "double_verified": selectors.coi_double_verified(course),
        },
        status=status,
    )


@require_POST
def bedside_check(request, pk):
    """The bedside bag check posted from the infusion gate page; back to the gate after."""
    course = course_for_user(request.user, pk)
    require(works_at_bedside(request.user))
    form = BagScanForm(request.POST)
    form.is_valid()
    try:
        verification = services.bedside_verify(
            by=request.user,
            course=course,
            scanned_text=form.cleaned_data.get("scanned_text", ""),
            password=form.cleaned_data.get("password", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if verification.matched:
            messages.success(request, _("Bag matches the patient's COI ID."))
        else:
            messages.error(
                request,
                _("STOP: the bag does not match this patient (%(r)s). Do not infuse.")
                % {"r": verification.get_result_display()},
            )
    return redirect("infusion:gate", pk=course.pk)
