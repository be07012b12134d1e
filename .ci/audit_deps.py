#!/usr/bin/env python3
"""CI's dependency audit: pip-audit over the pinned requirements, with a reviewed waiver list.

Usage: audit_deps.py REQUIREMENTS WAIVERS

pip-audit needs a vulnerability service: PyPI's per-release JSON API or OSV (api.osv.dev). A
machine that reaches only a package index (as the CI machines here do: the index answers 404 for
per-release JSON and api.osv.dev does not resolve) can audit nothing. Then this script says so
plainly and exits 0, unless AUDIT_REQUIRED=true, so CI does not fail for a reason that is not a
vulnerability. With a service, any known vulnerability not waived fails the step.

Waiver lines: `ID | review-by YYYY-MM-DD | package | reason`. A waiver past its review date no
longer applies (and is reported), so every waiver is looked at again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVICES = ("pypi", "osv")


@dataclass(frozen=True)
class Waiver:
    vuln_id: str
    review_by: dt.date
    package: str
    reason: str


def read_waivers(path: Path) -> list[Waiver]:
    """Parse the waiver file; a malformed line stops CI, as a waiver must be deliberate."""
    waivers = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or not all(parts):
            sys.exit(f"{path}:{number}: expected 'ID | YYYY-MM-DD | package | reason'")
        try:
            review_by = dt.date.fromisoformat(parts[1])
        except ValueError:
            sys.exit(f"{path}:{number}: review date {parts[1]!r} is not YYYY-MM-DD")
        waivers.append(Waiver(parts[0], review_by, parts[2].lower(), parts[3]))
    return waivers


def run_pip_audit(requirements: Path, service: str) -> dict | None:
    """pip-audit's JSON report from one service, or None when the service could not answer."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "--vulnerability-service",
        service,
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "30",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    except subprocess.TimeoutExpired:
        print(f"  {service}: no answer within 10 minutes")
        return None
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {service}: unreachable ({last[:200]})")
        return None
    audited = [d for d in report.get("dependencies", []) if "skip_reason" not in d]
    if not audited:
        reasons = {d.get("skip_reason", "") for d in report.get("dependencies", [])}
        print(f"  {service}: answered for no dependency ({'; '.join(sorted(reasons))[:200]})")
        return None
    return report


def findings(report: dict) -> list[tuple[str, str, str, list[str]]]:
    """(package, version, vulnerability id, its aliases) for every reported vulnerability."""
    return [
        (dep["name"].lower(), dep["version"], vuln["id"], vuln.get("aliases", []))
        for dep in report["dependencies"]
        for vuln in dep.get("vulns", [])
    ]


def main(requirements: Path, waiver_file: Path) -> int:
    """Audit, apply the waivers, and say exactly what was and was not checked."""
    today = dt.date.today()
    waivers = read_waivers(waiver_file)
    active = {w.vuln_id: w for w in waivers if w.review_by >= today}
    for waiver in waivers:
        if waiver.review_by < today:
            print(
                f"Waiver {waiver.vuln_id} ({waiver.package}) passed its review date "
                f"{waiver.review_by}: it no longer applies. Review it."
            )
    report = None
    for service in SERVICES:
        report = run_pip_audit(requirements, service)
        if report is not None:
            print(f"Audited with the {service} vulnerability service.")
            break
    if report is None:
        message = (
            "DEPENDENCY AUDIT NOT PERFORMED: no vulnerability service answered from this "
            "machine (it reaches only a package index). Nothing was checked; run "
            "`.ci/audit_deps.py requirements.txt .ci/pip-audit-waivers.txt` where PyPI's JSON "
            "API or api.osv.dev is reachable."
        )
        print(message)
        return 1 if os.environ.get("AUDIT_REQUIRED", "").lower() == "true" else 0
    skipped = [d["name"] for d in report["dependencies"] if "skip_reason" in d]
    if skipped:
        print(f"Not audited (the service does not know them): {', '.join(skipped)}")
    failures = []
    for package, version, vuln_id, aliases in findings(report):
        waiver = next((active[i] for i in [vuln_id, *aliases] if i in active), None)
        if waiver:
            print(
                f"Waived {vuln_id} in {package} {version} until {waiver.review_by}: {waiver.reason}"
            )
        else:
            failures.append(f"{package} {version}: {vuln_id} {' '.join(aliases)}".strip())
    if failures:
        print("Known vulnerabilities with no waiver:")
        print("\n".join(f"  {f}" for f in failures))
        return 1
    audited = len(report["dependencies"]) - len(skipped)
    print(f"No unwaived vulnerabilities in {audited} pinned dependencies.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
