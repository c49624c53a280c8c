"""The data-quality page for supervisors and agency leads: counts per HUD
universal data element and the reference codes of the records to fix.
Reads go through ``clients.data_quality`` (scoped by the user); no PII."""

from django.shortcuts import render

from clients import data_quality, queries
from clients.forms import DataQualityFilterForm
from hmis.pagination import page_number
from hmis.permissions import EDIT_CLIENTS, VIEW_DATA_QUALITY, has_permission, requires

PAGE_SIZE = 50
ROW_HEIGHT = 46  # chart units: a label line, then the bar


@requires(VIEW_DATA_QUALITY)
def data_quality_page(request):
    user = request.user
    form = DataQualityFilterForm(request.GET, projects=queries.projects_of(user, active_only=False))
    context = {"form": form, "states": data_quality.CHART_STATES}
    if form.is_valid():
        filters = data_quality.Filters(**form.cleaned_data)
        page = page_number(request)
        report = data_quality.report_for(user, filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        context.update(
            report=report,
            chart_rows=[(row, ROW_HEIGHT * i) for i, row in enumerate(report.rows)],
            chart_height=ROW_HEIGHT * len(report.rows),
            records=report.records[:PAGE_SIZE],
            page=page,
            has_next=len(report.records) > PAGE_SIZE,
            # Keeps the filters on the next and previous pages (dates and a UUID: no PII).
            filter_query=f"start={filters.start.isoformat()}&end={filters.end.isoformat()}"
            + (f"&project={filters.project.pk}" if filters.project else ""),
            # Supervisors edit the record; agency leads open it (masked) and ask a case worker.
            link_to_edit=has_permission(user, EDIT_CLIENTS),
        )
    return render(request, "clients/data_quality.html", context)
