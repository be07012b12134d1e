from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlatformOpsConfig(AppConfig):
    name = "platform_ops"
    verbose_name = "Platform operations"

    def ready(self) -> None:
        from .data_version import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="data_version")
