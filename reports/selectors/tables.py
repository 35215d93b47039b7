"""The dashboard's figures as tables (shown under each chart and offered as CSV) and the
words for its conventions."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followup import outcomes

from .dashboard import AT_RISK_MONTHS, GRADES

PFS_CENSORING_TEXT = {
    outcomes.PFS_FDA_2018: gettext_lazy(
        "PFS censoring: FDA 2018 (Clinical Trial Endpoints guidance) — a new anti-cancer "
        "therapy before progression censors PFS at the last adequate response assessment "
        "before it."
    ),
    outcomes.PFS_EMA: gettext_lazy(
        "PFS censoring: EMA (anticancer guideline, Appendix 1 on PFS) — a new anti-cancer "
        "therapy does not censor; progression or death counts whatever therapy came before."
    ),
}
MEDIAN_RULE_TEXT = gettext_lazy(
    "Median: the first time the curve reaches 0.5; where it sits exactly at 0.5 on a "
    "plateau, the midpoint of the plateau, as R's quantile.survfit does."
)


def pfs_censoring_text(data: dict) -> str:
    """The convention the stored figures were computed with, in words (older snapshots that
    did not record it were computed under FDA 2018, the only convention then)."""
    return str(PFS_CENSORING_TEXT[data.get("pfs_censoring", outcomes.PFS_FDA_2018)])


def dashboard_tables(data: dict) -> list[dict]:
    """Every chart's numbers as a table (key, title, header, rows): shown under the chart
    and offered as CSV."""
    grades = [_("Grade %(g)s") % {"g": g} for g in GRADES]

    def grade_rows(rows):
        return [
            [
                r["label"],
                r["assessed"],
                *[
                    f"{c} ({p if p is not None else '–'}%)"
                    for c, p in zip(r["counts"], r["percent"], strict=True)
                ],
                r["any_grade"],
                r["grade_3_plus"],
            ]
            for r in rows
        ]

    def km_rows(curves):
        return [
            [
                c["label"],
                c["n"],
                c["events"],
                c["median"],
                c["median_lower"],
                c["median_upper"],
                *c["at_risk"],
            ]
            for c in curves
        ]

    at_risk = [_("At risk, month %(m)s") % {"m": m} for m in AT_RISK_MONTHS]
    km_header = [
        _("Product"),
        _("Patients"),
        _("Events"),
        _("Median (months)"),
        # xgettext:no-python-format
        _("Median, lower 95% limit (months)"),
        # xgettext:no-python-format
        _("Median, upper 95% limit (months)"),
        *at_risk,
    ]
    return [
        {
            "key": "stages",
            "title": _("Courses per stage"),
            "header": [_("Stage"), _("Courses")],
            "rows": [[s["label"], s["count"]] for s in data["stages"]],
        },
        {
            "key": "monthly",
            "title": _("Referrals and infusions per month"),
            "header": [_("Month"), _("Referrals"), _("Infusions")],
            "rows": [
                [m, r, i]
                for m, r, i in zip(
                    data["monthly"]["months"],
                    data["monthly"]["referrals"],
                    data["monthly"]["infusions"],
                    strict=True,
                )
            ],
        },
        {
            "key": "intervals",
            "title": _("Days between stages"),
            "header": [
                _("Interval"),
                _("Courses"),
                _("Median (days)"),
                _("Q1 (days)"),
                _("Q3 (days)"),
            ],
            "rows": [
                [i["label"], i["n"], i["median"], i["q1"], i["q3"]] for i in data["intervals"]
            ],
        },
        {
            "key": "crs",
            "title": _("CRS by maximum grade (ASTCT)"),
            "header": [
                _("Product"),
                _("Assessed"),
                *grades,
                _("Any grade (%)"),
                _("Grade ≥ 3 (%)"),
            ],
            "rows": grade_rows(data["crs"]),
        },
        {
            "key": "icans",
            "title": _("ICANS by maximum grade (ASTCT)"),
            "header": [
                _("Product"),
                _("Assessed"),
                *grades,
                _("Any grade (%)"),
                _("Grade ≥ 3 (%)"),
            ],
            "rows": grade_rows(data["icans"]),
        },
        {
            "key": "treatments",
            "title": _("Tocilizumab, corticosteroids and ICU transfer"),
            "header": [
                _("Product"),
                _("Infused"),
                _("Tocilizumab (n)"),
                _("Tocilizumab (%)"),
                _("Corticosteroids (n)"),
                _("Corticosteroids (%)"),
                _("ICU transfer (n)"),
                _("ICU transfer (%)"),
            ],
            "rows": [
                [
                    t["label"],
                    t["infused"],
                    t["tocilizumab"],
                    t["tocilizumab_percent"],
                    t["steroids"],
                    t["steroids_percent"],
                    t["icu"],
                    t["icu_percent"],
                ]
                for t in data["treatments"]
            ],
        },
        {
            "key": "response",
            "title": _("Best response (Lugano 2014)"),
            "header": [
                _("Product"),
                _("Infused"),
                _("Response assessed"),
                "CR",
                "PR",
                "SD",
                "PD",
                _("ORR (%)"),
                _("CR rate (%)"),
            ],
            "rows": [
                [
                    r["label"],
                    r["infused"],
                    r["response_assessed"],
                    r["CR"],
                    r["PR"],
                    r["SD"],
                    r["PD"],
                    r["orr_percent"],
                    r["cr_percent"],
                ]
                for r in data["response"]
            ],
        },
        {
            "key": "pfs",
            "title": _("Progression-free survival (Kaplan–Meier)"),
            "header": km_header,
            "rows": km_rows(data["pfs"]),
        },
        {
            "key": "os",
            "title": _("Overall survival (Kaplan–Meier)"),
            "header": km_header,
            "rows": km_rows(data["os"]),
        },
    ]


def km_curve_rows(curve_points: dict, key: str) -> tuple[list[str], list[list]]:
    """The full step table of a survival chart (for its CSV): one row per time and product."""
    header = ["product", "time_months", "survival", "lower_95ci", "upper_95ci"]
    rows = [
        [product, p["t"], p["s"], p["lower"], p["upper"]]
        for product, points in curve_points[key].items()
        for p in points
    ]
    return header, rows
