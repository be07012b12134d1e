"""A short hash of the portal's code, templates and static manifest, taken at start-up.

Part of every cache key for built responses (csp_portal.page_cache, api.caching), so a new
release never serves markup or JSON built by the old one, even though the data is the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

APPS = (
    "api",
    "assessments",
    "csp_portal",
    "partners",
    "platform_ops",
    "priorities",
    "priority_setting",
    "scrutiny",
    "surveys",
)


def _files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = [p for app in APPS for p in (base / app).rglob("*.py") if "tests" not in p.parts]
    found += [p for p in (base / "templates").rglob("*") if p.is_file()]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        found.append(manifest)
    return sorted(found)


def compute() -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for path in _files():
        digest.update(path.name.encode())  # not the folder: servers may install elsewhere
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = compute()
