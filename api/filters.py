"""Filtering that answers 400, never 500, to numbers the database cannot hold."""

import re

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

MAX_ID = 2**63 - 1
_INTEGER = re.compile(r"^\s*[-+]?\d+\s*$")


def out_of_range(value: str) -> bool:
    return bool(_INTEGER.match(value)) and abs(int(value)) > MAX_ID


class PortalFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        names = set(filterset_class.base_filters) if filterset_class else set()
        errors = {
            name: ["Number out of range."]
            for name, values in request.query_params.lists()
            if name in names and any(out_of_range(v) for v in values)
        }
        if errors:
            raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


class SafePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id; one too large for the database is 'does not exist', not a crash."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if (isinstance(data, int) and abs(data) > MAX_ID) or (
            isinstance(data, str) and out_of_range(data)
        ):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
