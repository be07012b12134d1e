"""Pages where CSU officers write and revise their partnership's strategies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View

from partners import access
from partners.models import Partnership

from . import services
from .forms import PriorityForm, StrategyForm
from .models import Priority, Strategy


class StrategyCreateView(LoginRequiredMixin, View):
    """Start a new (draft) strategy for a partnership the officer works in."""

    template_name = "priorities/strategy_form.html"

    def partnerships(self):
        if access.is_superuser(self.request.user):
            return Partnership.objects.all()
        return Partnership.objects.filter(pk__in=access.officer_partnership_ids(self.request.user))

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.partnerships().exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        form = StrategyForm(partnerships=self.partnerships(), initial={"status": "draft"})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = StrategyForm(request.POST, partnerships=self.partnerships())
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        strategy = services.create_strategy(values=form.changed_values(), user=request.user)
        messages.success(request, "Strategy created")
        return HttpResponseRedirect(strategy.get_absolute_url())


class _StrategyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.strategy = get_object_or_404(
            Strategy.objects.visible_to(request.user).select_related("partnership"),
            slug=kwargs["slug"],
        )
        if not access.can_edit_strategy_content(request.user, self.strategy):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StrategyEditView(_StrategyMixin, View):
    template_name = "priorities/strategy_form.html"

    def get(self, request, slug):
        form = StrategyForm(instance=self.strategy)
        return render(request, self.template_name, {"form": form, "strategy": self.strategy})

    def post(self, request, slug):
        form = StrategyForm(request.POST, instance=Strategy.objects.get(pk=self.strategy.pk))
        ctx = {"form": form, "strategy": self.strategy}
        if not form.is_valid():
            return render(request, self.template_name, ctx)
        try:
            strategy = services.update_strategy(
                strategy=self.strategy,
                expected_version=form.cleaned_data.get("version") or 0,
                values=form.changed_values(),
                user=request.user,
            )
        except services.EditConflict as conflict:
            data = request.POST.copy()
            data["version"] = conflict.current.version
            ctx["form"] = StrategyForm(data, instance=conflict.current)
            ctx["form"].is_valid()
            ctx["conflict"] = conflict
            return render(request, self.template_name, ctx, status=409)
        messages.success(request, "Strategy updated")
        return HttpResponseRedirect(strategy.get_absolute_url())


class PriorityCreateView(_StrategyMixin, View):
    template_name = "priorities/priority_form.html"

    def get(self, request, slug):
        return render(
            request, self.template_name, {"form": PriorityForm(), "strategy": self.strategy}
        )

    def post(self, request, slug):
        form = PriorityForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "strategy": self.strategy})
        priority = services.create_priority(
            strategy=self.strategy, values=form.values(), user=request.user
        )
        services.update_priority(
            priority=priority,
            expected_version=priority.version,
            values={},
            focus=form.focus_lines(),
            aims=form.aim_lines(),
            user=request.user,
        )
        messages.success(request, f"Priority {priority.number} added")
        return HttpResponseRedirect(priority.get_absolute_url())


class PriorityEditView(_StrategyMixin, View):
    template_name = "priorities/priority_form.html"

    def get_priority(self, number: int) -> Priority:
        return get_object_or_404(Priority, strategy=self.strategy, number=number)

    def get(self, request, slug, number):
        priority = self.get_priority(number)
        form = PriorityForm(instance=priority)
        return render(
            request,
            self.template_name,
            {"form": form, "strategy": self.strategy, "priority": priority},
        )

    def post(self, request, slug, number):
        priority = self.get_priority(number)
        form = PriorityForm(request.POST, instance=priority)
        ctx = {"form": form, "strategy": self.strategy, "priority": priority}
        if not form.is_valid():
            return render(request, self.template_name, ctx)
        try:
            services.update_priority(
                priority=priority,
                expected_version=form.cleaned_data.get("version") or 0,
                values=form.values(),
                focus=form.focus_lines(),
                aims=form.aim_lines(),
                user=request.user,
            )
        except services.EditConflict as conflict:
            data = request.POST.copy()
            data["version"] = conflict.current.version
            ctx["form"] = PriorityForm(data, instance=conflict.current)
            ctx["form"].is_valid()
            ctx["conflict"] = conflict
            return render(request, self.template_name, ctx, status=409)
        messages.success(request, "Priority updated")
        return HttpResponseRedirect(priority.get_absolute_url())
