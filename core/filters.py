"""Filters shared by the API lists of every stage."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters


class CourseRecordFilter(filters.FilterSet):
    """The one course filter of the lists of a course's records (screenings, collections,
    plans, assessments, visits…): ``?course=<id>``. The list's queryset already holds only the
    courses the user may see, so another course's id finds nothing."""

    course = filters.NumberFilter(field_name="course_id", label=_("Treatment course (id)"))
