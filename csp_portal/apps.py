"""The project package as an app, so its signal receivers are connected at start-up."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "csp_portal"
    verbose_name = "CSP Portal"

    def ready(self) -> None:
        """Connect the sign-in receiver that starts the idle clock."""
        from django.contrib.auth.signals import user_logged_in

        from . import idle_session

        user_logged_in.connect(idle_session.start_idle_clock, dispatch_uid="csp_idle_clock")
