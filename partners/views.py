"""Pages about partner organisations."""

from django.db.models import Prefetch
from django.views.generic import ListView

from priorities.models import KeyContact, Strategy

from .models import Membership, Organisation


class OrganisationListView(ListView):
    """Partner organisations with their contacts and memberships; public directory."""

    template_name = "partners/organisation_list.html"
    context_object_name = "organisations"

    def get_queryset(self):
        visible = Strategy.objects.visible_to(self.request.user)
        return Organisation.objects.prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("partnership").order_by(
                    "partnership__name"
                ),
            ),
            Prefetch(
                "key_contacts",
                queryset=KeyContact.objects.filter(strategy__in=visible).select_related("strategy"),
            ),
        )
