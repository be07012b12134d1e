"""Keep API tokens and survey answers out of every log line and error report.

Redaction happens when a log record is made (a record factory installed by `configure`, Django's
LOGGING_CONFIG hook), so every handler sees the cleaned record: the console, an e-mail handler,
gunicorn's loggers in the same process, and pytest's caplog. `RedactSecrets` is the same cleaning
as a logging filter, for handlers configured elsewhere.
"""

from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import Callable

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

REDACTED = "[redacted]"

# Loggers whose arguments and exception messages may carry survey answers: only their fixed
# message text is kept.
ANSWER_LOGGERS = ("surveys",)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization: Bearer <token> / Token <token> / Basic <credentials>, in any quoting.
    (
        re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|token|basic)?\s*[^\s'\",}]+"),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2" + REDACTED),
    # The portal's own token format, wherever it appears.
    (re.compile(r"\bcsp_[A-Za-z0-9]+_[A-Za-z0-9_-]+"), REDACTED),
    # Secrets in query strings or form bodies: ?token=..., &access_token=..., api_key=...
    (
        re.compile(
            r"(?i)([?&;\s]|^)((?:access_|api_|auth_)?(?:token|key|password|secret)s?)=[^&\s'\"]*"
        ),
        r"\1\2=" + REDACTED,
    ),
    # Survey answer payloads: answers=..., "answers": {...} / [...] / "..." (not `answers = `,
    # which is source code in a traceback).
    (
        re.compile(
            r"(?i)(['\"]?\banswers?['\"]?(?:=|\s*:\s*))"
            r"(\{[^{}]*\}|\[[^\[\]]*\]|'[^']*'|\"[^\"]*\"|[^\s,&]+)"
        ),
        r"\1" + REDACTED,
    ),
]


def redact(text: str) -> str:
    """The text with every token, secret parameter and answer payload replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _message_of(record: logging.LogRecord) -> str:
    """The record's message, or its bare format string where arguments may carry answers."""
    if record.name.startswith(ANSWER_LOGGERS):
        return str(record.msg)
    try:
        return record.getMessage()
    except Exception:  # a malformed call must still log something
        return str(record.msg)


def _exception_text(record: logging.LogRecord) -> str | None:
    """The traceback, with the exception's message dropped for answer loggers."""
    if not record.exc_info or record.exc_info[0] is None:
        return record.exc_text
    if record.name.startswith(ANSWER_LOGGERS):
        return f"{record.exc_info[0].__name__} (message withheld: it may quote survey answers)"
    return logging.Formatter().formatException(record.exc_info)


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite the record in place so that no handler can format a secret out of it.

    A request attached by django.request is left for PortalExceptionReporterFilter to clean.
    """
    if getattr(record, "_csp_redacted", False):
        return record
    record.msg = redact(_message_of(record))
    record.args = None
    exc_text = _exception_text(record)
    if exc_text is not None:
        record.exc_text = redact(exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._csp_redacted = True
    return record


class RedactSecrets(logging.Filter):
    """A handler filter doing the same cleaning, for handlers that bypass the record factory."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean_record(record)
        return True


def install_record_factory() -> None:
    """Wrap the current record factory once, so every new record is cleaned as it is made."""
    current: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(current, "_csp_redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return clean_record(current(*args, **kwargs))

    factory._csp_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure(logging_settings: dict) -> None:
    """Django's LOGGING_CONFIG hook: the usual dictConfig plus the redacting record factory."""
    install_record_factory()
    if logging_settings:
        logging.config.dictConfig(logging_settings)


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports hide Authorization headers, and every field posted to survey pages."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTH", flags=re.IGNORECASE
    )

    def get_post_parameters(self, request: HttpRequest | None):
        """All posted values are hidden on survey pages, where they may be answers."""
        if request is not None and "survey" in request.path:
            return dict.fromkeys(request.POST, self.cleansed_substitute)
        return super().get_post_parameters(request)
