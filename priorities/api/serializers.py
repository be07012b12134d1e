"""API representations: stable ids plus the names a person reads."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from api.filters import DisplayField, SafePrimaryKeyRelatedField
from partners.models import Area, Organisation, User
from priorities.models import (
    Action,
    FocusItem,
    Indicator,
    IndicatorValue,
    Priority,
    ProgressUpdate,
    Strategy,
)


class StrategySerializer(serializers.ModelSerializer):
    partnership_name = serializers.CharField(source="partnership.name", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Strategy
        fields = [
            "id",
            "slug",
            "title",
            "partnership",
            "partnership_name",
            "start_year",
            "end_year",
            "status",
            "url",
            "updated_at",
        ]


class ListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)


class IndicatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="text", read_only=True)
    priority_number = serializers.IntegerField(source="priority.number", read_only=True)
    strategy = serializers.SlugRelatedField(
        source="priority.strategy", slug_field="slug", read_only=True
    )
    source_organisation_name = serializers.CharField(
        source="source_organisation.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "strategy",
            "priority",
            "priority_number",
            "order",
            "name",
            "unit",
            "desired_direction",
            "frequency",
            "per_area",
            "source_organisation",
            "source_organisation_name",
            "target",
            "tolerance_percent",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class PrioritySerializer(serializers.ModelSerializer):
    strategy_slug = serializers.CharField(source="strategy.slug", read_only=True)
    focus_items = ListItemSerializer(many=True, read_only=True)
    aims = ListItemSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = Priority
        fields = [
            "id",
            "strategy",
            "strategy_slug",
            "number",
            "title",
            "listed_title",
            "why",
            "focus_items",
            "aims",
            "indicators",
            "version",
            "updated_at",
        ]


class ActionSerializer(serializers.ModelSerializer):
    """An action as partners read it; PUT/PATCH accept the writable fields below."""

    strategy = serializers.CharField(source="priority.strategy.slug", read_only=True)
    priority_number = serializers.IntegerField(source="priority.number", read_only=True)
    title = serializers.CharField(source="text")
    lead_organisation = SafePrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), allow_null=True, required=False
    )
    lead_organisation_name = serializers.CharField(
        source="lead_organisation.name", read_only=True, default=None, allow_null=True
    )
    supporting_organisations = SafePrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True, required=False
    )
    focus_items = SafePrimaryKeyRelatedField(
        queryset=FocusItem.objects.all(), many=True, required=False
    )
    owner = SafePrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    owner_name = serializers.CharField(
        source="owner.display_name", read_only=True, default=None, allow_null=True
    )
    status_label = DisplayField(source="get_status_display")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "strategy",
            "priority",
            "priority_number",
            "order",
            "title",
            "description",
            "focus_items",
            "lead_organisation",
            "lead_organisation_name",
            "supporting_organisations",
            "owner",
            "owner_name",
            "start_date",
            "due_date",
            "status",
            "status_label",
            "overdue",
            "retired_at",
            "version",
            "updated_at",
        ]
        read_only_fields = ["priority", "order", "status", "retired_at", "version", "updated_at"]

    def get_overdue(self, obj: Action) -> bool:
        return obj.is_overdue()

    def validate(self, attrs):
        action: Action = self.instance
        partnership = action.priority.strategy.partnership
        members = set(partnership.memberships.values_list("organisation_id", flat=True))
        errors = {}
        lead = attrs.get("lead_organisation")
        if lead is not None and lead.pk not in members:
            errors["lead_organisation"] = [
                "Choose an organisation that is a member of the partnership."
            ]
        for org in attrs.get("supporting_organisations", []):
            if org.pk not in members:
                errors["supporting_organisations"] = [
                    f"{org.name} is not a member of the partnership."
                ]
        for item in attrs.get("focus_items", []):
            if item.priority_id != action.priority_id:
                errors["focus_items"] = [f"Focus item {item.pk} belongs to another priority."]
        owner = attrs.get("owner")
        if owner is not None and not owner.roles.filter(partnership=partnership).exists():
            errors["owner"] = ["Choose a person with a role in the partnership."]
        start = attrs.get("start_date", action.start_date)
        due = attrs.get("due_date", action.due_date)
        if start and due and due < start:
            errors["due_date"] = ["Due date must be the same as or after the start date."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ProgressUpdateSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    status_label = DisplayField(source="get_status_display")
    evidence = serializers.SlugRelatedField(many=True, read_only=True, slug_field="original_name")
    action = SafePrimaryKeyRelatedField(queryset=Action.objects.all())

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action",
            "update_date",
            "status",
            "status_label",
            "commentary",
            "created_by_name",
            "created_at",
            "evidence",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_update_date(self, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise serializers.ValidationError("Date of update must be today or in the past.")
        return value


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator = SafePrimaryKeyRelatedField(queryset=Indicator.objects.all())
    indicator_name = serializers.CharField(source="indicator.text", read_only=True)
    area = serializers.SlugRelatedField(
        slug_field="gss_code", queryset=Area.objects.all(), allow_null=True, required=False
    )
    area_name = serializers.CharField(
        source="area.name", read_only=True, default=None, allow_null=True
    )
    period_label = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField()
    submitted_by_name = serializers.CharField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "indicator_name",
            "area",
            "area_name",
            "period_start",
            "period_label",
            "value",
            "note",
            "status",
            "submitted_by_name",
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]
        # One value per indicator, area and period is checked in validate(), with a message
        # that says what to do, instead of DRF's generated validators.
        validators: list = []

    def get_status(self, obj: IndicatorValue) -> str:
        return obj.assessment[0]

    def validate(self, attrs):
        indicator = attrs.get("indicator") or self.instance.indicator
        if self.instance and attrs.get("indicator", indicator) != self.instance.indicator:
            raise serializers.ValidationError(
                {"indicator": ["A value cannot move to another indicator."]}
            )
        strategy = indicator.priority.strategy
        area = attrs.get("area", getattr(self.instance, "area", None))
        period = attrs.get("period_start", getattr(self.instance, "period_start", None))
        errors = {}
        if indicator.per_area and area is None:
            errors["area"] = ["Give the area's GSS code: this indicator is reported per area."]
        if not indicator.per_area and area is not None:
            errors["area"] = [
                "Leave out the area: this indicator is reported for the whole partnership."
            ]
        if area is not None and not strategy.partnership.areas.filter(pk=area.pk).exists():
            errors["area"] = [f"{area.name} is not one of the partnership's areas."]
        if period is not None:
            if period.day != 1 or period.month not in (1, 4, 7, 10):
                errors["period_start"] = ["Give the first day of a quarter, e.g. 2025-04-01."]
            elif not strategy.period_start <= period <= strategy.period_end:
                errors["period_start"] = [
                    "Period must be within the strategy "
                    f"({strategy.period_start} to {strategy.period_end})."
                ]
        if not errors and period is not None:
            clash = IndicatorValue.objects.filter(
                indicator=indicator, area=area, period_start=period
            )
            if self.instance:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                errors["period_start"] = [
                    "There is already a value for this indicator, area and period: "
                    "change that value instead."
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
