"""CI's dependency audit (.ci/audit_deps.py): waivers apply until reviewed, and no service means
a clear "not performed" rather than a false pass or a spurious failure."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit_deps.py"


@pytest.fixture
def audit():
    """The CI script, imported as a module."""
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("audit_deps", None)


def _report(*vulns: str) -> dict:
    """A pip-audit JSON report with Django carrying the given advisories."""
    return {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": [{"id": v} for v in vulns]},
            {"name": "gunicorn", "version": "27.0.1", "vulns": []},
        ]
    }


def _waivers(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "waivers.txt"
    path.write_text("# comment\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_it_fails_on_a_vulnerability_nobody_waived(audit, tmp_path, monkeypatch, capsys):
    """The release manager sees the advisory by name and the step fails."""
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, service: _report("PYSEC-1"))
    assert audit.main(Path("requirements.txt"), _waivers(tmp_path)) == 1
    assert "django 5.2.19: PYSEC-1" in capsys.readouterr().out


def test_it_accepts_a_waived_vulnerability_until_its_review_date(audit, tmp_path, monkeypatch):
    """A reviewed waiver lets CI pass, and stops doing so once its date has gone."""
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, service: _report("PYSEC-1"))
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    waived = _waivers(tmp_path, f"PYSEC-1 | {future} | django | not reachable from our views")
    assert audit.main(Path("requirements.txt"), waived) == 0
    expired = _waivers(tmp_path, f"PYSEC-1 | {past} | django | not reachable from our views")
    assert audit.main(Path("requirements.txt"), expired) == 1


def test_it_refuses_a_waiver_without_a_reason(audit, tmp_path):
    """A waiver is deliberate: one missing its reason stops CI."""
    with pytest.raises(SystemExit):
        audit.read_waivers(_waivers(tmp_path, "PYSEC-1 | 2030-01-01 | django |"))


def test_it_says_the_audit_was_not_performed_when_no_service_answers(
    audit, tmp_path, monkeypatch, capsys
):
    """Offline CI goes on, saying plainly that nothing was checked; AUDIT_REQUIRED fails it."""
    monkeypatch.setattr(audit, "run_pip_audit", lambda req, service: None)
    assert audit.main(Path("requirements.txt"), _waivers(tmp_path)) == 0
    assert "DEPENDENCY AUDIT NOT PERFORMED" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "true")
    assert audit.main(Path("requirements.txt"), _waivers(tmp_path)) == 1


def test_the_repository_waiver_list_is_well_formed(audit):
    """The committed waiver list parses, and every waiver in it has a reason and a date."""
    waivers = audit.read_waivers(SCRIPT.parent / "pip-audit-waivers.txt")
    assert all(w.reason and w.review_by for w in waivers)
