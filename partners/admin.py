from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Area, AreaPopulation, Membership, Organisation, Partnership, Role, User


class AreaPopulationInline(admin.TabularInline):
    model = AreaPopulation
    extra = 0


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "gss_code"]
    search_fields = ["name", "gss_code"]
    inlines = [AreaPopulationInline]


@admin.register(AreaPopulation)
class AreaPopulationAdmin(admin.ModelAdmin):
    list_display = ["area", "year", "population", "source"]
    list_filter = ["area", "year"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phone", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "formed_on", "dissolved_on"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["areas"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organisation", "partnership", "role", "listed_as"]
    list_filter = ["partnership", "role"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Organisation", {"fields": ["organisation"]}))
    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation", "roles__role", "roles__partnership", "is_active"]
    inlines = [RoleInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "partnership"]
    list_filter = ["role", "partnership"]
