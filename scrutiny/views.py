"""Scrutiny pages: thin views over queries.py (reads), report.py (files) and services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views import View

from csp_portal import page_cache
from partners import access
from partners.models import Partnership

from . import cache as dashboard_cache
from . import integrations, queries, report, services
from .forms import PeriodForm, PublicDashboardForm
from .models import PublicDashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def can_switch_public_page(user, partnership_id: int) -> bool:
    """CSU officers and administrators of the partnership (and superusers)."""
    return access.is_officer(user, partnership_id) or "administrator" in access.roles_in(
        user, partnership_id
    )


class StrategyPage(LoginRequiredMixin, View):
    """A member's page about one strategy, as at the end of the chosen period."""

    template_name = ""
    with_area = True

    def dashboard(self, request, slug):
        strategy = queries.member_strategy(request.user, slug)
        today = timezone.localdate()
        areas = queries.areas_of(strategy) if self.with_area else None
        form = PeriodForm(request.GET, strategy=strategy, today=today, areas=areas)
        dashboard = queries.build_dashboard(
            strategy, form.chosen_period, user=request.user, today=today, area=form.chosen_area
        )
        return dashboard, form

    def get(self, request, slug):
        dashboard, form = self.dashboard(request, slug)
        return render(request, self.template_name, self.context(dashboard, form))

    def context(self, dashboard, form) -> dict:
        return {"dashboard": dashboard, "strategy": dashboard.strategy, "form": form}


BODY_SLOT = "<!-- dashboard body -->"


def with_body(response: HttpResponse, body: bytes) -> HttpResponse:
    """The page with the cached body put in its slot as bytes.

    A dashboard body is over a megabyte of HTML at national size; passed through the template
    as a string it was joined and copied at every level of the page, then encoded (about 10 ms).
    """
    head, slot, tail = response.content.partition(BODY_SLOT.encode())
    if not slot:
        raise ValueError("The dashboard template has no body slot")
    response.content = b"".join((head, body, tail))
    return response


class ScrutinyIndexView(LoginRequiredMixin, View):
    """The strategies of the person's partnerships, with their dashboards and reports."""

    def get(self, request):
        strategies = list(queries.member_strategies(request.user))
        pids = {s.partnership_id for s in strategies}
        published = set(
            PublicDashboard.objects.filter(partnership_id__in=pids, enabled=True).values_list(
                "partnership_id", flat=True
            )
        )
        for s in strategies:
            s.public_page_on = s.partnership_id in published
            s.can_switch = can_switch_public_page(request.user, s.partnership_id)
        return render(request, "scrutiny/index.html", {"strategies": strategies})


class DashboardView(StrategyPage):
    """Each priority's actions by status, overdue actions and indicators with their trends."""

    template_name = "scrutiny/dashboard.html"

    def get(self, request, slug):
        # Served alike to everyone with the same roles; on a page from the cache, the check
        # member_strategy makes, on the strategy's partnership as it was when the page was
        # built (unchanged: nothing has been written since).
        return page_cache.respond(
            request,
            "dashboard",
            lambda slots: self.build(request, slug, slots),
            allowed=lambda partnership_id: access.is_member(request.user, partnership_id),
        )

    def build(self, request, slug, slots: dict) -> tuple[HttpResponse, int]:
        strategy = queries.member_strategy(request.user, slug)
        today = timezone.localdate()
        areas = queries.areas_of(strategy)
        form = PeriodForm(request.GET, strategy=strategy, today=today, areas=areas)
        period, area = form.chosen_period, form.chosen_area
        figures = (
            integrations.headline_figures(strategy, period.end),
            integrations.top_concerns(strategy),
        )
        # Built only if the body is not cached (or something reads it, as tests do).
        lazy = SimpleLazyObject(
            lambda: queries.build_dashboard(
                strategy, period, user=request.user, today=today, area=area, context_figures=figures
            )
        )
        body = dashboard_cache.dashboard_body(
            strategy,
            period,
            area,
            areas=areas,
            today=today,
            public=False,
            render=lambda: self.render_body(lazy, form),
        )
        ctx = self.page_context(strategy, lazy, form, figures) | slots
        return with_body(render(request, self.template_name, ctx), body), strategy.partnership_id

    @staticmethod
    def render_body(dashboard, form) -> str:
        """The part every member sees alike: the figures, tables and charts."""
        return render_to_string(
            "scrutiny/_dashboard_body.html",
            {
                "dashboard": dashboard,
                "strategy": dashboard.strategy,
                "form": form,
                "report": report.build_report(dashboard),
            },
        )

    def page_context(self, strategy, dashboard, form, figures: tuple) -> dict:
        """The rest of the page: per person (the switch) or from other apps (context figures)."""
        pid = strategy.partnership_id
        return {
            "dashboard": dashboard,
            "strategy": strategy,
            "form": form,
            "body": mark_safe(BODY_SLOT),  # noqa: S308 - a fixed marker, see with_body()
            "report": report.context_tables(*figures),
            "public_page_on": queries.public_dashboard_enabled(pid),
            "can_switch": can_switch_public_page(self.request.user, pid),
        }


