"""One settings object for the whole service, read from environment variables.

Every knob a deployment turns lives here (DESIGN §5: configuration by environment variables),
so a reader finds them in one place and tests can build a Settings by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("var/raumplan.sqlite3")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_bool(name: str) -> bool | None:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    return None


def _env_text(name: str) -> str:
    """A text from ``NAME_FILE`` (a path, for texts of several paragraphs) or ``NAME``."""
    path = os.environ.get(name + "_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8")
    return os.environ.get(name, "")


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # PostgreSQL: connections of a process's pool (booking.db explains how they add up).
    db_pool_size: int = 15
    # Mail: with no SMTP host, mails are written as .eml files into the outbox folder so the
    # demo needs no mail server.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Raumplan <raumplan@localhost>"
    outbox_dir: Path = Path("var/outbox")
    # Cookie sessions for the pages; bearer tokens for API clients.
    session_hours: int = 12
    api_token_days: int = 30
    # None: Secure cookies (and an HSTS header) exactly when base_url is https.
    secure_cookies: bool | None = None
    # Login throttling (OWASP device cookies, booking.services.accounts.login): clients that
    # never logged in to an account share this many failures per window for it, so an attacker
    # with any number of addresses gets at most 3 × 10 = 30 guesses per account and hour; a
    # known device of the owner is judged on its own failures only.
    login_max_failures: int = 10
    login_device_max_failures: int = 5
    login_window_minutes: int = 20
    login_device_days: int = 180
    # Registration and password-reset requests per client address and hour.
    register_max_per_client: int = 10
    confirm_link_hours: int = 48
    reset_link_minutes: int = 60
    # Mails go out on a background thread after the commit; tests can switch that off and
    # call the dispatcher themselves.
    mail_send_after_commit: bool = True
    # Where people reach the service: links in mails start with it, and an https URL makes
    # cookies Secure and adds HSTS.
    base_url: str = "http://127.0.0.1:8000"
    # Python logging level name; logs are JSON lines on stderr (booking/logs.py).
    log_level: str = "INFO"
    # Door codes: the pepper text ("k2:hex,k1:hex", newest first). None: read
    # RAUMPLAN_ACCESS_PEPPER or the file RAUMPLAN_ACCESS_PEPPER_FILE; the service refuses to
    # start without one (access.hashing).
    access_pepper: str | None = None
    # The operator's Impressum and Datenschutzerklärung (required for a German public website),
    # shown at /impressum and /datenschutz as written (German; paragraphs by blank lines).
    imprint: str = ""
    privacy_notice: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def https(self) -> bool:
        return self.base_url.lower().startswith("https://")

    @property
    def cookies_secure(self) -> bool:
        return self.https if self.secure_cookies is None else self.secure_cookies

    def link(self, path: str) -> str:
        """An absolute link for a mail: the configured base URL and ``path``."""
        return self.base_url.rstrip("/") + path

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("RAUMPLAN_DATABASE_URL") or cls.database_url,
            "db_pool_size": _env_int("RAUMPLAN_DB_POOL_SIZE", cls.db_pool_size),
            "smtp_host": os.environ.get("RAUMPLAN_SMTP_HOST") or None,
            "smtp_port": _env_int("RAUMPLAN_SMTP_PORT", 25),
            "smtp_user": os.environ.get("RAUMPLAN_SMTP_USER") or None,
            "smtp_password": os.environ.get("RAUMPLAN_SMTP_PASSWORD") or None,
            "smtp_starttls": os.environ.get("RAUMPLAN_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            "mail_from": os.environ.get("RAUMPLAN_MAIL_FROM") or cls.mail_from,
            "outbox_dir": Path(os.environ.get("RAUMPLAN_OUTBOX_DIR") or cls.outbox_dir),
            "secure_cookies": _env_bool("RAUMPLAN_SECURE_COOKIES"),
            "base_url": os.environ.get("RAUMPLAN_BASE_URL") or cls.base_url,
            "log_level": os.environ.get("RAUMPLAN_LOG_LEVEL") or cls.log_level,
            # "0" leaves sending to `raumplan mail send` (e.g. from cron) instead of a thread
            # in each web worker.
            "mail_send_after_commit": os.environ.get("RAUMPLAN_MAIL_AFTER_COMMIT", "1")
            not in ("0", "false", "no"),
        }
        values["imprint"] = _env_text("RAUMPLAN_IMPRINT")
        values["privacy_notice"] = _env_text("RAUMPLAN_PRIVACY_NOTICE")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
