"""The Today list's rows as HTML, written here rather than by the template engine (issue 20
item 2).

The rows are built again after every write on the ward, for some 35 patients and 130 task
badges: the template's 1,200 node evaluations took 4 ms, a tenth of the page; this takes
0.3 ms (bench/measure.py today_pages, "rows built"). This module writes
the same bytes (tests/monitoring/test_today_golden.py compares them with the golden page),
every value escaped as the template escaped it (conditional_escape). A change of the rows'
markup is made here, and the golden files updated with GOLDEN_UPDATE=1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.html import conditional_escape as esc

if TYPE_CHECKING:
    from .selectors import TaskBadge, TodayRow

_ROW_START = '\n\n<div class="card mb-2{border}" data-testid="today-row-{mrn}">\n'
_ROW_HEAD = """\
  <div class="card-body py-2">
    <div class="d-flex flex-wrap justify-content-between align-items-center gap-2">
      <div>
        <a class="fw-bold fs-5" href="{course_url}">{name}</a>
        <span class="text-muted">{mrn} · {ward_name} · {product}</span>
        <span class="badge text-bg-dark day-label">{day_label}</span>
        {outpatient}
        {decision}
      </div>
      <div class="d-flex gap-2 align-items-center">
        <span class="badge fs-6 {crs_class}" data-testid="crs-grade">
          CRS {crs}{crs_trend}</span>
        <span class="badge fs-6 {icans_class}" data-testid="icans-grade">
          ICANS {icans}{icans_trend}</span>
        {assess}
      </div>
    </div>
    {escalations}
    <div class="d-flex flex-wrap gap-1 mt-1">
      {overdue}
      {due}
      {done}
    </div>
  </div>
</div>

"""
_TREND = {"up": " ↑", "down": " ↓"}


def _crs_class(grade: int | None) -> str:
    if grade is not None and grade >= 2:
        return "text-bg-danger"
    return "text-bg-warning" if grade == 1 else "text-bg-success"


def _icans_class(grade: int | None) -> str:
    if grade is None:
        return "text-bg-secondary"
    if grade >= 2:
        return "text-bg-danger"
    return "text-bg-warning" if grade == 1 else "text-bg-success"


def _badges(tasks: list[TaskBadge], start: str, *, taken: bool = True) -> str:
    """``start``: the badge's opening tag and its word, escaped."""
    return "".join(
        f"{start} {esc(t.kind_label)} {esc(t.when)}"
        + (f" · {esc(t.taken_by)}" if taken and t.taken_by else "")
        + "</span>"
        for t in tasks
    )


def rows_html(rows: list[TodayRow], *, labels: dict[str, str], can_assess: bool) -> str:
    """The rows of the list (or the sentence saying there are none), as the page shows them;
    ``labels``: today_cache.labels(), the words translated once for the page."""
    if not rows:
        return f'\n<p class="text-muted">{esc(labels["empty"])}</p>\n\n'
    words = {key: esc(text) for key, text in labels.items()}
    outpatient = (
        f'<span class="badge text-bg-info" data-testid="outpatient">{words["outpatient"]}</span>'
    )
    may_end = f'<span class="badge text-bg-success" data-testid="may-end">{words["may_end"]}</span>'
    past_window = (
        f'<span class="badge text-bg-warning" data-testid="past-window">'
        f"{words['past_window']}</span>"
    )
    overdue = f'<span class="badge text-bg-danger" data-testid="task-overdue">{words["overdue"]}'
    due = f'<span class="badge text-bg-warning" data-testid="task-due">{words["due"]}'
    done = '<span class="badge text-bg-light border" data-testid="task-done">✓'
    parts = []
    for row in rows:
        mrn = esc(row.mrn)
        decision = row.decision
        border = (
            " border-danger border-2"
            if row.escalations
            else (" border-danger" if row.overdue else "")
        )
        parts.append(_ROW_START.format(border=border, mrn=mrn))
        parts.append(
            _ROW_HEAD.format(
                course_url=esc(row.course_url),
                name=esc(row.name),
                mrn=mrn,
                ward_name=esc(row.ward_name),
                product=esc(row.product),
                day_label=esc(row.day_label),
                outpatient=outpatient if row.outpatient else "",
                decision=(
                    may_end
                    if decision and decision.may_end
                    else (past_window if decision and decision.past_window else "")
                ),
                crs_class=_crs_class(row.crs_grade),
                crs="–" if row.crs_grade is None else row.crs_grade,
                crs_trend=_TREND.get(row.crs_trend, ""),
                icans_class=_icans_class(row.last_icans),
                icans="–" if row.last_icans is None else row.last_icans,
                icans_trend=_TREND.get(row.icans_trend, ""),
                assess=(
                    f'<a class="btn btn-primary" href="{esc(row.assess_url)}">{words["assess"]}</a>'
                    if can_assess
                    else ""
                ),
                escalations="".join(
                    '\n    <div class="alert alert-danger py-1 px-2 my-1 small" role="alert">'
                    f"{words['escalated']} {esc(e.reason)} ({esc(e.when)})</div>\n    "
                    for e in row.escalations
                ),
                overdue=_badges(row.overdue, overdue),
                due=_badges(row.due, due),
                done=_badges(row.done_this_shift, done, taken=False),
            )
        )
    parts.append("\n")
    return "".join(parts)
