"""Pages for strategic assessments and the imports behind them. Thin: services do the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import DetailView, ListView

from partners.access import is_officer, officer_partnership_ids

from . import services
from .charts import bar_chart
from .forms import DraftForm, FindingsForm, PublishForm, UploadForm
from .models import Assessment, Figure, ImportRun
from .tables import (
    build_tables,
    by_section,
    category_table,
    comparison_rows,
    to_csv,
    to_xlsx,
    trend_rows,
)

KIND_SLUGS = {
    "police-uk": ImportRun.Kind.POLICE_UK,
    "home-office": ImportRun.Kind.HOME_OFFICE,
    "ons-population": ImportRun.Kind.ONS_POPULATION,
}


def can_officer_anywhere(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or bool(officer_partnership_ids(user))
    )


class AssessmentListView(ListView):
    """Every assessment this person may read: published ones, and their partnerships' drafts."""

    template_name = "assessments/assessment_list.html"
    context_object_name = "assessments"

    def get_queryset(self):
        return Assessment.objects.visible_to(self.request.user).select_related("partnership")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_officer"] = can_officer_anywhere(self.request.user)
        return ctx


def visible_assessment(request, slug: str) -> Assessment:
    """The assessment if this person may read it; otherwise a 404, as if it did not exist."""
    return get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("partnership"), slug=slug
    )


def assessment_figures(assessment: Assessment) -> list[Figure]:
    figures = list(
        assessment.figures.select_related("measure", "area", "source_organisation").order_by(
            "order", "pk"
        )
    )
    for f in figures:
        f.assessment = assessment  # Figure.where reads the partnership without another query
    return figures


