"""Reads of the reports app that span tables: the dashboard's figures (dashboard.py, per
course in course_figures.py, as tables in tables.py) and the course of an export."""

from .dashboard import (
    AT_RISK_MONTHS,
    GRADES,
    Scope,
    dashboard_data,
    dashboard_data_full,
    dashboard_figures,
    scoped_courses,
    split_curve_points,
)
from .exports import course_for_export
from .tables import MEDIAN_RULE_TEXT, dashboard_tables, km_curve_rows, pfs_censoring_text

__all__ = [
    "AT_RISK_MONTHS",
    "GRADES",
    "MEDIAN_RULE_TEXT",
    "Scope",
    "course_for_export",
    "dashboard_data",
    "dashboard_data_full",
    "dashboard_figures",
    "dashboard_tables",
    "km_curve_rows",
    "pfs_censoring_text",
    "scoped_courses",
    "split_curve_points",
]
