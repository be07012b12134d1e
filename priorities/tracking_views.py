"""Pages where officers and partner leads keep actions and indicator returns up to date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View
from django.views.generic import TemplateView

from audit.services import history_of_many
from csp_portal import page_cache
from partners import access

from . import services
from .filtersets import ActionFilterSet
from .forms import ActionForm, IndicatorForm, IndicatorValueForm, ProgressUpdateForm
from .models import Action, Indicator, IndicatorValue, Priority, Strategy

PAGE_SIZE = 50


def _member_actions(user):
    """Actions of the partnerships the person works in (all, for superusers)."""
    qs = Action.objects.for_list()
    if access.is_superuser(user):
        return qs
    return qs.filter(priority__strategy__partnership_id__in=access.member_partnership_ids(user))


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class ActionListView(LoginRequiredMixin, TemplateView):
    """All actions of the person's partnerships, filtered, sorted and paginated."""

    template_name = "priorities/action_list.html"
    heading = "Actions"

    def get(self, request, *args, **kwargs):
        """The same page for everyone with the same roles and `audience`."""
        return page_cache.respond(
            request,
            self.heading,
            lambda slots: (self.render_to_response(self.get_context_data(**kwargs) | slots), None),
            *self.audience(),
        )

    def audience(self) -> tuple:
        return ()

    def base_queryset(self):
        return _member_actions(self.request.user).filter(retired_at__isnull=True)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filterset = ActionFilterSet(
            self.request.GET or None,
            queryset=self.base_queryset(),
            user=self.request.user,
            member_choices=True,
        )
        qs = filterset.qs if filterset.is_bound else filterset.queryset
        if not self.request.GET.get("sort"):
            qs = qs.order_by("priority__strategy__start_year", "priority__number", "order")
        page = _paginate(self.request, qs)
        ctx.update(filter=filterset, page_obj=page, actions=page.object_list, heading=self.heading)
        return ctx


class MyActionsView(ActionListView):
    """Actions the person owns, or (for partner leads) their organisation leads."""

    heading = "My actions"

    def audience(self) -> tuple:
        """Whose actions: the person's own, and their organisation's."""
        return (self.request.user.pk, self.request.user.organisation_id)

    def base_queryset(self):
        user = self.request.user
        qs = super().base_queryset()
        mine = Q(owner=user)
        if user.organisation_id:
            lead_pids = [r.partnership_id for r in user.cached_roles if r.role == "partner_lead"]
            mine |= Q(
                lead_organisation_id=user.organisation_id,
                priority__strategy__partnership_id__in=lead_pids,
            )
        return qs.filter(mine)


def _visible_action(user, pk: int) -> Action:
    return get_object_or_404(
        Action.objects.visible_to(user).select_related(
            "priority__strategy__partnership", "lead_organisation", "owner"
        ),
        pk=pk,
    )


class ActionDetailView(LoginRequiredMixin, View):
    """An action, its full progress history and its change history."""

    def get(self, request, pk):
        action = _visible_action(request.user, pk)
        if not access.is_member(request.user, action.partnership_id):
            # Non-members may read a public document's action on the strategy page, not here.
            raise PermissionDenied
        updates = action.updates.select_related("created_by").prefetch_related("evidence")
        return render(
            request,
            "priorities/action_detail.html",
            {
                "action": action,
                "updates": updates,
                "history": history_of_many([action], updates),
                "can_edit": access.can_edit_action(request.user, action),
                "can_update": access.can_add_progress_update(request.user, action),
                "can_retire": access.can_retire_action(request.user, action),
                "focus_items": action.focus_items.all(),
                "supporting": action.supporting_organisations.all(),
            },
        )


def _priority_for(user, slug: str, number: int) -> Priority:
    strategy = get_object_or_404(Strategy.objects.visible_to(user), slug=slug)
    return get_object_or_404(
        Priority.objects.select_related("strategy__partnership"), strategy=strategy, number=number
    )


class ActionCreateView(LoginRequiredMixin, View):
    template_name = "priorities/action_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.priority = _priority_for(request.user, kwargs["slug"], kwargs["number"])
        if not access.can_create_action(request.user, self.priority.strategy):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        return ActionForm(data, priority=self.priority, editable=access.OFFICER_ACTION_FIELDS)

    def get(self, request, **kwargs):
        return render(request, self.template_name, {"form": self.form(), "priority": self.priority})

    def post(self, request, **kwargs):
        form = self.form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "priority": self.priority})
        action = services.create_action(
            priority=self.priority, values=form.changed_values(), user=request.user
        )
        messages.success(request, "Action added")
        return HttpResponseRedirect(action.get_absolute_url())


class ActionEditView(LoginRequiredMixin, View):
    """Edit an action; a save from a stale page is refused and shows what changed."""

    template_name = "priorities/action_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.action = _visible_action(request.user, kwargs["pk"])
        self.editable = access.editable_action_fields(request.user, self.action)
        if not self.editable:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        return ActionForm(
            data, instance=self.action, priority=self.action.priority, editable=self.editable
        )

    def context(self, form, conflict=None):
        return {
            "form": form,
            "action": self.action,
            "priority": self.action.priority,
            "conflict": conflict,
        }

    def get(self, request, pk):
        return render(request, self.template_name, self.context(self.form()))

    def post(self, request, pk):
        form = self.form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form))
        try:
            services.update_action(
                action=self.action,
                expected_version=form.cleaned_data.get("version") or 0,
                values=form.changed_values(),
                user=request.user,
            )
        except services.EditConflict as conflict:
            # Keep what this person typed; show the other person's changes; nothing was saved.
            data = request.POST.copy()
            data["version"] = conflict.current.version
            form = ActionForm(
                data,
                instance=conflict.current,
                priority=self.action.priority,
                editable=self.editable,
            )
            form.is_valid()
            return render(request, self.template_name, self.context(form, conflict), status=409)
        messages.success(request, "Action updated")
        return HttpResponseRedirect(self.action.get_absolute_url())


