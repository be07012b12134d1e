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
from .filtersets import AssessmentFilterSet
from .forms import (
    CrimeTypeMappingForm,
    DraftForm,
    FindingsForm,
    PlaceForm,
    PublishForm,
    UploadForm,
)
from .models import Assessment, CrimeTypeMapping, Figure, ImportRun
from .tables import (
    build_tables,
    by_section,
    category_table,
    comparison_rows,
    to_csv,
    to_xlsx,
    trend_rows,
    type_hotspot_groups,
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
        visible = Assessment.objects.visible_to(self.request.user).select_related("partnership")
        if not self.request.GET:
            return visible
        filterset = AssessmentFilterSet(self.request.GET, queryset=visible)
        return filterset.qs if filterset.is_valid() else visible.none()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_officer"] = can_officer_anywhere(self.request.user)
        ctx["filtered"] = bool(self.request.GET)
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
        tables = build_tables(a, figures)
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
            type_streets=type_hotspot_groups(sections[Figure.Section.TYPE_HOTSPOT_LOCATION]),
            type_lsoas=type_hotspot_groups(sections[Figure.Section.TYPE_HOTSPOT_LSOA]),
            comparison=comparison_rows(sections["comparison"]),
            tables=tables,
            type_streets_table=tables.get("type-streets"),
            type_lsoas_table=tables.get("type-lsoas"),
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


# --- places and the crime-type mapping -------------------------------------------------------


class PlaceListView(OfficerRequiredMixin, ListView):
    """The named places of this officer's partnerships, where drafts measure a share of crime."""

    template_name = "assessments/place_list.html"
    context_object_name = "places"

    def get_queryset(self):
        return services.officer_places(self.request.user).order_by("partnership__name", "name")


class _ReferenceFormView(OfficerRequiredMixin, View):
    """Add or edit one record through a service; a stale save shows what the other officer
    changed and keeps this officer's text in the form (409)."""

    template_name = ""
    noun = ""
    list_url = ""

    def get_object(self):
        return None

    def make_form(self, data=None, obj=None):
        raise NotImplementedError

    def initial(self, obj) -> dict:
        raise NotImplementedError

    def save(self, form, obj):
        raise NotImplementedError

    def render_form(self, form, obj, conflict=None, status=200):
        ctx = {
            "form": form,
            "object": obj,
            "conflict": conflict,
            "noun": self.noun,
            "list_url": reverse(self.list_url),
        }
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, **kwargs):
        obj = self.get_object()
        form = self.make_form(initial=self.initial(obj) if obj else None, obj=obj)
        return self.render_form(form, obj)

    def post(self, request, **kwargs):
        obj = self.get_object()
        form = self.make_form(request.POST, obj=obj)
        if not form.is_valid():
            return self.render_form(form, obj)
        try:
            self.save(form, obj)
        except services.EditConflict as stale:
            data = request.POST.copy()
            data["version"] = stale.current.version
            form = self.make_form(data, obj=stale.current)
            form.is_valid()
            return self.render_form(form, stale.current, conflict=stale, status=409)
        messages.success(request, f"{self.noun.capitalize()} saved.")
        return redirect(self.list_url)


class PlaceFormView(_ReferenceFormView):
    """Add a place, or change one of this officer's partnerships' places."""

    template_name = "assessments/place_form.html"
    noun = "place"
    list_url = "assessment_place_list"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(services.officer_places(self.request.user), pk=self.kwargs["pk"])

    def make_form(self, data=None, obj=None, initial=None):
        return PlaceForm(data, user=self.request.user, place=obj, initial=initial)

    def initial(self, place) -> dict:
        return {
            "name": place.name,
            "lsoa_codes": "\n".join(place.lsoa_codes),
            "min_longitude": place.min_longitude,
            "max_longitude": place.max_longitude,
            "min_latitude": place.min_latitude,
            "max_latitude": place.max_latitude,
            "version": place.version,
        }

    def save(self, form, place):
        if place is None:
            if not is_officer(self.request.user, form.cleaned_data["partnership"].pk):
                raise PermissionDenied
            return services.create_place(form.values(), self.request.user)
        version = form.cleaned_data["version"] or place.version
        return services.update_place(place, version, form.values(), self.request.user)


class CrimeTypeMappingListView(OfficerRequiredMixin, ListView):
    """How police.uk crime types match Home Office offence groups, for comparisons."""

    template_name = "assessments/mapping_list.html"
    context_object_name = "mappings"

    def get_queryset(self):
        return CrimeTypeMapping.objects.all()


class CrimeTypeMappingFormView(_ReferenceFormView):
    """Add or change one line of the crime-type mapping (it is shared by every partnership)."""

    template_name = "assessments/mapping_form.html"
    noun = "crime type mapping"
    list_url = "assessment_mapping_list"

    def get_object(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(CrimeTypeMapping, pk=self.kwargs["pk"])

    def make_form(self, data=None, obj=None, initial=None):
        return CrimeTypeMappingForm(data, mapping=obj, initial=initial)

    def initial(self, mapping) -> dict:
        return {
            "crime_type": mapping.crime_type,
            "offence_group": mapping.offence_group,
            "offence_subgroup": mapping.offence_subgroup,
            "version": mapping.version,
        }

    def save(self, form, mapping):
        if mapping is None:
            return services.create_crime_type_mapping(form.values(), self.request.user)
        version = form.cleaned_data["version"] or mapping.version
        return services.update_crime_type_mapping(
            mapping, version, form.values(), self.request.user
        )
