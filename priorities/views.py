"""Pages for reading strategies and their priorities."""

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from audit.services import history_of
from csp_portal import page_cache
from partners import access
from partners.models import Area, Partnership

from .models import Action, Priority, Strategy


def priorities_with_content(user):
    """Priorities with everything a strategy or priority page shows, in a fixed few queries."""
    return Priority.objects.prefetch_related(
        "focus_items",
        "aims",
        Prefetch(
            "actions",
            queryset=Action.objects.visible_to(user).current().select_related("lead_organisation"),
        ),
        "indicators",
    )


class HomeView(TemplateView):
    """Partnerships and the strategies this person may read: their own first, 20 a page.

    A national host lists hundreds of partnerships; rendering them all took 60 ms a request.
    """

    template_name = "priorities/home.html"
    per_page = 20

    def get(self, request, *args, **kwargs):
        """The same page for everyone with the same roles (anyone not signed in, alike)."""
        return page_cache.respond(
            request,
            "home",
            lambda slots: (self.render_to_response(self.get_context_data(**kwargs) | slots), None),
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        strategies = Strategy.objects.visible_to(user)
        mine = access.member_partnership_ids(user)
        partnerships = (
            # IN a subquery, not a join: no DISTINCT over every column of every partnership.
            Partnership.objects.filter(pk__in=strategies.values("partnership_id"))
            .annotate(
                theirs=Case(
                    When(pk__in=mine, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            )
            .order_by("theirs", "dissolved_on", "name")
        )
        query = self.request.GET.get("q", "").strip()[:100]
        if query:
            partnerships = partnerships.filter(
                Q(name__icontains=query)
                | Q(short_name__icontains=query)
                | Q(pk__in=Area.objects.filter(name__icontains=query).values("partnerships"))
            )
        page = Paginator(partnerships, self.per_page).get_page(self.request.GET.get("page"))
        page.object_list = list(page.object_list)
        prefetch_related_objects(
            page.object_list,
            "areas",
            Prefetch("strategies", queryset=strategies, to_attr="visible_strategies"),
        )
        ctx.update(
            partnerships=page.object_list,
            page_obj=page,
            query=query,
            yours=mine,
            can_create_strategy=access.is_superuser(user)
            or bool(access.officer_partnership_ids(user)),
        )
        return ctx


class StrategyDetailView(DetailView):
    """A strategy read priority by priority, as published."""

    template_name = "priorities/strategy_detail.html"
    context_object_name = "strategy"

    def get_queryset(self):
        return (
            Strategy.objects.visible_to(self.request.user)
            .select_related("partnership")
            .prefetch_related(
                "sections",
                Prefetch("priorities", queryset=priorities_with_content(self.request.user)),
                "successes",
                "governance_groups",
                "contacts",
                "partnership__memberships__organisation",
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["is_member"] = access.is_member(self.request.user, self.object.partnership_id)
        ctx["can_edit"] = access.can_edit_strategy_content(self.request.user, self.object)
        if ctx["is_member"]:
            ctx["history"] = history_of(self.object)[:50]
        return ctx


class PriorityDetailView(DetailView):
    """One priority with its why, focus, aims, actions and indicators."""

    template_name = "priorities/priority_detail.html"
    context_object_name = "priority"

    def get_object(self, queryset=None):
        strategy = get_object_or_404(
            Strategy.objects.visible_to(self.request.user).select_related("partnership"),
            slug=self.kwargs["slug"],
        )
        priority = get_object_or_404(
            priorities_with_content(self.request.user),
            strategy=strategy,
            number=self.kwargs["number"],
        )
        priority.strategy = strategy
        return priority

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        numbers = list(self.object.strategy.priorities.values_list("number", flat=True))
        idx = numbers.index(self.object.number)
        ctx["previous_number"] = numbers[idx - 1] if idx > 0 else None
        ctx["next_number"] = numbers[idx + 1] if idx + 1 < len(numbers) else None
        ctx["can_add_action"] = access.can_create_action(self.request.user, self.object.strategy)
        ctx["is_member"] = access.is_member(self.request.user, self.object.strategy.partnership_id)
        if ctx["is_member"]:
            ctx["history"] = history_of(self.object)[:50]
        return ctx