class AssessmentDetailView(DetailView):
    """An assessment: key findings, headline figures, categories, trend, hotspots, comparison."""

    template_name = "assessments/assessment_detail.html"
    context_object_name = "assessment"

    def get_object(self, queryset=None):
        return visible_assessment(self.request, self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a = self.object
        figures = assessment_figures(a)
        sections = by_section(figures)
        trend = trend_rows(sections["trend"])
        ctx.update(
            findings=list(a.findings.all()),
            headlines=sections["headline"],
            profile=sections["profile"],
            categories=category_table(sections["category"]),
            trend=trend,
            chart=bar_chart(
                [f"{r['month']:%b %y}" for r in trend],
                [r["crimes"] for r in trend],
                [r["asb"] for r in trend],
            )
            if trend
            else None,
            streets=sections["hotspot_location"],
            lsoas=sections["hotspot_lsoa"],
            comparison=comparison_rows(sections["comparison"]),
            tables=build_tables(a, figures),
            can_edit=not a.is_published and is_officer(self.request.user, a.partnership_id),
        )
        return ctx


class TableDownloadView(View):
    """One table of an assessment as CSV or Excel."""

    def get(self, request, slug: str, table: str, fmt: str):
        assessment = visible_assessment(request, slug)
        tables = build_tables(assessment, assessment_figures(assessment))
        if table not in tables or fmt not in ("csv", "xlsx"):
            raise Http404("No such table")
        t = tables[table]
        filename = f"{assessment.slug}-{table}"
        if fmt == "csv":
            response = HttpResponse(to_csv(t), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                to_xlsx(t, f"{assessment.title}: {t.title}"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
        return response


class OfficerRequiredMixin(LoginRequiredMixin):
    """Signed-in CSU officers only: anyone else signed in is refused."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_officer_anywhere(request.user):
            raise PermissionDenied("Only Community Safety Unit officers can do this.")
        return super().dispatch(request, *args, **kwargs)


class DraftCreateView(OfficerRequiredMixin, View):
    """Pick a partnership and a period; the portal computes a draft from the imported data."""

    template_name = "assessments/draft_form.html"

    def form(self, data=None):
        months = services.data_months()
        initial = {}
        if months:
            initial = {"last_month": months[0].isoformat()}
            first = months[min(11, len(months) - 1)]
            initial["first_month"] = first.isoformat()
        return DraftForm(data, user=self.request.user, months=months, initial=initial), months

    def get(self, request):
        form, months = self.form()
        return render(request, self.template_name, {"form": form, "months": months})

    def post(self, request):
        form, months = self.form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "months": months})
        data = form.cleaned_data
        assessment = services.draft_from_data(
            data["partnership"], data["first_month"], data["last_month"], request.user
        )
        messages.success(request, "Draft assessment created from the imported data.")
        return redirect(assessment)


def editable_assessment(request, slug: str) -> Assessment:
    """A draft this person may edit; 404 if they cannot see it, 403 if they only read it."""
    assessment = visible_assessment(request, slug)
    if not is_officer(request.user, assessment.partnership_id):
        raise PermissionDenied("Only the partnership's officers can change an assessment.")
    return assessment


class FindingsEditView(LoginRequiredMixin, View):
    """Edit a draft's title and key findings; a second officer's save is never overwritten."""

    template_name = "assessments/findings_form.html"

    def get(self, request, slug: str):
        assessment = editable_assessment(request, slug)
        if assessment.is_published:
            return self.published(request, assessment)
        form = FindingsForm(
            initial={
                "title": assessment.title,
                "findings": "\n\n".join(f.text for f in assessment.findings.all()),
                "version": assessment.version,
            }
        )
        return render(request, self.template_name, {"form": form, "assessment": assessment})

    def post(self, request, slug: str):
        assessment = editable_assessment(request, slug)
        if assessment.is_published:
            return self.published(request, assessment)
        form = FindingsForm(request.POST)
        conflict = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_key_findings(
                    assessment, data["title"], data["findings"], data["version"]
                )
            except services.AlreadyPublished:
                return self.published(request, assessment)
            except services.EditConflict:
                assessment.refresh_from_db()
                conflict = {
                    "title": assessment.title,
                    "findings": [f.text for f in assessment.findings.all()],
                }
                form = FindingsForm(
                    {**request.POST.dict(), "version": assessment.version}, initial=form.initial
                )
                form.is_valid()
            else:
                messages.success(request, "Key findings saved.")
                return redirect(assessment)
        return render(
            request,
            self.template_name,
            {"form": form, "assessment": assessment, "conflict": conflict},
            status=409 if conflict else 200,
        )

    def published(self, request, assessment):
        messages.info(request, "This assessment is published: it can no longer be changed.")
        return redirect(assessment)


class PublishView(LoginRequiredMixin, View):
    """Confirm, then publish a draft; published assessments never change."""

    template_name = "assessments/publish_confirm.html"

    def get(self, request, slug: str):
        assessment = editable_assessment(request, slug)
        if assessment.is_published:
            return redirect(assessment)
        form = PublishForm(initial={"version": assessment.version})
        return render(request, self.template_name, {"form": form, "assessment": assessment})

    def post(self, request, slug: str):
        assessment = editable_assessment(request, slug)
        form = PublishForm(request.POST)
        if not form.is_valid():
            raise PermissionDenied("The form was incomplete.")
        try:
            services.publish(assessment, form.cleaned_data["version"])
        except services.AlreadyPublished:
            messages.info(request, "This assessment was already published.")
        except services.EditConflict:
            messages.info(
                request,
                "Someone changed this draft after you opened it. Check it, then publish again.",
            )
            return redirect(reverse("assessment_publish", args=[assessment.slug]))
        else:
            messages.success(request, "Assessment published.")
        return redirect(assessment)


# --- imports ---------------------------------------------------------------------------------


class ImportListView(OfficerRequiredMixin, ListView):
    """The imports this officer may follow, newest first."""

    template_name = "assessments/import_list.html"
    context_object_name = "runs"
    paginate_by = 25

    def get_queryset(self):
        return services.visible_import_runs(self.request.user)


class MaxSizeUploadHandler(FileUploadHandler):
    """Stops reading an upload the moment it passes the limit, whatever its headers claimed."""

    def __init__(self, limit: int, request=None) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


@method_decorator(csrf_exempt, name="dispatch")  # checked in checked_post, after the size guard
class ImportCreateView(OfficerRequiredMixin, View):
    """Upload a file; the import runs in the background and its page shows progress."""

    template_name = "assessments/import_form.html"

    def kind(self) -> str:
        try:
            return KIND_SLUGS[self.kwargs["kind"]]
        except KeyError:
            raise Http404("No such import") from None

    def render(self, form, status=200):
        kind = self.kind()
        return render(
            self.request,
            self.template_name,
            {"form": form, "kind_label": ImportRun.Kind(kind).label, "kind": kind},
            status=status,
        )

    def get(self, request, kind: str):
        return self.render(UploadForm(user=request.user, kind=self.kind()))

    def post(self, request, kind: str):
        # Refuse an oversized upload from its declared length, before reading the body; and
        # stop reading one that turns out longer than it said.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.MAX_UPLOAD_BYTES + 64 * 1024:
            form = UploadForm(user=request.user, kind=self.kind())
            limit = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            form.errors["file"] = form.error_class(
                [f"The selected file must be smaller than {limit} MB"]
            )
            return self.render(form, status=413)
        request.upload_handlers.insert(
            0, MaxSizeUploadHandler(settings.MAX_UPLOAD_BYTES + 64 * 1024, request)
        )
        return self.checked_post(request)

    @method_decorator(csrf_protect)
    def checked_post(self, request):
        kind = self.kind()
        form = UploadForm(request.POST, request.FILES, user=request.user, kind=kind)
        if not form.is_valid():
            return self.render(form)
        partnership = form.cleaned_data.get("partnership")
        if partnership and not is_officer(request.user, partnership.pk):
            raise PermissionDenied
        run = services.start_import(kind, form.cleaned_data["file"], request.user, partnership)
        return redirect(run)


class ImportDetailView(OfficerRequiredMixin, DetailView):
    """An import's progress while it runs (refresh to update) and its report when it ends."""

    template_name = "assessments/import_detail.html"
    context_object_name = "run"

    def get_queryset(self):
        return services.visible_import_runs(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        run = self.object
        report = run.report or {}
        ctx["report"] = report
        ctx["errors_more"] = max(0, report.get("errors_total", 0) - len(report.get("errors", [])))
        ctx["can_draft"] = (
            run.kind == ImportRun.Kind.POLICE_UK
            and run.status == ImportRun.Status.SUCCEEDED
            and run.partnership_id is not None
        )
        return ctx
