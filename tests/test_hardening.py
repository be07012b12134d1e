"""Issue 8 item 5, hardening: CSP header, sign-in lockout, idle sign-out, log redaction,
production settings."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from csp_portal import idle_session
from csp_portal.log_redaction import PortalExceptionReporterFilter, redact
from csp_portal.sign_in_lockout import client_ip

PASSWORD = "correct-horse-battery"
ROOT = Path(settings.BASE_DIR)


def _directives(header: str) -> dict[str, list[str]]:
    """The policy as {directive: [sources]}."""
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def _sign_in(client: Client, username: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _issue_token(user) -> str:
    _, key = ApiToken.issue(
        user=user, name="test", scope="read", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    return key


# --- Content-Security-Policy -------------------------------------------------------------


@pytest.mark.django_db
def test_it_sends_a_strict_content_security_policy_to_everyone(client, officer):
    """A visitor and a signed-in officer both get a policy with no inline script or style."""
    for who in (None, officer):
        if who:
            client.force_login(who)
        header = client.get(reverse("home"))["Content-Security-Policy"]
        policy = _directives(header)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["base-uri"] == ["'none'"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.mark.django_db
def test_it_sends_the_other_security_headers(client, seeded):
    """Referrer-Policy, X-Frame-Options and nosniff are on every page."""
    response = client.get(reverse("home"))
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_has_no_inline_script_style_or_event_handler_in_any_template():
    """Every script and style comes from static/, so the policy needs no 'unsafe-inline'."""
    offenders = []
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline script", inline_script),
            ("event handler", handler),
            ("style attribute", re.compile(r"\sstyle\s*=", re.IGNORECASE)),
            ("style element", re.compile(r"<style\b", re.IGNORECASE)),
        ):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


@pytest.mark.django_db
def test_it_serves_the_swagger_ui_start_up_script_as_a_file(client, seeded):
    """The API docs page loads its script from a URL rather than inline."""
    response = client.get(reverse("api-swagger"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in html
    assert "<script>" not in html
    script = client.get(reverse("api-swagger") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- Sign-in lockout ---------------------------------------------------------------------


@pytest.mark.django_db
def test_it_locks_out_a_username_from_one_address_after_ten_failures(client, officer):
    """Olivia mistypes ten times: the tenth answer is the locked-out page."""
    for attempt in range(1, 10):
        response = _sign_in(client, "olivia.officer", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
    response = _sign_in(client, "olivia.officer", "wrong-10")
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "30 minutes" in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_the_right_password_during_the_lockout(client, officer):
    """Once locked, even Olivia's real password does not sign her in."""
    for attempt in range(10):
        _sign_in(client, "olivia.officer", f"wrong-{attempt}")
    response = _sign_in(client, "olivia.officer", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_it_lets_a_colleague_at_the_same_address_sign_in(client, officer, councillor):
    """The council office shares one address: Colin signs in while Olivia is locked out."""
    for attempt in range(10):
        _sign_in(client, "olivia.officer", f"wrong-{attempt}")
    colleague = Client()
    response = _sign_in(colleague, "colin.councillor", PASSWORD)
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(councillor.pk)


@pytest.mark.django_db
def test_it_lets_the_same_person_in_from_another_address(client, officer):
    """Olivia locked out at the office can still sign in from home."""
    for attempt in range(10):
        _sign_in(client, "olivia.officer", f"wrong-{attempt}")
    response = _sign_in(Client(), "olivia.officer", PASSWORD, address="198.51.100.7")
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_lets_the_person_in_again_after_the_cool_off(client, officer):
    """Thirty minutes after the last failure, the right password works again."""
    for attempt in range(10):
        _sign_in(client, "olivia.officer", f"wrong-{attempt}")
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - dt.timedelta(minutes=settings.LOCKOUT_COOLOFF_MINUTES + 1)
    )
    response = _sign_in(client, "olivia.officer", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


@pytest.mark.django_db
def test_it_keeps_api_tokens_working_for_a_locked_out_person(client, officer):
    """Sign-in lockout is about the password form; a partner system's token still reads."""
    key = _issue_token(officer)
    for attempt in range(10):
        _sign_in(client, "olivia.officer", f"wrong-{attempt}")
    response = Client().get(
        "/api/v1/strategies/", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 200


def test_it_takes_the_client_address_from_the_trusted_proxy_only(settings):
    """Behind nginx, the address nginx appended counts; one a client made up does not."""
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"


# --- Idle sign-out -----------------------------------------------------------------------


def _age_session(client: Client, seconds: float) -> None:
    """Pretend the last request was `seconds` ago."""
    session = client.session
    session[idle_session.LAST_ACTIVITY_KEY] = session[idle_session.LAST_ACTIVITY_KEY] - seconds
    session.save()


@pytest.mark.django_db
def test_it_signs_out_an_officer_idle_for_longer_than_the_limit(client, officer):
    """Olivia leaves her desk for 31 minutes: her next page asks her to sign in again."""
    client.force_login(officer)
    assert client.get(reverse("my_actions")).status_code == 200
    _age_session(client, 31 * 60)
    response = client.get(reverse("my_actions"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('my_actions')}"
    page = client.get(response["Location"])
    assert "You were signed out because you did nothing for 30 minutes" in page.content.decode()


@pytest.mark.django_db
def test_it_returns_the_officer_to_the_page_after_signing_in_again(client, officer):
    """Signing in again from the idle redirect lands on the page she asked for."""
    client.force_login(officer)
    client.get(reverse("my_actions"))
    _age_session(client, 31 * 60)
    login_url = client.get(reverse("my_actions"))["Location"]
    response = client.post(
        login_url,
        {"username": "olivia.officer", "password": PASSWORD, "next": reverse("my_actions")},
    )
    assert response["Location"] == reverse("my_actions")


@pytest.mark.django_db
def test_it_keeps_an_active_officer_signed_in(client, officer):
    """29 minutes between pages is not idle enough to be signed out."""
    client.force_login(officer)
    client.get(reverse("my_actions"))
    _age_session(client, 29 * 60)
    assert client.get(reverse("my_actions")).status_code == 200


@pytest.mark.django_db
def test_it_restarts_the_idle_clock_on_keep_alive(client, officer):
    """Choosing "Stay signed in" after 28 minutes gives her another full 30 minutes."""
    client.force_login(officer)
    client.get(reverse("my_actions"))
    _age_session(client, 28 * 60)
    status = client.get(reverse("session_status")).json()
    assert status["signed_in"] and status["seconds_remaining"] <= 2 * 60
    response = client.post(reverse("session_keep_alive"))
    assert response.json()["seconds_remaining"] >= 30 * 60 - 2
    _age_session(client, 20 * 60)
    assert client.get(reverse("my_actions")).status_code == 200


@pytest.mark.django_db
def test_it_does_not_count_the_status_check_as_activity(client, officer, settings):
    """The warning script asking how long is left must not keep the session alive."""
    settings.SESSION_ACTIVITY_RESOLUTION = 0
    client.force_login(officer)
    client.get(reverse("my_actions"))
    _age_session(client, 25 * 60)
    before = client.get(reverse("session_status")).json()["seconds_remaining"]
    after = client.get(reverse("session_status")).json()["seconds_remaining"]
    assert after <= before <= 5 * 60


@pytest.mark.django_db
def test_it_refuses_a_keep_alive_without_the_csrf_token(officer):
    """The keep-alive is a POST and needs the page's CSRF token like any other."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(reverse("session_keep_alive")).status_code == 403


@pytest.mark.django_db
def test_it_gives_signed_in_pages_the_warning_dialog_and_script(client, officer):
    """The dialog and its script are on signed-in pages only, the script as a file."""
    assert "session-timeout-dialog" not in client.get(reverse("home")).content.decode()
    client.force_login(officer)
    html = client.get(reverse("home")).content.decode()
    assert 'id="session-timeout-dialog"' in html
    assert "js/session-timeout.js" in html
    assert 'data-warn-seconds="120"' in html


# --- Log redaction -----------------------------------------------------------------------


@pytest.mark.django_db
def test_it_logs_nothing_of_a_token_a_partner_system_sends(client, officer, caplog):
    """A refused token, in the header and the query string, never reaches the log."""
    key = _issue_token(officer)
    secret = key.split("_", 2)[2]
    caplog.set_level(logging.DEBUG)
    client.get(f"/api/v1/no-such-thing/?token={key}", HTTP_AUTHORIZATION=f"Bearer {key}")
    client.get(f"/api/v1/strategies/?token={key}", HTTP_AUTHORIZATION="Bearer csp_bad_guess1234")
    logging.getLogger("gunicorn.access").info(
        '"%s" %s %s', f"GET /api/v1/strategies/?token={key}&format=csv HTTP/1.1", 200, 10
    )
    assert caplog.records, "the requests should have logged something"
    assert secret not in caplog.text
    assert "csp_bad_guess1234" not in caplog.text
    assert "token=[redacted]" in caplog.text


def test_it_redacts_authorization_headers_in_any_shape(caplog):
    """Headers logged as a dict, a string or an exception message lose their value."""
    log = logging.getLogger("partners.sync")
    caplog.set_level(logging.INFO)
    log.info("headers %s", {"Authorization": "Bearer abcdefgh12345678", "Accept": "json"})
    log.info("Authorization: Basic dXNlcjpwYXNzd29yZA==")
    try:
        raise ValueError("upstream refused access_token=s3cr3t-value")
    except ValueError:
        log.exception("call failed")
    assert "abcdefgh12345678" not in caplog.text
    assert "dXNlcjpwYXNzd29yZA==" not in caplog.text
    assert "s3cr3t-value" not in caplog.text
    assert "'Accept': 'json'" in caplog.text


def test_it_keeps_survey_answers_out_of_the_log(caplog):
    """A survey import's log lines keep their wording but never a respondent's answer."""
    caplog.set_level(logging.INFO)
    logging.getLogger("surveys.imports").warning(
        "Row %s: cannot read answer %r", 12, "I was burgled twice on Hythe Street"
    )
    try:
        raise ValueError("Not an option: 'I was burgled twice on Hythe Street'")
    except ValueError:
        logging.getLogger("surveys.imports").exception("Import stopped")
    logging.getLogger("api").info('payload {"answers": {"q1": "I feel unsafe at night"}}')
    assert "Hythe Street" not in caplog.text
    assert "unsafe at night" not in caplog.text
    assert "cannot read answer" in caplog.text and "ValueError" in caplog.text


def test_it_hides_authorization_and_survey_answers_from_error_reports():
    """Error reports (DEBUG pages, e-mailed reports) hide the header and posted answers."""
    factory = RequestFactory()
    request = factory.post(
        "/surveys/dartford-public-survey-2025/import/",
        {"q1": "I feel unsafe"},
        HTTP_AUTHORIZATION="Bearer csp_abc_secret",
    )
    report_filter = PortalExceptionReporterFilter()
    meta = report_filter.get_safe_request_meta(request)
    assert "csp_abc_secret" not in str(meta["HTTP_AUTHORIZATION"])
    assert report_filter.get_post_parameters(request)["q1"] != "I feel unsafe"


def test_it_redacts_the_portal_token_format_wherever_it_appears():
    """The portal's own token shape is recognised in free text."""
    assert redact("key csp_0a1b2c3d_x-Y_z9 used") == "key [redacted] used"


# --- Production settings -----------------------------------------------------------------


def test_it_passes_check_deploy_with_production_settings():
    """`manage.py check --deploy` prints no warning with the production environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "DJANGO_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="csp_portal.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
