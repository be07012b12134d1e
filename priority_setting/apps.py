from django.apps import AppConfig


class PrioritySettingConfig(AppConfig):
    name = "priority_setting"
    verbose_name = "Evidence-based priority setting"
