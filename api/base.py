"""What every API viewset shares: pagination, exports, ETags and If-Match on writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import DataError, models
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .export import csv_response, xlsx_response

# Rows fetched (and their prefetches run) at a time by an export: memory stays flat.
EXPORT_CHUNK_SIZE = 1000


class PortalPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send an If-Match header with the ETag you last read, so no one's edit is lost."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Someone else changed this since you read it. Read it again, then retry."
    default_code = "precondition_failed"


def etag_for(obj: models.Model) -> str:
    return f'"{obj._meta.model_name}-{obj.pk}-v{getattr(obj, "version", 1)}"'


class ExportMixin:
    """`?format=csv` and `?format=xlsx` on a list: every filtered row, streamed."""

    export_name = "export"

    lookup_value_regex = "[0-9]{1,18}"

    def handle_exception(self, exc):
        if isinstance(exc, (OverflowError, DataError)):
            # A number past what the database stores is bad input, not a server fault.
            exc = exceptions.ValidationError(
                {"detail": ["A number in the request is out of range."]}
            )
        # Errors are always JSON with a message per field, whatever format was asked for.
        response = super().handle_exception(exc)
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and getattr(renderer, "format", "json") in ("csv", "xlsx"):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", "json")
        if fmt not in ("csv", "xlsx"):
            return super().list(request, *args, **kwargs)
        rows = self.export_rows(self.filter_queryset(self.get_queryset()))
        if fmt == "csv":
            return csv_response(rows, self.export_name)
        return xlsx_response(rows, self.export_name, self.export_name)

    def export_rows(self, queryset: models.QuerySet) -> Iterator[dict[str, Any]]:
        """Every row through one serializer: building a serializer per row cost 10 ms a row."""
        serializer = self.get_serializer_class()(context=self.get_serializer_context())
        for obj in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            yield serializer.to_representation(obj)


class ETagMixin:
    """Each object carries an ETag; PUT and PATCH must send it back as If-Match."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance)
        return response

    def expected_version(self, instance) -> int:
        """The version the client read, from If-Match; 428 without one, 412 if stale."""
        header = self.request.headers.get("If-Match")
        if not header:
            raise PreconditionRequired()
        current = etag_for(instance)
        # "*" is not accepted: a client must show which version it is changing.
        candidates = [t.strip().removeprefix("W/") for t in header.split(",")]
        if current not in candidates:
            raise PreconditionFailed()
        return getattr(instance, "version", 1)
