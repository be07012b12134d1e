"""API for strategies, priorities, actions, progress updates, indicators and their values.

Reads go through the same visibility rules as the pages; writes through the same services,
so the history marks them as API writes and the same lost-edit protection applies.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from api.base import ETagMixin, ExportMixin, etag_for
from partners import access
from priorities import services
from priorities.filtersets import (
    ActionFilterSet,
    IndicatorFilterSet,
    IndicatorValueFilterSet,
    PriorityFilterSet,
    ProgressUpdateFilterSet,
    StrategyFilterSet,
)
from priorities.models import Action, Indicator, IndicatorValue, Priority, ProgressUpdate, Strategy

from .serializers import (
    ActionSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    PrioritySerializer,
    ProgressUpdateSerializer,
    StrategySerializer,
)

WRITE_ERRORS = {
    400: OpenApiResponse(description="Invalid input: a message per field."),
    403: OpenApiResponse(
        description="Your role (or a read-only token) does not allow this change."
    ),
    404: OpenApiResponse(description="Not found, or not visible to you."),
    412: OpenApiResponse(
        description="If-Match does not match the current ETag: re-read and retry."
    ),
    428: OpenApiResponse(description="If-Match header missing."),
}


class StrategyViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Strategies you may read: published and archived ones, and your partnership's drafts."""

    cache_responses = True

    serializer_class = StrategySerializer
    filterset_class = StrategyFilterSet
    ordering_fields = ["start_year", "title", "updated_at"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    export_name = "strategies"

    def get_queryset(self):
        return (
            Strategy.objects.visible_to(self.request.user)
            .select_related("partnership")
            .order_by("-start_year", "pk")
        )


class PriorityViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Priorities with their focus items, aims and indicators."""

    cache_responses = True

    serializer_class = PrioritySerializer
    filterset_class = PriorityFilterSet
    ordering_fields = ["number", "updated_at"]
    export_name = "priorities"

    def get_queryset(self):
        return (
            Priority.objects.filter(strategy__in=Strategy.objects.visible_to(self.request.user))
            .select_related("strategy")
            .prefetch_related(
                "focus_items",
                "aims",
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.select_related(
                        "source_organisation", "priority__strategy"
                    ),
                ),
            )
            .order_by("strategy_id", "number")
        )


@extend_schema_view(
    update=extend_schema(responses={200: ActionSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(responses={200: ActionSerializer, **WRITE_ERRORS}),
)
class ActionViewSet(ETagMixin, ExportMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Actions, filtered by partnership, strategy, priority, status, lead, owner or overdue."""

    cache_responses = True

    serializer_class = ActionSerializer
    filterset_class = ActionFilterSet
    ordering_fields = ["due_date", "status", "updated_at", "order"]
    export_name = "actions"
    related_ids = ("supporting_organisations", "focus_items")
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Action.objects.visible_to(self.request.user)
            .select_related("priority__strategy", "lead_organisation", "owner")
            .order_by("priority__strategy_id", "priority__number", "order", "pk")
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        action = self.get_object()
        allowed = access.editable_action_fields(request.user, action)
        if not allowed:
            raise PermissionDenied("Your role does not allow you to change this action.")
        version = self.expected_version(action)
        serializer = self.get_serializer(action, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = {}
        for name, value in serializer.validated_data.items():
            field = "text" if name == "title" else name
            current = getattr(action, field)
            if hasattr(current, "all"):
                differs = {o.pk for o in current.all()} != {o.pk for o in value}
            else:
                differs = current != value
            if differs:
                changes[field] = value
        forbidden = sorted(set(changes) - allowed)
        if forbidden:
            raise PermissionDenied(
                {
                    ("title" if f == "text" else f): ["You may not change this field."]
                    for f in forbidden
                }
            )
        return self.saved(
            lambda: services.update_action(
                action=action,
                expected_version=version,
                values=changes,
                user=request.user,
                channel="api",
            )
        )


@extend_schema_view(create=extend_schema(responses={201: ProgressUpdateSerializer, **WRITE_ERRORS}))
class ProgressUpdateViewSet(ExportMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress updates on actions (members of the partnership only)."""

    cache_responses = True

    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilterSet
    ordering_fields = ["update_date", "created_at", "updated_at"]
    export_name = "progress-updates"

    def get_queryset(self):
        qs = ProgressUpdate.objects.select_related("created_by", "action").prefetch_related(
            "evidence"
        )
        if access.is_superuser(self.request.user):
            return qs.order_by("-update_date", "-pk")
        ids = access.member_partnership_ids(self.request.user)
        return qs.filter(action__priority__strategy__partnership_id__in=ids).order_by(
            "-update_date", "-pk"
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = serializer.validated_data["action"]
        if not Action.objects.visible_to(request.user).filter(pk=action.pk).exists():
            raise NotFound("No such action.")
        if not access.can_add_progress_update(request.user, action):
            raise PermissionDenied("Your role does not allow you to update this action.")
        update = services.add_progress_update(
            action=action,
            update_date=serializer.validated_data["update_date"],
            status=serializer.validated_data["status"],
            commentary=serializer.validated_data["commentary"],
            user=request.user,
            channel="api",
        )
        return Response(self.get_serializer(update).data, status=status.HTTP_201_CREATED)


class IndicatorViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Performance indicators with their targets."""

    cache_responses = True

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilterSet
    ordering_fields = ["order", "updated_at"]
    export_name = "indicators"

    def get_queryset(self):
        return (
            Indicator.objects.filter(
                priority__strategy__in=Strategy.objects.visible_to(self.request.user)
            )
            .select_related("priority__strategy", "source_organisation")
            .order_by("priority__strategy_id", "priority__number", "order")
        )


@extend_schema_view(
    create=extend_schema(responses={201: IndicatorValueSerializer, **WRITE_ERRORS}),
    update=extend_schema(responses={200: IndicatorValueSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(responses={200: IndicatorValueSerializer, **WRITE_ERRORS}),
)
class IndicatorValueViewSet(
    ETagMixin,
    ExportMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Indicator returns: a value per period (and area). Filter by period, area, updated_since."""

    cache_responses = True

    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    ordering_fields = ["period_start", "updated_at"]
    export_name = "indicator-values"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (
            IndicatorValue.objects.visible_to(self.request.user)
            .select_related("indicator__priority__strategy", "area", "submitted_by")
            .order_by("indicator_id", "period_start", "area_id", "pk")
        )

    def _check(self, indicator: Indicator) -> None:
        visible = Strategy.objects.visible_to(self.request.user).filter(
            pk=indicator.priority.strategy_id
        )
        if not visible.exists() or not access.is_member(
            self.request.user, indicator.priority.strategy.partnership_id
        ):
            raise NotFound("No such indicator.")
        if not access.can_submit_indicator_value(self.request.user, indicator):
            raise PermissionDenied(
                "Your organisation is not the source of this indicator's figures."
            )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self._check(data["indicator"])
        value = services.submit_indicator_value(
            indicator=data["indicator"],
            area=data.get("area"),
            period_start=data["period_start"],
            value=data["value"],
            note=data.get("note", ""),
            user=request.user,
            channel="api",
        )
        return Response(
            self.get_serializer(value).data,
            status=status.HTTP_201_CREATED,
            headers={"ETag": etag_for(value)},
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        self._check(instance.indicator)
        version = self.expected_version(instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {k: v for k, v in serializer.validated_data.items() if k != "indicator"}
        return self.saved(
            lambda: services.update_indicator_value(
                indicator_value=instance,
                expected_version=version,
                values=values,
                user=request.user,
                channel="api",
            )
        )
