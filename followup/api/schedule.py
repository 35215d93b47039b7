"""Follow-up API: the visit schedule and its worklists."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from core.permissions import ReadsPatients
from patients.selectors import courses_visible_to

from .. import schedule, selectors
from ..models import (
    ScheduledVisit,
    VisitState,
)
from .discharge import CourseFilter

# --- Schedule ----------------------------------------------------------------------------


class ScheduledVisitSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField(
        help_text=_("upcoming, due (window open), overdue, done or cancelled, as of today.")
    )
    days_overdue = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField(help_text=_("Id of the visit record, if done."))

    class Meta:
        model = ScheduledVisit
        fields = [
            "id",
            "course",
            "code",
            "label",
            "sequence",
            "target_date",
            "window_start",
            "window_end",
            "visit_state",
            "status",
            "days_overdue",
            "cancel_reason",
            "record",
        ]

    def _today(self):
        return self.context.setdefault("today", timezone.localdate())

    def get_status(self, visit) -> str:
        return visit.status_on(self._today())

    def get_days_overdue(self, visit) -> int:
        if visit.status_on(self._today()) != schedule.OVERDUE:
            return 0
        return schedule.days_overdue(window_end=visit.window_end, today=self._today())

    def get_record(self, visit) -> int | None:
        record = getattr(visit, "record", None)
        return record.pk if record is not None else None


WORKLISTS = [
    ("due_this_week", _("Due this week")),
    ("overdue", _("Overdue")),
]


class ScheduleFilter(CourseFilter):
    visit_state = filters.ChoiceFilter(choices=VisitState.choices)
    worklist = filters.ChoiceFilter(choices=WORKLISTS, method="filter_worklist")

    class Meta:
        model = ScheduledVisit
        fields = ["course", "patient", "visit_state", "worklist"]

    def filter_worklist(self, queryset, name, value):
        today = timezone.localdate()
        user = self.request.user
        if value == "overdue":
            chosen = selectors.visits_overdue(user, today)
        else:
            chosen = selectors.visits_due_this_week(user, today)
        return queryset.filter(pk__in=chosen.values("pk"))


class ScheduleViewSet(viewsets.ReadOnlyModelViewSet):
    """Scheduled follow-up visits with their due windows and today's status.
    `worklist=overdue` or `worklist=due_this_week` gives the nurses' worklists."""

    serializer_class = ScheduledVisitSerializer
    permission_classes = [ReadsPatients]
    filterset_class = ScheduleFilter
    ordering_fields = ["target_date", "window_end", "sequence"]
    ordering = ["target_date", "id"]

    def get_queryset(self):
        return ScheduledVisit.objects.filter(
            course__in=courses_visible_to(self.request.user).values("pk")
        ).select_related("record")
