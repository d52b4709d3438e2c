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


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
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
    secure_cookies: bool = False
    # Login throttling: this many failures per e-mail address (or per client address) within
    # the window answer 429 until the window has passed.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Mails go out on a background thread after the commit; tests can switch that off and
    # call the dispatcher themselves.
    mail_send_after_commit: bool = True
    base_url: str = "http://127.0.0.1:8000"
    # Python logging level name; logs are JSON lines on stderr (booking/logs.py).
    log_level: str = "INFO"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": os.environ.get("RAUMPLAN_DATABASE_URL") or cls.database_url,
            "smtp_host": os.environ.get("RAUMPLAN_SMTP_HOST") or None,
            "smtp_port": _env_int("RAUMPLAN_SMTP_PORT", 25),
            "smtp_user": os.environ.get("RAUMPLAN_SMTP_USER") or None,
            "smtp_password": os.environ.get("RAUMPLAN_SMTP_PASSWORD") or None,
            "smtp_starttls": os.environ.get("RAUMPLAN_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            "mail_from": os.environ.get("RAUMPLAN_MAIL_FROM") or cls.mail_from,
            "outbox_dir": Path(os.environ.get("RAUMPLAN_OUTBOX_DIR") or cls.outbox_dir),
            "secure_cookies": os.environ.get("RAUMPLAN_SECURE_COOKIES", "") in ("1", "true"),
            "base_url": os.environ.get("RAUMPLAN_BASE_URL") or cls.base_url,
            "log_level": os.environ.get("RAUMPLAN_LOG_LEVEL") or cls.log_level,
            # "0" leaves sending to `raumplan mail send` (e.g. from cron) instead of a thread
            # in each web worker.
            "mail_send_after_commit": os.environ.get("RAUMPLAN_MAIL_AFTER_COMMIT", "1")
            not in ("0", "false", "no"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
