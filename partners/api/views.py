"""Read-only API for partnerships, areas and organisations (public reference data)."""

from rest_framework import viewsets

from api.base import ExportMixin
from partners.models import Area, Organisation, Partnership

from .serializers import AreaSerializer, OrganisationSerializer, PartnershipSerializer


class PartnershipViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Community Safety Partnerships with their areas and member organisations."""

    cache_responses = True

    queryset = Partnership.objects.prefetch_related("areas", "memberships__organisation").order_by(
        "name"
    )
    serializer_class = PartnershipSerializer
    filterset_fields = ["key"]
    ordering_fields = ["name", "formed_on"]
    export_name = "partnerships"


class AreaViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Local authority districts by GSS code."""

    cache_responses = True

    queryset = Area.objects.order_by("name")
    serializer_class = AreaSerializer
    filterset_fields = ["gss_code", "partnerships"]
    ordering_fields = ["name", "gss_code"]
    export_name = "areas"


class OrganisationViewSet(ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Partner agencies."""

    cache_responses = True

    queryset = Organisation.objects.order_by("name")
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "key", "partnerships"]
    ordering_fields = ["name"]
    export_name = "organisations"