class ExceptionsView(StrategyPage):
    """One list of what needs the committee's attention, each with its latest commentary."""

    template_name = "scrutiny/exceptions.html"

    def context(self, dashboard, form) -> dict:
        return {**super().context(dashboard, form), "table": report.exceptions_table(dashboard)}


class ReportPreviewView(StrategyPage):
    """The committee report as a printable page, to check before downloading."""

    template_name = "scrutiny/report_preview.html"
    with_area = False

    def context(self, dashboard, form) -> dict:
        ctx = super().context(dashboard, form)
        ctx.update(report=report.build_report(dashboard), prepared_on=timezone.localdate())
        return ctx


class ReportPdfView(StrategyPage):
    with_area = False

    def get(self, request, slug):
        dashboard, _ = self.dashboard(request, slug)
        built = report.build_report(dashboard)
        pdf = report.render_pdf(
            built, base_url=request.build_absolute_uri("/"), prepared_on=timezone.localdate()
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{built.filename}.pdf"'
        return response


class ReportXlsxView(StrategyPage):
    with_area = False

    def get(self, request, slug):
        dashboard, _ = self.dashboard(request, slug)
        built = report.build_report(dashboard)
        response = HttpResponse(report.render_xlsx(built), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{built.filename}.xlsx"'
        return response


class PublicDashboardView(View):
    """A published strategy's progress for anyone, if its partnership has switched it on."""

    def get(self, request, slug):
        strategy = queries.public_strategy(slug)
        today = timezone.localdate()
        areas = queries.areas_of(strategy)
        form = PeriodForm(request.GET, strategy=strategy, today=today, areas=areas)
        dashboard = queries.build_dashboard(
            strategy, form.chosen_period, user=None, today=today, area=form.chosen_area, public=True
        )
        return render(
            request,
            "scrutiny/public_dashboard.html",
            {
                "dashboard": dashboard,
                "strategy": strategy,
                "form": form,
                "report": report.build_report(dashboard),
            },
        )


class PublicDashboardSettingView(LoginRequiredMixin, View):
    """Where an officer switches the partnership's public dashboard on or off."""

    template_name = "scrutiny/public_setting.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partnership = get_object_or_404(Partnership, key=kwargs["key"])
        if not access.is_member(request.user, self.partnership.pk):
            raise Http404("Not a member of this partnership")
        if not can_switch_public_page(request.user, self.partnership.pk):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def context(self, form):
        strategies = self.partnership.strategies.filter(status__in=("published", "archived"))
        return {"form": form, "partnership": self.partnership, "strategies": strategies}

    def get(self, request, key):
        enabled = queries.public_dashboard_enabled(self.partnership.pk)
        form = PublicDashboardForm(initial={"enabled": "yes" if enabled else "no"})
        return render(request, self.template_name, self.context(form))

    def post(self, request, key):
        form = PublicDashboardForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        enabled = form.cleaned_data["enabled"]
        services.set_public_dashboard(
            partnership=self.partnership, enabled=enabled, user=request.user
        )
        messages.success(
            request,
            "The public dashboard is switched on"
            if enabled
            else "The public dashboard is switched off",
        )
        return HttpResponseRedirect(reverse("scrutiny_public_setting", args=[key]))
