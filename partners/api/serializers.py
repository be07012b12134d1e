from rest_framework import serializers

from partners.models import Area, Membership, Organisation, Partnership


class AreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "gss_code", "name"]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "key", "name", "kind", "kind_label", "address", "phone", "website"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation_id = serializers.IntegerField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "organisation_id",
            "organisation_name",
            "role",
            "listed_as",
            "note",
            "started_on",
            "ended_on",
        ]


class PartnershipSerializer(serializers.ModelSerializer):
    areas = AreaSerializer(many=True, read_only=True)
    members = MembershipSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Partnership
        fields = [
            "id",
            "key",
            "name",
            "short_name",
            "formed_on",
            "dissolved_on",
            "areas",
            "members",
        ]