class ActionRetireView(LoginRequiredMixin, View):
    template_name = "priorities/action_retire.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.action = _visible_action(request.user, kwargs["pk"])
        if not access.can_retire_action(request.user, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, self.template_name, {"action": self.action})

    def post(self, request, pk):
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = 0
        try:
            services.retire_action(action=self.action, expected_version=version, user=request.user)
        except services.EditConflict as conflict:
            return render(
                request,
                self.template_name,
                {"action": conflict.current, "conflict": conflict},
                status=409,
            )
        messages.success(request, "Action retired. Its history and updates are kept.")
        return HttpResponseRedirect(self.action.get_absolute_url())


class ProgressUpdateCreateView(LoginRequiredMixin, View):
    template_name = "priorities/progress_update_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.action = _visible_action(request.user, kwargs["pk"])
        if not access.can_add_progress_update(request.user, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(
            request, self.template_name, {"form": ProgressUpdateForm(), "action": self.action}
        )

    def post(self, request, pk):
        form = ProgressUpdateForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "action": self.action})
        services.add_progress_update(
            action=self.action,
            update_date=form.cleaned_data["update_date"],
            status=form.cleaned_data["status"],
            commentary=form.cleaned_data["commentary"],
            files=form.evidence_files(),
            user=request.user,
        )
        messages.success(request, "Progress update added")
        return HttpResponseRedirect(self.action.get_absolute_url())


# --- indicators ----------------------------------------------------------------------------


def _visible_indicator(user, pk: int) -> Indicator:
    indicator = get_object_or_404(
        Indicator.objects.select_related(
            "priority__strategy__partnership", "source_organisation"
        ).filter(priority__strategy__in=Strategy.objects.visible_to(user)),
        pk=pk,
    )
    if not access.is_member(user, indicator.priority.strategy.partnership_id):
        raise PermissionDenied
    return indicator


class IndicatorDetailView(LoginRequiredMixin, View):
    """An indicator's values by period (and area), each with its status in words and colour."""

    def get(self, request, pk):
        indicator = _visible_indicator(request.user, pk)
        values = indicator.values.select_related("area", "submitted_by").order_by(
            "period_start", "area__name"
        )
        return render(
            request,
            "priorities/indicator_detail.html",
            {
                "indicator": indicator,
                "values": values,
                "history": history_of_many([indicator], values),
                "can_submit": access.can_submit_indicator_value(request.user, indicator),
                "can_edit": access.can_edit_strategy_content(
                    request.user, indicator.priority.strategy
                ),
            },
        )


class IndicatorEditView(LoginRequiredMixin, View):
    template_name = "priorities/indicator_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.indicator = _visible_indicator(request.user, kwargs["pk"])
        if not access.can_edit_strategy_content(request.user, self.indicator.priority.strategy):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        form = IndicatorForm(instance=self.indicator)
        return render(request, self.template_name, {"form": form, "indicator": self.indicator})

    def post(self, request, pk):
        form = IndicatorForm(request.POST, instance=Indicator.objects.get(pk=pk))
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "indicator": self.indicator})
        try:
            services.update_indicator(
                indicator=self.indicator,
                expected_version=form.cleaned_data.get("version") or 0,
                values=form.changed_values(),
                user=request.user,
            )
        except services.EditConflict as conflict:
            data = request.POST.copy()
            data["version"] = conflict.current.version
            form = IndicatorForm(data, instance=conflict.current)
            form.is_valid()
            ctx = {"form": form, "indicator": self.indicator, "conflict": conflict}
            return render(request, self.template_name, ctx, status=409)
        messages.success(request, "Indicator updated")
        return HttpResponseRedirect(self.indicator.get_absolute_url())


class IndicatorValueView(LoginRequiredMixin, View):
    """Submit a new value, or change one (with the same lost-edit protection as actions)."""

    template_name = "priorities/indicator_value_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.indicator = _visible_indicator(request.user, kwargs["pk"])
        self.instance = None
        if "value_pk" in kwargs:
            self.instance = get_object_or_404(
                IndicatorValue, pk=kwargs["value_pk"], indicator=self.indicator
            )
        if not access.can_submit_indicator_value(request.user, self.indicator):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def ctx(self, form, conflict=None):
        return {
            "form": form,
            "indicator": self.indicator,
            "instance": self.instance,
            "conflict": conflict,
        }

    def get(self, request, **kwargs):
        form = IndicatorValueForm(indicator=self.indicator, instance=self.instance)
        return render(request, self.template_name, self.ctx(form))

    def post(self, request, **kwargs):
        form = IndicatorValueForm(request.POST, indicator=self.indicator, instance=self.instance)
        if not form.is_valid():
            return render(request, self.template_name, self.ctx(form))
        values = {k: form.cleaned_data.get(k) for k in ("period_start", "area", "value", "note")}
        if self.instance is None:
            services.submit_indicator_value(indicator=self.indicator, user=request.user, **values)
            messages.success(request, "Value added")
        else:
            try:
                services.update_indicator_value(
                    indicator_value=self.instance,
                    expected_version=form.cleaned_data.get("version") or 0,
                    values=values,
                    user=request.user,
                )
            except services.EditConflict as conflict:
                data = request.POST.copy()
                data["version"] = conflict.current.version
                form = IndicatorValueForm(data, indicator=self.indicator, instance=conflict.current)
                form.is_valid()
                return render(request, self.template_name, self.ctx(form, conflict), status=409)
            messages.success(request, "Value updated")
        return HttpResponseRedirect(self.indicator.get_absolute_url())
