"""For running this app's tests beside other suites on one PostgreSQL server: own test DB name.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csp_portal \\
        .venv/bin/python -m pytest platform_ops --ds=platform_ops.tests.settings_local

CI does not need it: it uses csp_portal.settings_test once platform_ops is installed.
"""

from csp_portal.settings_test import *  # noqa: F403

if "platform_ops" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "platform_ops"]  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": "test_csp_portal_platform_ops"}  # noqa: F405
