"""API representations of exercises, candidates and their scores: ids plus readable names."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from priority_setting.models import Candidate, Exercise


class ExerciseSerializer(serializers.ModelSerializer):
    partnership_name = serializers.CharField(source="partnership.name", read_only=True)
    assessment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    survey = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    strategy = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Exercise
        fields = [
            "id",
            "title",
            "partnership",
            "partnership_name",
            "assessment",
            "survey",
            "weight_volume",
            "weight_harm",
            "weight_concern",
            "weight_added_value",
            "weight_trend",
            "strategy",
            "url",
            "version",
            "updated_at",
        ]
        read_only_fields = ["title", "partnership", "version", "updated_at"]
        extra_kwargs = {
            name: {"min_value": Decimal(0), "max_value": Decimal(100)}
            for name in (
                "weight_volume",
                "weight_harm",
                "weight_concern",
                "weight_added_value",
                "weight_trend",
            )
        }


class SourceSerializer(serializers.Serializer):
    kind = serializers.SerializerMethodField()
    figure = serializers.IntegerField(source="figure_id", allow_null=True, read_only=True)
    question = serializers.IntegerField(source="question_id", allow_null=True, read_only=True)
    text = serializers.SerializerMethodField()

    def get_kind(self, obj) -> str:
        return "assessment_figure" if obj.figure_id else "survey_item"

    def get_text(self, obj) -> str:
        return str(obj.figure or obj.question)


class CandidateSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    added_value = serializers.IntegerField(
        min_value=1, max_value=5, allow_null=True, required=False
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            "exercise",
            "name",
            "order",
            "added_value",
            "added_value_reason",
            "sources",
            "version",
            "updated_at",
        ]
        read_only_fields = ["exercise", "order", "version", "updated_at"]


class ScoreSerializer(serializers.Serializer):
    """One candidate's line of the matrix: evidence value and 0-100 score per criterion."""

    candidate = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    rank_label = serializers.CharField()
    volume = serializers.FloatField(allow_null=True, help_text="% of recorded crime (or ASB).")
    volume_score = serializers.FloatField(allow_null=True)
    harm = serializers.FloatField(allow_null=True, help_text="Average harm weight.")
    harm_score = serializers.FloatField(allow_null=True)
    concern = serializers.FloatField(allow_null=True, help_text="Average net concern, %.")
    concern_score = serializers.FloatField(allow_null=True)
    added_value = serializers.FloatField(allow_null=True, help_text="1 to 5.")
    added_value_score = serializers.FloatField(allow_null=True)
    trend = serializers.FloatField(allow_null=True, help_text="% change on the previous period.")
    trend_score = serializers.FloatField(allow_null=True)
    total = serializers.FloatField(allow_null=True, help_text="Weighted average, 0 to 100.")
    criteria_with_evidence = serializers.IntegerField()
