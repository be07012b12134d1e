"""API representations of assessments, their figures and the police.uk monthly counts."""

from __future__ import annotations

from rest_framework import serializers

from assessments.models import Assessment, Figure, KeyFinding, Measure


class KeyFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = KeyFinding
        fields = ["id", "order", "text"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment with its key findings; its figures are under /figures/?assessment=."""

    partnership = serializers.SlugRelatedField(slug_field="key", read_only=True)
    partnership_name = serializers.CharField(source="partnership.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    findings = KeyFindingSerializer(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "slug",
            "title",
            "partnership",
            "partnership_name",
            "period_start",
            "period_end",
            "status",
            "status_label",
            "published_at",
            "source_document",
            "data_notes",
            "findings",
            "url",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class MeasureSerializer(serializers.ModelSerializer):
    unit_label = serializers.CharField(source="get_unit_display", read_only=True)

    class Meta:
        model = Measure
        fields = ["id", "key", "name", "unit", "unit_label", "description"]
        read_only_fields = fields


class FigureSerializer(serializers.ModelSerializer):
    """One stored figure: a value of a measure for an area (or the partnership) and period."""

    assessment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    measure = serializers.SlugRelatedField(slug_field="key", read_only=True)
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    unit = serializers.CharField(source="measure.unit", read_only=True)
    area = serializers.SlugRelatedField(slug_field="gss_code", read_only=True, allow_null=True)
    where = serializers.CharField(read_only=True)
    source_organisation = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )

    class Meta:
        model = Figure
        fields = [
            "id",
            "assessment",
            "section",
            "order",
            "measure",
            "measure_name",
            "unit",
            "label",
            "crime_type",
            "area",
            "geography",
            "where",
            "period_start",
            "period_end",
            "period_label",
            "value",
            "value_qualifier",
            "out_of",
            "comparison_value",
            "comparison_period_start",
            "comparison_period_end",
            "change_percent",
            "source_organisation",
            "source_dataset",
            "source_sentence",
            "note",
        ]
        read_only_fields = fields


class CrimeCountSerializer(serializers.Serializer):
    """Recorded police.uk rows of one crime type in one area and month (ASB is a type of its
    own, never part of crime)."""

    area = serializers.CharField(
        source="area__gss_code", allow_null=True, help_text="GSS code; null: no known area."
    )
    area_name = serializers.CharField(source="area__name", allow_null=True)
    month = serializers.DateField(help_text="The month's first day.")
    crime_type = serializers.CharField()
    is_crime = serializers.SerializerMethodField()
    count = serializers.IntegerField()

    def get_is_crime(self, row: dict) -> bool:
        from assessments.models import ASB

        return row["crime_type"] != ASB
