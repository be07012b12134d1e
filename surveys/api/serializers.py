from rest_framework import serializers

from surveys.models import AnswerOption, Question, Survey


class SurveySerializer(serializers.ModelSerializer):
    partnership = serializers.CharField(source="partnership.key", read_only=True)
    strategy = serializers.CharField(source="strategy.slug", read_only=True, allow_null=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "slug",
            "title",
            "partnership",
            "strategy",
            "status",
            "fieldwork_start",
            "fieldwork_end",
            "method",
            "respondents",
            "results_note",
        ]


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnswerOption
        fields = ["id", "label", "standard_label", "order", "counts_as_concern", "is_dont_know"]


class QuestionSerializer(serializers.ModelSerializer):
    survey = serializers.CharField(source="survey.slug", read_only=True)
    section = serializers.CharField(source="section.key", read_only=True, allow_null=True)
    section_title = serializers.CharField(source="section.title", read_only=True, allow_null=True)
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "survey",
            "key",
            "kind",
            "text",
            "section",
            "section_title",
            "order",
            "parent",
            "parent_option",
            "max_choices",
            "dont_know_in_base",
            "note",
            "options",
        ]


class ResultSerializer(serializers.Serializer):
    """One answer's figure, exactly as the pages and downloads show it."""

    question = serializers.IntegerField(help_text="Question id.")
    question_key = serializers.CharField()
    question_text = serializers.CharField()
    section = serializers.CharField(allow_null=True)
    option = serializers.IntegerField(help_text="Answer option id.")
    answer = serializers.CharField()
    count = serializers.IntegerField(
        allow_null=True, help_text="Empty when not published or withheld."
    )
    percentage = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    percentage_places = serializers.IntegerField(help_text="Decimal places as published.")
    chart_percentage = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    computed_percentage = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="Worked out from a published count.",
    )
    base = serializers.IntegerField(allow_null=True)
    disclosure = serializers.ChoiceField(choices=["shown", "fewer_than_10", "suppressed"])
    flag = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    source = serializers.ChoiceField(choices=["published", "computed"])


class BreakdownCellSerializer(serializers.Serializer):
    """One count of a breakdown; withheld counts have no count and no percentage."""

    group = serializers.CharField(help_text="The group, “Did not say” or “All who answered”.")
    answer = serializers.CharField(help_text="An answer, or “Total”.")
    count = serializers.IntegerField(allow_null=True)
    percentage = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    disclosure = serializers.ChoiceField(choices=["shown", "fewer_than_10", "suppressed"])
