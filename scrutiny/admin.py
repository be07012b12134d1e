from django.contrib import admin

from audit.admin import AuditedAdmin

from .models import PublicDashboard


@admin.register(PublicDashboard)
class PublicDashboardAdmin(AuditedAdmin):
    list_display = ["partnership", "enabled", "changed_at"]
    list_filter = ["enabled"]
